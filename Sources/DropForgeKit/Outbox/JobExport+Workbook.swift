import Foundation
import DropForgeJSON
import DropForgeCore

extension JobExport {
    static let summarySheetName = "Job Summary"
    static let imagesSheetName = "Images"

    /// Writes the workbook, atomically:
    /// - "Job Summary": two columns, `field` and `value`, one row per field of the job — dates as
    ///   date cells, counts as numbers, and the error and settings flattened to one row per key
    ///   path (`settings.params.size`), so each can be read, filtered and compared on its own;
    /// - "Images": a header row, then one row per item of every execution (``Row/columns``).
    public func writeWorkbook(to destination: URL) throws {
        try WorkbookWriter.write(workbookSheets(), title: "dropforge job \(job)", to: destination)
    }

    func workbookSheets() throws -> [WorkbookWriter.Sheet] {
        [WorkbookWriter.Sheet(name: Self.summarySheetName,
                              columns: [.init("field", width: 34), .init("value", width: 80)],
                              rows: try summaryFields().map { [.text($0.field), $0.value] }),
         WorkbookWriter.Sheet(name: Self.imagesSheetName, columns: Row.columns, rows: items.map(\.cells))]
    }

    /// The "Job Summary" rows, in reading order.
    func summaryFields() throws -> [(field: String, value: WorkbookWriter.Cell)] {
        var fields: [(field: String, value: WorkbookWriter.Cell)] = [
            ("job", .text(job)), ("label", .text(label)), ("kind", .text(kind)), ("manifest", .text(manifest)),
            ("manifest_id", .text(manifestID ?? "")), ("status", .text(status.rawValue)), ("execution", .text(execution)),
            ("created", .date(created)), ("started", started.map { .date($0) } ?? .empty),
            ("completed", completed.map { .date($0) } ?? .empty),
            ("counts.approved", .number(Double(counts.approved))), ("counts.rejected", .number(Double(counts.rejected))),
            ("counts.failed", .number(Double(counts.failed))), ("counts.total", .number(Double(counts.total))),
        ]
        fields += try error.map { try Self.flatten("error", JSONParser.parse(JSONCoding.encode($0))) } ?? [("error", .empty)]
        if let settings { fields += Self.flatten("settings", try JSONParser.parse(JSONCoding.encode(settings))) }
        return fields
    }

    /// One row per leaf of `value`: objects open into `path.key`; arrays stay whole, as compact
    /// JSON (a keyword list is one setting, and `[...]` keeps commas inside values unambiguous).
    static func flatten(_ path: String, _ value: JSONValue) -> [(field: String, value: WorkbookWriter.Cell)] {
        switch value {
        case .object(let members) where !members.isEmpty:
            return members.flatMap { flatten("\(path).\($0.key)", $0.value) }
        case .string(let text): return [(path, .text(text))]
        case .number(let literal): return [(path, Double(literal).map { .number($0) } ?? .text(literal))]
        case .bool(let flag): return [(path, .text(flag ? "true" : "false"))]
        case .null: return [(path, .empty)]
        case .object, .array: return [(path, .text(JSONWriter.compact(value)))]
        }
    }
}
