import Foundation

/// A cost in US dollars as people read it: cents for sums of a dollar or more, and three
/// significant digits below, because a local model's call costs fractions of a cent and a fixed
/// four decimals showed `$0.0000` for a job that had a price (issue 17).
enum CostText {
    static func dollars(_ cost: Double) -> String {
        guard cost > 0, cost.isFinite else { return "$0.00" }
        let decimals = max(2, 2 - Int(floor(log10(cost))))
        return "$" + String(format: "%.\(decimals)f", cost)
    }
}
