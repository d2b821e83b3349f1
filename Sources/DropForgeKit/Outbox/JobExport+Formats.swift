import Foundation
import DropForgeCore

extension JobExport {
    /// The forms `jobs export` writes.
    public enum Format: String, CaseIterable, Sendable {
        /// Pretty JSON, sorted keys (the JSON style of `job.json`).
        case json
        /// The same tree as the JSON, as YAML.
        case yaml
        /// The item rows only, one line per item of every execution; the job's own fields are
        /// in the other forms (a CSV has one table, and repeating them on every row hides the items).
        case csv
        /// A workbook with a "Job Summary" sheet and an "Images" sheet.
        case xlsx

        /// xlsx is a zip archive, written only to a file.
        public var isText: Bool { self != .xlsx }
    }

    /// The JSON, YAML or CSV text, newline-terminated.
    public func text(_ format: Format) throws -> String {
        switch format {
        case .json: return String(decoding: try JSONCoding.encode(self, pretty: true), as: UTF8.self) + "\n"
        case .yaml: return try YAMLCoding.encode(self)
        case .csv: return csv
        case .xlsx: throw WorkbookWriter.Failure(message: "an xlsx workbook is binary: write it to a file")
        }
    }

    /// Writes `format` to `destination` atomically: readers see the old file or the whole new one.
    public func write(_ format: Format, to destination: URL) throws {
        if format == .xlsx { return try writeWorkbook(to: destination) }
        try FileSystem.writeAtomically(Data(text(format).utf8), to: destination)
    }

    /// RFC 4180 CSV of ``items``, with ``Row/columns`` as its header; dates in ISO 8601 UTC.
    public var csv: String {
        var csv = CSVWriter(header: Row.columns.map(\.title))
        for row in items {
            csv.append(row.cells.map { cell in
                switch cell {
                case .text(let text): return text
                case .number(let number): return number == number.rounded() ? String(Int64(number)) : String(number)
                case .date(let date): return Timestamp.iso8601(date)
                case .empty: return ""
                }
            })
        }
        return csv.text
    }
}
