/// A serving steady state whose request classes each have a TTFT and an end-to-end latency:
/// their percentiles over requests (each class weighted by its share).
public protocol RequestLatencyPercentiles {
    /// Each class's TTFT and end-to-end latency (seconds) and its share of the requests.
    var classLatencies: [(ttft: Double, endToEnd: Double, share: Double)] { get }
}

extension RequestLatencyPercentiles {
    /// The TTFT below which a fraction q of the requests fall (seconds).
    public func ttftPercentile(_ q: Double) -> Double {
        RequestMix.percentile(q, of: classLatencies.map { ($0.ttft, $0.share) })
    }
    /// The end-to-end latency below which a fraction q of the requests fall (seconds).
    public func endToEndPercentile(_ q: Double) -> Double {
        RequestMix.percentile(q, of: classLatencies.map { ($0.endToEnd, $0.share) })
    }
    /// Median TTFT over requests (seconds).
    public var ttftP50: Double { ttftPercentile(0.5) }
    /// 90th-percentile TTFT over requests (seconds).
    public var ttftP90: Double { ttftPercentile(0.9) }
    /// 99th-percentile TTFT over requests (seconds).
    public var ttftP99: Double { ttftPercentile(0.99) }
    /// Median end-to-end latency over requests (seconds).
    public var endToEndP50: Double { endToEndPercentile(0.5) }
    /// 99th-percentile end-to-end latency over requests (seconds).
    public var endToEndP99: Double { endToEndPercentile(0.99) }
}
