import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
import ZIPFoundation

/// Reads an xlsx the way a spreadsheet program would, independently of libxlsxwriter: unzips it
/// with ZIPFoundation and parses the sheet XML. Enough for the tests: sheet names in order,
/// shared strings, and each sheet's cells as text (numbers as written in `<v>`).
struct XLSXTestReader {
    let archive: Archive

    init(_ url: URL) throws {
        archive = try Archive(url: url, accessMode: .read)
    }

    func part(_ path: String) throws -> Data {
        let entry = try XCTUnwrap(archive[path], "no \(path) in the workbook")
        var data = Data()
        _ = try archive.extract(entry) { data.append($0) }
        return data
    }

    /// `<sheet name="…">` in `xl/workbook.xml`, in order.
    func sheetNames() throws -> [String] {
        try XMLCollector.parse(part("xl/workbook.xml")).elements.filter { $0.name == "sheet" }.compactMap { $0.attributes["name"] }
    }

    /// `xl/sharedStrings.xml`: each `<si>`'s text.
    func sharedStrings() throws -> [String] {
        try XMLCollector.parse(part("xl/sharedStrings.xml")).strings
    }

    /// The cells of `xl/worksheets/sheetN.xml` (N from 1), row by row; missing cells are "".
    func rows(sheet number: Int) throws -> [[String]] {
        let strings = try sharedStrings()
        let sheet = try XMLCollector.parse(part("xl/worksheets/sheet\(number).xml"))
        var rows: [Int: [Int: String]] = [:]
        for cell in sheet.cells {
            let letters = cell.reference.prefix { $0.isLetter }
            let column = letters.unicodeScalars.reduce(0) { $0 * 26 + Int($1.value) - 64 } - 1
            let row = Int(cell.reference.dropFirst(letters.count))! - 1
            let value = cell.type == "s" ? strings[Int(cell.value)!] : cell.value
            rows[row, default: [:]][column] = value
        }
        return (0..<(rows.keys.max().map { $0 + 1 } ?? 0)).map { row in
            let cells = rows[row] ?? [:]
            return (0..<(cells.keys.max().map { $0 + 1 } ?? 0)).map { cells[$0] ?? "" }
        }
    }

    /// A sheet's `<sheetView>` XML, to check the frozen header row.
    func sheetXML(_ number: Int) throws -> String {
        String(decoding: try part("xl/worksheets/sheet\(number).xml"), as: UTF8.self)
    }
}

/// Collects what ``XLSXTestReader`` needs in one pass of `XMLParser`.
private final class XMLCollector: NSObject, XMLParserDelegate {
    struct Element {
        var name: String
        var attributes: [String: String]
    }
    struct Cell {
        var reference: String
        var type: String?
        var value = ""
    }

    var elements: [Element] = []
    var strings: [String] = []
    var cells: [Cell] = []
    private var text = ""
    private var inString = false
    private var cell: Cell?

    static func parse(_ data: Data) throws -> XMLCollector {
        let collector = XMLCollector()
        let parser = XMLParser(data: data)
        parser.delegate = collector
        guard parser.parse() else { throw parser.parserError ?? NSError(domain: "XMLCollector", code: 1) }
        return collector
    }

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                attributes: [String: String] = [:]) {
        elements.append(Element(name: name, attributes: attributes))
        switch name {
        case "si": (inString, text) = (true, "")
        case "c": cell = Cell(reference: attributes["r"] ?? "", type: attributes["t"])
        case "v", "t": if !inString { text = "" }
        default: break
        }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) {
        text += string
    }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        switch name {
        case "si":
            strings.append(text)
            inString = false
        case "v", "t": if !inString { cell?.value = text }
        case "c":
            if let cell { cells.append(cell) }
            cell = nil
        default: break
        }
    }
}
