import Foundation
import SwiftCSV
import XCTest
import Yams
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

/// A root whose jobs went through the real pipeline (`Drain`), made once for the class:
/// `mixed` (item 1 rejected as blank, item 2 approved), `blank` (both rejected: a failed job)
/// and `solo` (one approved item).
private final class DrainedRoot {
    let layout: RootLayout
    let runtime: Runtime

    init() throws {
        let root = try DrainedTestRoot(prefix: "export", jobs: [
            "mixed": (#"{keyword}"#, #"["an empty white canvas", "red circles and blue stars"]"#, 2),
            "blank": (#"a plain {keyword} background"#, #"["white", "black"]"#, 2),
            "solo": (#"a {keyword} in red and blue circles"#, #"["cat"]"#, 1),
        ])
        (layout, runtime) = (root.layout, root.runtime)
        precondition(root.report.completed == 2 && root.report.failed == 1, "unexpected drain: \(root.report)")
    }

    deinit { try? FileManager.default.removeItem(at: layout.root) }

    func job(named name: String) throws -> JobRecord {
        try XCTUnwrap(runtime.store.jobs(limit: nil).first { $0.name == name }, "no job \(name)")
    }

    func export(_ name: String) throws -> JobExport {
        try JobExport.load(job(named: name), from: runtime.store)
    }
}

final class JobExportTests: XCTestCase {
    private static var root: DrainedRoot?

    private var root: DrainedRoot {
        get throws {
            if let root = Self.root { return root }
            let root = try DrainedRoot()
            Self.root = root
            return root
        }
    }

    override class func tearDown() {
        root = nil
        super.tearDown()
    }

    private func temporaryFile(_ name: String) -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-xlsx-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: folder) }
        return folder.appendingPathComponent(name)
    }

