import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore
@testable import DropForgeStore

/// Issue 17: review decisions change only what they decide, and still publish exactly what an
/// export of the decided state would. Each test decides a batch, then moves the published folder
/// aside, runs the real export stage again on the same execution, and compares the two folders
/// file by file (only the export's own clock may differ).
final class ReviewBatchTests: XCTestCase {
    private var layout: RootLayout!
    private var runtime: Runtime!
    private var queue: ReviewQueue!

    override func setUpWithError() throws {
        // many: items 2, 4, 8 and 10 are blank (rejected), the others approved; blank: all rejected.
        let root = try DrainedTestRoot(prefix: "review-batch", jobs: [
            "many": (#"{keyword}"#, #"["red circles and blue stars", "an empty white canvas", "green waves under a yellow sun", "a plain black background", "purple mountains at dusk", "orange flowers in a field"]"#, 12),
            "blank": (#"a plain {keyword} background"#, #"["white", "black", "gray"]"#, 3),
        ])
        (layout, runtime) = (root.layout, root.runtime)
        queue = ReviewQueue(layout: layout, config: runtime.config, store: runtime.store)
    }

    override func tearDownWithError() throws {
        runtime = nil
        try? FileManager.default.removeItem(at: layout.root)
    }

    private func execution(_ name: String) throws -> String {
        try XCTUnwrap(runtime.store.jobs(limit: nil).first { $0.name == name }?.id, "no job \(name)")
    }

    /// Every file under `folder`, by its path inside it.
    private func snapshot(_ folder: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        let enumerator = try XCTUnwrap(FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey]))
        for case let url as URL in enumerator where (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true {
            files[String(url.path.dropFirst(folder.path.count + 1))] = try Data(contentsOf: url)
        }
        return files
    }

    /// The execution's folder as the export stage publishes it now, from the store's items. The
    /// folder is moved aside first, and the approved items' images are taken from there (their
    /// work files are gone since the first export).
    private func freshExport(_ execution: String) throws -> [String: Data] {
        let results = layout.results.appendingPathComponent(execution)
        let aside = layout.staging.appendingPathComponent("aside-\(execution)")
        try FileManager.default.createDirectory(at: layout.staging, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: results, to: aside)
        defer { try? FileManager.default.removeItem(at: aside) }
        let now = Date()
        for item in try runtime.store.items(executionID: execution) where item.status == .approved {
            var moved = item
            moved.imagePath = layout.relativePath(aside.appendingPathComponent("images/\(itemFileStem(item.index)).png"))
            XCTAssertTrue(try runtime.store.recordReview(moved, replacing: item, publication: nil, now: now))
        }
        let target = try XCTUnwrap(runtime.store.reviewItem(executionID: execution, index: 0))
        let step = StepRecord(executionID: execution, stage: .export, status: .leased, priority: target.job.priority, attempts: 1,
                              notBefore: now, createdAt: now, startedAt: now)
        let export = ExportStage(layout: layout, store: runtime.store, log: EventLog(store: runtime.store, layout: layout),
                                 maxAttempts: 1, limits: runtime.config.limits, prices: runtime.config.prices)
        guard case .published(let status, let path) = try export.run(StepLease(step: step, job: target.job, execution: target.execution, item: nil)) else {
            throw XCTSkip("not published")
        }
        XCTAssertEqual(status, .completed)
        XCTAssertEqual(path, "outbox/results/\(execution)")
        return try snapshot(results)
    }

    /// `decided` equals `fresh`, the export's own clock aside: when it finished, and how long
    /// the first export took (which a later export knows and the first did not).
    private func assertSameFolder(_ decided: [String: Data], _ fresh: [String: Data], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(Set(decided.keys), Set(fresh.keys), file: file, line: line)
        for (name, data) in decided {
            guard let other = fresh[name] else { continue }
            switch name {
            case "job.json":
                var mine = try JSONCoding.decode(JobSummary.self, from: data)
                let theirs = try JSONCoding.decode(JobSummary.self, from: other)
                mine.timings.finished = theirs.timings.finished
                mine.timings.stages["export"] = theirs.timings.stages["export"]
                XCTAssertEqual(try JSONCoding.encode(mine, pretty: true), try JSONCoding.encode(theirs, pretty: true), name, file: file, line: line)
            case "items.csv":
                // The last column, `created`, is when the summary was made, like job.json's `finished`.
                let rows = { (data: Data) in
                    String(decoding: data, as: UTF8.self).components(separatedBy: "\r\n").map { $0.replacingOccurrences(of: #",[^,]*$"#, with: "", options: .regularExpression) }
                }
                XCTAssertEqual(rows(data), rows(other), name, file: file, line: line)
            case "report.html":
                let finished = #"<dt>(Finished|Stage time)</dt><dd>[^<]*</dd>"#
                let strip = { (data: Data) in
                    String(decoding: data, as: UTF8.self).replacingOccurrences(of: finished, with: "", options: .regularExpression)
                }
                XCTAssertEqual(strip(data), strip(other), name, file: file, line: line)
            default:
                XCTAssertTrue(data == other, "\(name) differs from a fresh export's", file: file, line: line)
            }
        }
    }

    func testABatchOnACompletedJobPublishesWhatAFreshExportWould() throws {
        let many = try execution("many")
        let results = layout.results.appendingPathComponent(many)
        let before = try JSONCoding.decode(JobSummary.self, from: Data(contentsOf: results.appendingPathComponent("job.json")))
        XCTAssertEqual(before.items.filter { $0.status == .rejected }.map(\.item), [2, 4, 8, 10])
        let lines = try String(contentsOf: layout.index, encoding: .utf8).split(separator: "\n").count

        let approved = try queue.approve(["\(many)/2", "\(many)/0004", "\(many)/2"])
        XCTAssertEqual(try approved[0].result.get().action, .approved)
        XCTAssertEqual(try approved[1].result.get().file, "outbox/results/\(many)/images/0004.png")
        XCTAssertThrowsError(try approved[2].result.get(), "an item named twice is decided once")
        XCTAssertEqual(try queue.dismiss(["\(many)/8"]).map { try $0.result.get().action }, [.dismissed])
        XCTAssertEqual(try String(contentsOf: layout.index, encoding: .utf8).split(separator: "\n").count, lines + 2,
                       "one index line per execution and command")
        XCTAssertEqual(try queue.waiting(jobID: many).map(\.item), ["\(many)/0010"])

        let decided = try snapshot(results)
        XCTAssertNotNil(decided["images/0002.png"])
        XCTAssertNotNil(decided["contact-sheet.png"])
        try assertSameFolder(decided, try freshExport(many))
    }

    func testABatchOnAJobWithNoApprovedItemPublishesWhatAFreshExportWould() throws {
        let blank = try execution("blank")
        let outcomes = try queue.approve(["\(blank)/1", "\(blank)/3"]).map { try $0.result.get() }
        XCTAssertEqual(outcomes.map(\.folder), ["outbox/results/\(blank)", "outbox/results/\(blank)"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: layout.failures.appendingPathComponent(blank).path))
        XCTAssertEqual(try runtime.store.job(id: blank)?.status, .completed)

        let decided = try snapshot(layout.results.appendingPathComponent(blank))
        XCTAssertEqual(Set(decided.keys.filter { $0.hasPrefix("images/") }),
                       ["images/0001.png", "images/0001.json", "images/0003.png", "images/0003.json"])
        try assertSameFolder(decided, try freshExport(blank))
    }
}
