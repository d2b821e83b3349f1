/// A set of measurements of one quantity, and the order statistics the report prints.
struct Sample: Sendable {
    private(set) var values: [Double]

    init(_ values: [Double] = []) { self.values = values.sorted() }

    mutating func add(_ value: Double) {
        values.insert(value, at: values.firstIndex { $0 > value } ?? values.endIndex)
    }

    var count: Int { values.count }
    var min: Double { values.first ?? .nan }
    var max: Double { values.last ?? .nan }
    var median: Double { percentile(50) }

    /// Nearest-rank percentile: the smallest value with at least `p`% of the sample at or below it.
    func percentile(_ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(values.count)).rounded(.up))
        return values[Swift.min(Swift.max(rank, 1), values.count) - 1]
    }
}
