import Foundation
import DropForgeCore
import DropForgeStore

extension StepRecord {
    /// The provider calls of every attempt of this step, as the engine stored them.
    public var usageRecords: [UsageRecord] {
        usage.flatMap { try? JSONCoding.decode([UsageRecord].self, from: $0) } ?? []
    }

    /// What the step's `usage` becomes with `calls` of one more attempt; nil when that attempt
    /// made none (the stored calls stay as they are).
    func usage(adding calls: [UsageRecord]) -> Data? {
        calls.isEmpty ? nil : try? JSONCoding.encode(usageRecords + calls)
    }
}

extension Sequence where Element == StepRecord {
    /// The calls made for each item (by item id) and for the execution as a whole (key nil): an
    /// execution's own steps only, so a retry never counts its parent's calls.
    public func usageByItem() -> [Int64?: [UsageRecord]] {
        var calls: [Int64?: [UsageRecord]] = [:]
        for step in self where step.usage != nil { calls[step.itemID, default: []] += step.usageRecords }
        return calls
    }
}

extension JobSummary.Usage {
    /// Tokens and cost of `records` at `prices`, and the models that answered.
    public init(_ records: [UsageRecord], prices: [String: ModelPrice]) {
        let total = UsageRecord.total(records, prices: prices)
        var models: [String] = []
        for record in records where !models.contains(record.model) { models.append(record.model) }
        self.init(promptTokens: total.usage.promptTokens, completionTokens: total.usage.completionTokens,
                  cost: (total.cost * 1_000_000).rounded() / 1_000_000, calls: records.count, models: models)
    }
}
