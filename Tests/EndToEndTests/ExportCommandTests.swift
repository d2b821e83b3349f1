import DropForgeKit
import Foundation
import XCTest
import ZIPFoundation

/// `dropforge jobs export`: the built binary writes a workbook another reader opens, and CSV.
final class ExportCommandTests: XCTestCase {
    func testExportWritesAWorkbookAndCSV() throws {
        let root = try TestRoot()
        try root.drop("mixed.yaml", imagesManifest(
            name: "mixed", count: 2, prompt: "{keyword}", keywords: ["an empty white canvas", "red circles and blue stars"]))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let job = try XCTUnwrap(root.results.first)

        let workbook = root.url.appendingPathComponent("export.xlsx")
        let xlsx = try root.run(["jobs", "export", job, "--format", "xlsx", "-o", workbook.path])
        XCTAssertEqual(xlsx.status, 0, xlsx.stderr)
        XCTAssertEqual(xlsx.stdout, workbook.path + "\n")
        let archive = try Archive(url: workbook, accessMode: .read)
        func part(_ path: String) throws -> String {
            var data = Data()
            _ = try archive.extract(try XCTUnwrap(archive[path], "no \(path)")) { data.append($0) }
            return String(decoding: data, as: UTF8.self)
        }
        let sheets = try part("xl/workbook.xml")
        XCTAssertTrue(sheets.contains(#"<sheet name="Job Summary""#) && sheets.contains(#"<sheet name="Images""#), sheets)
        XCTAssertEqual(try part("xl/worksheets/sheet2.xml").components(separatedBy: "<row ").count - 1, 3, "a header and two items")
        let strings = try part("xl/sharedStrings.xml")
        for text in ["an empty white canvas", "red circles and blue stars", "outbox/results/\(job)/images/0002.png"] {
            XCTAssertTrue(strings.contains(text), "no '\(text)' in the shared strings")
        }

        let csv = try root.run(["jobs", "export", job, "--format", "csv"])
        XCTAssertEqual(csv.status, 0, csv.stderr)
        let lines = csv.stdout.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertEqual(lines.count, 3)
        XCTAssertTrue(lines[0].hasPrefix("item,execution,status,prompt,negative,seed,"), lines[0])
        XCTAssertTrue(lines[1].hasPrefix("1,\(job),rejected,an empty white canvas,\"blurry, text, watermark\",1,64,64,1:1,an empty white canvas,rejected,"), lines[1])

        let file = root.url.appendingPathComponent("items.csv")
        XCTAssertEqual(try root.run(["jobs", "export", job, "--format", "csv", "-o", file.path]).status, 0)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), csv.stdout)

        let unknown = try root.run(["jobs", "export", "no-such-job", "--format", "xlsx", "-o", workbook.path])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.stderr.contains("no job 'no-such-job'"), unknown.stderr)
    }
}
