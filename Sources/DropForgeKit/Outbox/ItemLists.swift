import Foundation
import DropForgeCore

/// The files of a published folder that list its items — `job.json` and, as the export formats
/// ask, `items.csv`, `items.xlsx` (image jobs), `items.json`, `items.yaml` — each written by temp
/// file + rename. One writer for the export stage, which builds a folder, and for review
/// decisions, which replace these files in a published one: both must publish the same lists.
enum ItemLists {
    static func write(_ summary: JobSummary, formats: Set<JobSettings.ExportFormat>, isCard: Bool, into folder: URL) throws {
        if !isCard, formats.contains(.csv) {
            try FileSystem.writeAtomically(Data(JobExport(summary: summary).csv.utf8), to: folder.appendingPathComponent("items.csv"))
        }
        if !isCard, formats.contains(.xlsx) {
            try JobExport(summary: summary).writeWorkbook(to: folder.appendingPathComponent("items.xlsx"))
        }
        try writeJSON(summary, to: folder.appendingPathComponent("job.json"))
        if formats.contains(.json) { try writeJSON(summary.items, to: folder.appendingPathComponent("items.json")) }
        if formats.contains(.yaml) {
            try FileSystem.writeAtomically(Data(try YAMLCoding.encode(summary.items).utf8), to: folder.appendingPathComponent("items.yaml"))
        }
    }

    /// Pretty JSON with a final newline, as every JSON file of the outbox.
    static func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        var data = try JSONCoding.encode(value, pretty: true)
        data.append(0x0A)
        try FileSystem.writeAtomically(data, to: url)
    }
}
