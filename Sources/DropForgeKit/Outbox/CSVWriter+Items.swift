import Foundation

extension CSVWriter {
    /// `items.csv`: one row per item (written by export, rewritten by the review queue).
    static func items(_ items: [ItemSummary]) -> String {
        var csv = CSVWriter(header: ["item", "status", "file", "prompt", "negative", "seed", "width", "height",
                                     "aspect_ratio", "keyword", "qc_status", "qc_reason", "title", "description", "tags"])
        for item in items {
            csv.append([String(item.item), item.status.rawValue, item.file ?? "", item.prompt, item.negative,
                        String(item.seed), String(item.width), String(item.height), item.aspectRatio, item.keyword,
                        item.qc?.status.rawValue ?? "", item.qc?.reason ?? "", item.title ?? "", item.description ?? "",
                        (item.tags ?? []).joined(separator: ", ")])
        }
        return csv.text
    }
}
