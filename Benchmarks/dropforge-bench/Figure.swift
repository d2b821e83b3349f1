import Foundation

/// One line of the report: a quantity measured once per run, its median and spread (min–max
/// over the runs), and the target when it has one.
struct Figure: Sendable {
    enum Target: Sendable {
        case atMost(Double)
        case atLeast(Double)
    }

    let benchmark: String
    let name: String
    let unit: String
    let runs: Sample
    let target: Target?

    init(_ benchmark: String, _ name: String, unit: String, runs: [Double], target: Target? = nil) {
        self.benchmark = benchmark
        self.name = name
        self.unit = unit
        self.runs = Sample(runs)
        self.target = target
    }

    /// nil when there is no target.
    var met: Bool? {
        switch target {
        case .atMost(let limit): return runs.median <= limit
        case .atLeast(let limit): return runs.median >= limit
        case nil: return nil
        }
    }

    var targetText: String {
        switch target {
        case .atMost(let limit): return "≤ \(Self.format(limit))"
        case .atLeast(let limit): return "≥ \(Self.format(limit))"
        case nil: return ""
        }
    }

    var json: [String: Any] {
        var object: [String: Any] = [
            "benchmark": benchmark, "name": name, "unit": unit,
            "median": runs.median, "min": runs.min, "max": runs.max, "runs": runs.values,
        ]
        if let met { object["target"] = targetText; object["met"] = met }
        return object
    }

    static func format(_ value: Double) -> String {
        if value.isNaN { return "–" }
        if abs(value) >= 100 { return String(format: "%.0f", value) }
        if abs(value) >= 10 { return String(format: "%.1f", value) }
        return String(format: "%.2f", value)
    }
}
