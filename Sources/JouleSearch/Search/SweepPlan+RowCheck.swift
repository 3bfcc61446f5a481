extension SweepPlan {
    /// Whether a row read back from points.csv is one this plan writes for its id: the id is a
    /// point of the design space, the values are that point's settings, a failed row has an
    /// error and nothing else, any other row has every metric, and its feasible flag and violated
    /// constraint agree with the constraints (checked again on its metrics; `fits_memory`, which
    /// the metrics cannot tell, is taken from the violated column).
    public func accepts(_ row: PointResult) -> Bool {
        guard row.id >= 0, row.id < points.count, row.values == settings(row.id).map(\.value) else { return false }
        if !row.error.isEmpty { return !row.feasible && row.violated.isEmpty && row.metrics.isEmpty }
        guard row.metrics.count == Metric.reported(serving: isServing).count else { return false }
        let failing = spec.constraints.first {
            !$0.holds(metrics: row.metrics, fitsMemory: !($0.kind == .fitsMemory && row.violated == $0.text))
        }
        return row.feasible == (failing == nil) && row.violated == (failing?.text ?? "")
    }
}
