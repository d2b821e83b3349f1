import Foundation
import DropForgeCore
import DropForgeStore

extension ItemSummary {
    /// The item's entry in `job.json`, decoded from its store record (plan, QC checks,
    /// metadata), with `calls` — the provider calls of its steps (`usageByItem()`). One decoding
    /// for the export stage and for `jobs export`, so the two cannot drift apart. `file` is left
    /// nil: where the item is published is the exporter's business (``publishedFile(of:formats:)``).
    public static func make(from item: ItemRecord, provider: String, calls usage: [UsageRecord] = [],
                            prices: [String: ModelPrice] = [:]) throws -> ItemSummary {
        let plan = try JSONCoding.decode(ItemPlan.self, from: item.plan)
        let metadata = try item.metadata.map { try JSONCoding.decode(ImageMetadata.self, from: $0) }
        let checks = try item.qcChecks.map { try JSONCoding.decode([QualityCheckResult].self, from: $0) } ?? []
        return ItemSummary(
            item: item.index + 1, status: item.status, file: nil, prompt: plan.prompt, negative: plan.negative,
            seed: plan.seed, width: plan.width, height: plan.height, aspectRatio: plan.aspectRatio,
            keyword: plan.keyword, provider: provider,
            qc: item.qcStatus.map { .init(status: $0, reason: item.qcReason, checks: checks) },
            title: metadata?.title, description: metadata?.description, tags: metadata?.tags,
            attempts: item.attempts, error: item.lastError,
            usage: usage.isEmpty ? nil : JobSummary.Usage(usage, prices: prices))
    }

    /// Where an approved item lands in its execution's results folder, relative to that folder:
    /// `images/NNNN.png` for an image, and for a card the first of `cards/<name>.png`, `.json`,
    /// `.charx` that the export formats ask for (the order `CardExport` writes them in).
    /// Where export puts an item's image in the execution's folder: `images/NNNN.png`.
    static func imageFile(of item: ItemRecord) -> String { "images/\(itemFileStem(item.index)).png" }

    public static func publishedFile(of item: ItemRecord, formats: [JobSettings.ExportFormat]) throws -> String? {
        guard let card = try JSONCoding.decode(ItemPlan.self, from: item.plan).card else {
            return imageFile(of: item)
        }
        let written: [(JobSettings.ExportFormat, String)] = [(.cardPNG, "png"), (.cardJSON, "json"), (.charx, "charx")]
        return written.first { formats.contains($0.0) }.map { "cards/\(card.fileName).\($0.1)" }
    }
}

extension ItemRecord {
    /// An image a cancelled execution publishes anyway in `failures/<execution>/images/`: one
    /// that was made, unless QC rejected it (that one waits in review).
    var isPartialWork: Bool { status != .rejected && imagePath != nil }
}
