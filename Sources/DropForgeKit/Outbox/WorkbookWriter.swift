import CXLSX
import Foundation
#if canImport(Glibc)
import Glibc
import DropForgeCore
#endif

/// Writes an xlsx workbook through libxlsxwriter: sheets of typed cells, a bold frozen header
/// row, set column widths. The whole workbook is written in one call so that the C objects
/// never outlive it, every `lxw_error` becomes a thrown ``Failure``, and the file appears
/// atomically (libxlsxwriter writes to a path: a temporary one beside the destination, renamed
/// into place once complete and synced).
public enum WorkbookWriter {
    /// Excel's limit for one cell's text, in UTF-16 code units; libxlsxwriter refuses longer strings.
    public static let maxCellLength = 32_767

    public enum Cell: Sendable, Equatable {
        case text(String)
        case number(Double)
        /// Written as an Excel date (`yyyy-mm-dd hh:mm:ss`, UTC), so it sorts and filters as one.
        case date(Date)
        case empty
    }

    public struct Column: Sendable, Equatable {
        public var title: String
        /// In Excel's units: about one character of the default font.
        public var width: Double
        public init(_ title: String, width: Double) {
            self.title = title
            self.width = width
        }
    }

    public struct Sheet: Sendable {
        /// At most 31 characters, none of `[ ] : * ? / \`.
        public var name: String
        public var columns: [Column]
        public var rows: [[Cell]]
        public init(name: String, columns: [Column], rows: [[Cell]]) {
            self.name = name
            self.columns = columns
            self.rows = rows
        }
    }

    public struct Failure: Error, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    /// Writes `sheets`, in order, to `destination`. `title` goes into the document properties.
    public static func write(_ sheets: [Sheet], title: String, to destination: URL) throws {
        let temp = destination.deletingLastPathComponent()
            .appendingPathComponent(".\(destination.lastPathComponent).\(UInt32.random(in: 0...UInt32.max)).tmp")
        guard let workbook = workbook_new(temp.path) else {
            throw Failure(message: "cannot create the workbook \(temp.path)")
        }
        // Kept alive until `workbook_close`, which reads them.
        let titleCopy = strdup(title), author = strdup(DropForge.software)
        defer { free(titleCopy); free(author) }
        var closed = false
        defer {
            // An error midway: close to free the C objects, and drop what they wrote.
            if !closed {
                workbook_close(workbook)
                unlink(temp.path)
            }
        }
        var properties = lxw_doc_properties()
        properties.title = titleCopy
        properties.author = author
        // A fixed creation date (SOURCE_DATE_EPOCH) makes the file byte-for-byte reproducible.
        properties.created = time_t(DropForge.creationDate().timeIntervalSince1970)
        try check(workbook_set_properties(workbook, &properties), "cannot set the document properties")

        guard let bold = workbook_add_format(workbook), let dateFormat = workbook_add_format(workbook) else {
            throw Failure(message: "cannot add a cell format to \(destination.path): out of memory")
        }
        format_set_bold(bold)
        format_set_num_format(dateFormat, "yyyy-mm-dd hh:mm:ss")
        for sheet in sheets {
            try write(sheet, into: workbook, bold: bold, dateFormat: dateFormat)
        }

        closed = true
        let result = workbook_close(workbook)
        guard result == LXW_NO_ERROR else {
            unlink(temp.path)
            throw Failure(message: "cannot write \(destination.path): \(String(cString: lxw_strerror(result)))")
        }
        do {
            try sync(temp)
            try FileSystem.rename(temp, to: destination)
        } catch {
            unlink(temp.path)
            throw error
        }
    }

    private static func write(_ sheet: Sheet, into workbook: UnsafeMutablePointer<lxw_workbook>,
                              bold: UnsafeMutablePointer<lxw_format>, dateFormat: UnsafeMutablePointer<lxw_format>) throws {
        try check(workbook_validate_sheet_name(workbook, sheet.name), "cannot name a sheet '\(sheet.name)'")
        guard let worksheet = workbook_add_worksheet(workbook, sheet.name) else {
            throw Failure(message: "cannot add the sheet '\(sheet.name)'")
        }
        guard sheet.rows.count < Int(LXW_ROW_MAX) else {
            throw Failure(message: "sheet '\(sheet.name)' has \(sheet.rows.count) rows; a sheet holds at most \(LXW_ROW_MAX - 1) besides its header")
        }
        for (column, header) in sheet.columns.enumerated() {
            let col = lxw_col_t(column)
            try check(worksheet_set_column(worksheet, col, col, header.width, nil), "cannot size column \(column + 1) of '\(sheet.name)'")
            try check(worksheet_write_string(worksheet, 0, col, cellText(header.title), bold),
                      "cannot write the header of '\(sheet.name)'")
        }
        worksheet_freeze_panes(worksheet, 1, 0)
        for (index, row) in sheet.rows.enumerated() {
            let rowNumber = lxw_row_t(index + 1)
            for (column, cell) in row.enumerated() {
                let col = lxw_col_t(column)
                let result: lxw_error
                switch cell {
                case .text(let text): result = worksheet_write_string(worksheet, rowNumber, col, cellText(text), nil)
                case .number(let number): result = worksheet_write_number(worksheet, rowNumber, col, number, nil)
                case .date(let date):
                    var datetime = excelDate(date)
                    result = worksheet_write_datetime(worksheet, rowNumber, col, &datetime, dateFormat)
                case .empty: continue
                }
                try check(result, "cannot write row \(index + 2), column \(column + 1) of '\(sheet.name)'")
            }
        }
    }

    /// Text libxlsxwriter accepts: no NUL (it ends a C string) and at most ``maxCellLength``
    /// UTF-16 units — longer text is cut at a character boundary and says so.
    static func cellText(_ text: String) -> String {
        let clean = text.contains("\0") ? text.replacingOccurrences(of: "\0", with: "") : text
        guard clean.utf16.count > maxCellLength else { return clean }
        let note = "… [truncated: \(clean.count) characters in all]"
        var kept = ""
        var length = note.utf16.count
        for character in clean {
            length += character.utf16.count
            if length > maxCellLength { break }
            kept.append(character)
        }
        return kept + note
    }

    /// The date's UTC calendar fields, as libxlsxwriter wants them.
    static func excelDate(_ date: Date) -> lxw_datetime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .nanosecond], from: date)
        let seconds = Double(parts.second ?? 0) + (Double(parts.nanosecond ?? 0) / 1e9 * 1000).rounded() / 1000
        return lxw_datetime(year: Int32(parts.year ?? 1900), month: Int32(parts.month ?? 1), day: Int32(parts.day ?? 1),
                            hour: Int32(parts.hour ?? 0), min: Int32(parts.minute ?? 0), sec: min(seconds, 59.999))
    }

    private static func check(_ result: lxw_error, _ what: @autoclosure () -> String) throws {
        guard result == LXW_NO_ERROR else {
            throw Failure(message: "\(what()): \(String(cString: lxw_strerror(result)))")
        }
    }

    /// `fsync` before the rename, so a crash cannot leave an empty file under the final name
    /// (not inside a folder being built: its barrier covers the file).
    private static func sync(_ file: URL) throws {
        try FileSystem.sync(file)
    }
}
