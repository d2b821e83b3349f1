import Foundation
import DropForgeStore

extension JobExport {
    /// One item of one execution: a row of the CSV (`jobs export --format csv` and the published
    /// `items.csv` alike: one column list, ``columns``) and of the workbook's "Images" sheet.
    public struct Row: Codable, Sendable, Equatable {
        /// 1-based, as in the file names (`images/0001.png` is item 1).
        public var item: Int
        public var execution: String
        public var status: ItemStatus
        public var prompt: String
        public var negative: String
        public var seed: UInt32
        public var width: Int
        public var height: Int
        public var aspectRatio: String
        public var keyword: String
        /// `passed` or `rejected`; nil when QC did not run on the item.
        public var qcStatus: QCStatus?
        public var qcReason: String?
        /// Where the item's image is published, relative to the root: `outbox/results/<execution>/images/NNNN.png`
        /// when approved, `outbox/review/<execution>/NNNN.png` when rejected; nil when it is in neither.
        public var path: String?
        public var title: String?
        public var description: String?
        public var tags: [String]
        /// When the item reached its status (made, checked, described; or reviewed).
        public var created: Date

        enum CodingKeys: String, CodingKey {
            case item, execution, status, prompt, negative, seed, width, height, aspectRatio = "aspect_ratio", keyword
            case qcStatus = "qc_status", qcReason = "qc_reason", path
            case title, description, tags, created
        }

        /// `folder` is the execution's results folder relative to the root, nil when it was not
        /// published there; `summary.file` is relative to it.
        public init(_ summary: ItemSummary, execution: String, folder: String?, created: Date) {
            item = summary.item
            self.execution = execution
            status = summary.status
            prompt = summary.prompt
            negative = summary.negative
            seed = summary.seed
            width = summary.width
            height = summary.height
            aspectRatio = summary.aspectRatio
            keyword = summary.keyword
            qcStatus = summary.qc?.status
            qcReason = summary.qc?.reason
            path = Self.path(status: summary.status, file: summary.file, item: summary.item, execution: execution, folder: folder)
            title = summary.title
            description = summary.description
            tags = summary.tags ?? []
            self.created = created
        }

        /// Where item number `item` (1-based) of `execution` is published, relative to the root:
        /// `folder/file` when the item has a file in its execution's folder (approved; or kept by a
        /// cancel, in `failures/`), its file in `review/` when rejected.
        static func path(status: ItemStatus, file: String?, item: Int, execution: String, folder: String?) -> String? {
            if status == .rejected { return "\(JobExport.reviewFolder)/\(execution)/\(itemFileStem(item - 1)).png" }
            return folder.flatMap { folder in file.map { "\(folder)/\($0)" } }
        }

        /// The columns of the CSV and of the "Images" sheet, with the sheet's column widths.
        public static let columns: [WorkbookWriter.Column] = [
            .init("item", width: 6), .init("execution", width: 28), .init("status", width: 10),
            .init("prompt", width: 60), .init("negative", width: 30), .init("seed", width: 12),
            .init("width", width: 8), .init("height", width: 8), .init("aspect_ratio", width: 12),
            .init("keyword", width: 24), .init("qc_status", width: 10),
            .init("qc_reason", width: 40), .init("path", width: 50), .init("title", width: 30),
            .init("description", width: 60), .init("tags", width: 40), .init("created", width: 20),
        ]

        /// The row's cells, in ``columns`` order: numbers stay numbers, tags are joined by ", ".
        public var cells: [WorkbookWriter.Cell] {
            [.number(Double(item)), .text(execution), .text(status.rawValue), .text(prompt), .text(negative),
             .number(Double(seed)), .number(Double(width)), .number(Double(height)), .text(aspectRatio), .text(keyword),
             .text(qcStatus?.rawValue ?? ""), .text(qcReason ?? ""), .text(path ?? ""), .text(title ?? ""),
             .text(description ?? ""), .text(tags.joined(separator: ", ")), .date(created)]
        }
    }
}