    func testTheWorkbookHasAJobSummaryAndAnImagesSheetThatAReaderOpens() throws {
        let export = try root.export("mixed")
        let file = temporaryFile("mixed.xlsx")
        try export.writeWorkbook(to: file)

        let reader = try XLSXTestReader(file)
        XCTAssertEqual(try reader.sheetNames(), ["Job Summary", "Images"])

        let images = try reader.rows(sheet: 2)
        XCTAssertEqual(images.first, JobExport.Row.columns.map(\.title))
        XCTAssertEqual(images.count, 3, "a header and one row per item")
        let column = Dictionary(uniqueKeysWithValues: images[0].enumerated().map { ($1, $0) })
        let (rejected, approved) = (images[1], images[2])
        XCTAssertEqual(rejected[column["item"]!], "1")
        XCTAssertEqual(rejected[column["prompt"]!], "an empty white canvas")
        XCTAssertEqual(rejected[column["seed"]!], "1", "a seed is a number cell")
        XCTAssertEqual(rejected[column["qc_status"]!], "rejected")
        XCTAssertTrue(rejected[column["qc_reason"]!].hasPrefix("blank"), rejected[column["qc_reason"]!])
        XCTAssertEqual(rejected[column["path"]!], "outbox/review/\(export.execution)/0001.png")
        XCTAssertEqual(approved[column["prompt"]!], "red circles and blue stars")
        XCTAssertEqual(approved[column["seed"]!], "2")
        XCTAssertEqual(approved[column["qc_status"]!], "passed")
        XCTAssertEqual(approved[column["path"]!], "outbox/results/\(export.execution)/images/0002.png")
        XCTAssertFalse(approved[column["title"]!].isEmpty)
        XCTAssertTrue(approved[column["tags"]!].contains("circles"), approved[column["tags"]!])
        XCTAssertNotNil(Double(approved[column["created"]!]), "created is a date cell (a serial number)")
        // The paths name real files.
        XCTAssertTrue(FileManager.default.fileExists(atPath: try root.layout.resolve(approved[column["path"]!]).path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: try root.layout.resolve(rejected[column["path"]!]).path))

        let summary = try reader.rows(sheet: 1)
        XCTAssertEqual(summary.first, ["field", "value"])
        let fields = Dictionary(summary.dropFirst().map { ($0[0], $0.count > 1 ? $0[1] : "") }) { first, _ in first }
        XCTAssertEqual(fields["job"], export.job)
        XCTAssertEqual(fields["label"], "mixed")
        XCTAssertEqual(fields["status"], "completed")
        XCTAssertEqual(fields["counts.approved"], "1")
        XCTAssertEqual(fields["counts.rejected"], "1")
        XCTAssertEqual(fields["counts.total"], "2")
        XCTAssertEqual(fields["error"], "")
        XCTAssertEqual(fields["settings.params.size"], "64")
        XCTAssertEqual(fields["settings.params.template"], "{keyword}")
        XCTAssertEqual(fields["settings.quality.enabled"], "true")
        XCTAssertTrue(try reader.sheetXML(2).contains(#"state="frozen""#), "the header row stays in view")
        // Written atomically: nothing but the workbook in its folder.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: file.deletingLastPathComponent().path), ["mixed.xlsx"])
    }

    func testAFailedJobExportsTheFailureTheExportStageDerived() throws {
        let export = try root.export("blank")
        XCTAssertEqual(export.status, .failed)
        XCTAssertEqual(export.counts, JobSummary.Counts(total: 2, approved: 0, rejected: 2, failed: 0))
        XCTAssertEqual(export.error?.code, "qc_rejected_all")
        XCTAssertEqual(export.items.map(\.path), ["outbox/review/\(export.execution)/0001.png", "outbox/review/\(export.execution)/0002.png"])
        let published = try JSONCoding.decode(JobSummary.self, from: Data(contentsOf: root.layout.failures
            .appendingPathComponent(export.execution).appendingPathComponent("job.json")))
        XCTAssertEqual(export.error?.message, published.error?.message)

        let file = temporaryFile("blank.xlsx")
        try export.writeWorkbook(to: file)
        let fields = try XLSXTestReader(file).rows(sheet: 1).reduce(into: [String: String]()) { $0[$1[0]] = $1.count > 1 ? $1[1] : "" }
        XCTAssertEqual(fields["error.code"], "qc_rejected_all")
        XCTAssertEqual(fields["error.stage"], "quality")
        XCTAssertEqual(fields["status"], "failed")
    }

    func testJSONYAMLAndCSVCarryTheSameJob() throws {
        let export = try root.export("mixed")
        let json = try export.text(.json)
        let decoded = try JSONCoding.decode(JobExport.self, from: Data(json.utf8))
        XCTAssertEqual(try decoded.text(.json), json, "the JSON reads back whole")
        XCTAssertEqual(decoded.items.map(\.prompt), export.items.map(\.prompt))
        XCTAssertFalse(json.contains("api_key"))

        let yaml = try XCTUnwrap(try Yams.load(yaml: export.text(.yaml)) as? [String: Any])
        let jsonObject = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        XCTAssertEqual(yaml["label"] as? String, "mixed")
        XCTAssertEqual(yaml["created"] as? String, jsonObject["created"] as? String, "dates read as the same strings")
        let yamlItems = try XCTUnwrap(yaml["items"] as? [[String: Any]])
        XCTAssertEqual(yamlItems.map { $0["prompt"] as? String }, ["an empty white canvas", "red circles and blue stars"])
        XCTAssertEqual(yamlItems.map { $0["seed"] as? Int }, [1, 2])
        XCTAssertEqual(((yaml["settings"] as? [String: Any])?["params"] as? [String: Any])?["size"] as? Int, 64)

        let csv = try CSV<Named>(string: export.text(.csv))
        XCTAssertEqual(csv.header, JobExport.Row.columns.map(\.title))
        XCTAssertEqual(csv.rows.map { $0["prompt"] }, ["an empty white canvas", "red circles and blue stars"])
        XCTAssertEqual(csv.rows.map { $0["seed"] }, ["1", "2"])
        XCTAssertEqual(csv.rows.map { $0["execution"] }, [export.execution, export.execution])
        XCTAssertEqual(csv.rows[1]["tags"], export.items[1].tags.joined(separator: ", "))
        XCTAssertEqual(csv.rows[1]["created"], Timestamp.iso8601(export.items[1].created))

        let file = temporaryFile("mixed.yaml")
        try export.write(.yaml, to: file)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), try export.text(.yaml))
    }

