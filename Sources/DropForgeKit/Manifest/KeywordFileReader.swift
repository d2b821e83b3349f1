import Foundation
import SwiftCSV

/// Reads `keywords_file`: a `.txt` list (one keyword a line, `#` comments and blank lines
/// skipped) or a `.csv` table with a header row whose names templates use as `${{Header}}`.
enum KeywordFileReader {
    /// A problem inside the keyword file; the caller positions it at the field naming the file.
    struct Problem: Error {
        var message: String
    }

    static func read(_ data: Data, path: String) throws -> KeywordTable {
        let text = try TextFileCheck.decode(data, path: path)
        switch (path as NSString).pathExtension.lowercased() {
        case "txt":
            let keywords = text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline)
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && !$0.hasPrefix("#") }
            return .list(keywords)
        case "csv":
            return try readCSV(text, path: path)
        default:
            throw Problem(message: "'\(path)' must be a .txt or .csv file")
        }
    }

    private static func readCSV(_ text: String, path: String) throws -> KeywordTable {
        var rows: [[String]] = []
        // SwiftCSV drops an empty last field when the text has no final newline ("a," at end of file).
        let text = text.hasSuffix("\n") ? text : text + "\n"
        do {
            let csv = try CSV<Enumerated>(string: text, delimiter: .comma, loadColumns: false, rowLimit: 0)
            try csv.enumerateAsArray(startAt: 0, rowLimit: nil) { rows.append($0) }
        } catch let error as CSVParseError {
            switch error {
            case .generic(let message), .quotation(let message):
                throw Problem(message: "\(path) is not valid CSV: \(message)")
            }
        }
        let trimmed = rows.map { $0.map { $0.trimmingCharacters(in: .whitespacesAndNewlines) } }
        func isEmptyRow(_ row: [String]) -> Bool { row.allSatisfy(\.isEmpty) }
        guard let headerIndex = trimmed.firstIndex(where: { !isEmptyRow($0) }) else {
            throw Problem(message: "\(path) is empty; it needs a header row")
        }
        let headers = trimmed[headerIndex]
        for (index, header) in headers.enumerated() {
            if header.isEmpty { throw Problem(message: "\(path): column \(index + 1) of the header row has no name") }
            if headers[..<index].contains(header) { throw Problem(message: "\(path): header '\(header)' appears twice") }
        }
        var table: [[String]] = []
        for index in trimmed.indices where index > headerIndex {
            let row = trimmed[index]
            if isEmptyRow(row) { continue }
            guard row.count == headers.count else {
                throw Problem(message: "\(path) row \(index + 1) has \(row.count) field\(row.count == 1 ? "" : "s") but the header has \(headers.count)")
            }
            table.append(row)
        }
        return KeywordTable(headers: headers, rows: table)
    }
}
