import Foundation

/// Moves markers that would be drawn on top of one another apart by a few pixels: the markers of
/// a cluster (centres closer than a marker's width) are set on a small ring around the one drawn
/// last, which keeps its place, so every one of them stays visible. The data values are unchanged; only where the
/// mark is drawn moves.
enum MarkerSpread {
    /// Pixel centres for markers at `centres` with radii `radii`: equal to the input except for
    /// markers that coincide with another one of the same group (`groups`, nil: not spread).
    static func spread(centres: [(x: Double, y: Double)], radii: [Double], groups: [String?]) -> [(
        x: Double, y: Double
    )] {
        var out = centres
        var clusters: [[Int]] = []
        for index in centres.indices {
            guard let group = groups[index] else { continue }
            let found = clusters.firstIndex { cluster in
                cluster.contains { other in
                    groups[other] == group
                        && hypot(centres[other].x - centres[index].x, centres[other].y - centres[index].y)
                            < radii[other] + radii[index]
                }
            }
            if let found { clusters[found].append(index) } else { clusters.append([index]) }
        }
        for cluster in clusters where cluster.count > 1 {
            // The marker drawn last (on top: the most important) keeps its place; the others
            // stand on a ring around it, a marker's width and a pixel apart.
            guard let keep = cluster.last else { continue }
            let others = cluster.dropLast()
            let r = cluster.map { radii[$0] }.max() ?? 4
            let ring = max(2 * r + 1, Double(others.count) * (2 * r + 1) / (2 * Double.pi))
            for (position, index) in others.enumerated() {
                let angle = -Double.pi / 2 + 2 * Double.pi * Double(position) / Double(others.count)
                out[index] = (centres[keep].x + ring * cos(angle), centres[keep].y + ring * sin(angle))
            }
        }
        return out
    }
}