    /// The export stage's `items.xlsx` is made from `job.json`; its rows must match the store's.
    func testAnExportFromJobJSONMatchesTheStore() throws {
        let fromStore = try root.export("mixed")
        let summary = try JSONCoding.decode(JobSummary.self, from: Data(contentsOf: root.layout.results
            .appendingPathComponent(fromStore.execution).appendingPathComponent("job.json")))
        let fromSummary = JobExport(summary: summary)
        func comparable(_ rows: [JobExport.Row]) -> [JobExport.Row] {
            rows.map { var row = $0; row.created = .distantPast; return row }
        }
        XCTAssertEqual(comparable(fromSummary.items), comparable(fromStore.items))
        XCTAssertEqual(fromSummary.counts, fromStore.counts)
        XCTAssertEqual(fromSummary.settings, fromStore.settings)
        XCTAssertEqual(fromSummary.label, fromStore.label)
    }

    /// Rows come from every execution; counts, error and settings from the latest one.
    func testEveryExecutionHasRowsAndTheLatestDescribesTheJob() throws {
        let root = try self.root
        let job = try root.job(named: "solo")
        let first = try XCTUnwrap(root.runtime.store.executions(jobID: job.id).first)
        let firstItem = try XCTUnwrap(root.runtime.store.items(executionID: first.id).first)
        let store = try XCTUnwrap(root.runtime.store as? SQLiteJobStore)
        let later = first.createdAt.addingTimeInterval(60)
        let failure = StageFailure(stage: "generate", code: "cancelled", message: "stopped by hand", at: later)
        try store.pool.write { db in
            try ExecutionRecord(id: "\(job.id).2", jobID: job.id, number: 2, parentID: first.id, status: .failed,
                                settings: first.settings, baseSeed: first.baseSeed, failure: try JSONCoding.encode(failure),
                                outboxPath: "outbox/failures/\(job.id).2", qualityEnabled: true, qualityBarrier: false,
                                metadataEnabled: true, createdAt: later, finishedAt: later).insert(db)
            var item = ItemRecord(id: nil, executionID: "\(job.id).2", index: 0, plan: firstItem.plan, status: .failed,
                                  nextStage: nil, imagePath: nil, dhash: nil, qcStatus: nil, qcReason: nil, qcChecks: nil,
                                  metadata: nil, attempts: 3, lastError: "boom", updatedAt: later)
            try item.insert(db)
        }

        let export = try JobExport.load(job, from: store)
        XCTAssertEqual(export.items.map(\.execution), [first.id, "\(job.id).2"])
        XCTAssertEqual(export.items.map(\.status), [.approved, .failed])
        XCTAssertEqual(export.items[0].path, "outbox/results/\(first.id)/images/0001.png")
        XCTAssertNil(export.items[1].path, "a failed item is published nowhere")
        XCTAssertEqual(export.items[1].created, later)
        XCTAssertEqual(export.execution, "\(job.id).2")
        XCTAssertEqual(export.counts, JobSummary.Counts(total: 1, approved: 0, rejected: 0, failed: 1))
        // Compared as written (milliseconds), as the store keeps it.
        XCTAssertEqual(try export.error.map { try JSONCoding.encode($0) }, try JSONCoding.encode(failure))
    }

    func testOverlongTextIsCutWithANoteAndBadSheetNamesAreClearErrors() throws {
        let long = String(repeating: "ab", count: 20_000) + "\0"
        let file = temporaryFile("long.xlsx")
        try WorkbookWriter.write([WorkbookWriter.Sheet(name: "Long", columns: [.init("text", width: 10)],
                                                       rows: [[.text(long)], [.number(4_294_967_295)]])],
                                 title: "long", to: file)
        let rows = try XLSXTestReader(file).rows(sheet: 1)
        XCTAssertEqual(rows[1][0].utf16.count, WorkbookWriter.maxCellLength)
        XCTAssertTrue(rows[1][0].hasSuffix("… [truncated: 40000 characters in all]"), String(rows[1][0].suffix(60)))
        XCTAssertEqual(rows[2][0], "4294967295")

        let bad = temporaryFile("bad.xlsx")
        XCTAssertThrowsError(try WorkbookWriter.write([WorkbookWriter.Sheet(name: "a/b", columns: [], rows: [])],
                                                      title: "bad", to: bad)) { error in
            XCTAssertTrue("\(error)".contains("cannot name a sheet 'a/b'"), "\(error)")
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: bad.deletingLastPathComponent().path), [],
                       "a failed write leaves nothing behind")
    }
}
