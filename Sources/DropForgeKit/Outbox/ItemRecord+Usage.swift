import Foundation
import DropForgeCore
import DropForgeStore

extension ItemRecord {
    /// Every provider call recorded for this item: the prompt writer's (with the plan), the
    /// vision check's (with the QC verdicts) and the metadata writer's.
    public func usageRecords() -> [UsageRecord] {
        let planned = (try? JSONCoding.decode(ItemPlan.self, from: plan))?.usage ?? []
        let checked = qcChecks.flatMap { try? JSONCoding.decode([QualityCheckResult].self, from: $0) }?.compactMap(\.usage) ?? []
        let described = metadata.flatMap { try? JSONCoding.decode(ImageMetadata.self, from: $0) }?.usage ?? []
        return planned + checked + described
    }
}

extension JobSummary.Usage {

    /// Tokens and cost of `records` at `prices`.
    public init(_ records: [UsageRecord], prices: [String: ModelPrice]) {
        let total = UsageRecord.total(records, prices: prices)
        self.init(promptTokens: total.usage.promptTokens, completionTokens: total.usage.completionTokens,
                  cost: (total.cost * 1_000_000).rounded() / 1_000_000)
    }
}
