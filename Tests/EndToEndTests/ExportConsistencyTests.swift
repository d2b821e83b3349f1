import DropForgeKit
import DropForgeStore
import Foundation
import XCTest

/// What the published folder says agrees with what `jobs show` and `jobs export` say
/// (issue 17, point 9): one CSV column list, the manifest's setting names, and a cancelled
/// job's kept images shown wherever the job is described.
final class ExportConsistencyTests: XCTestCase {
    func testItemsCSVAndExportCSVHaveOneColumnList() throws {
        let root = try TestRoot()
        try root.drop("two.yaml", imagesManifest(name: "two", count: 2, keywords: ["cat", "owl"],
                                                 extra: "  negative: \"blurry\"\n  aspect_ratios: [\"16:9\"]"))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let job = try XCTUnwrap(root.results.first)
        let published = try String(contentsOf: root.layout.results.appendingPathComponent(job).appendingPathComponent("items.csv"),
                                   encoding: .utf8)
        let exported = try root.run(["jobs", "export", job, "--format", "csv"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        func rows(_ text: String) -> [[String]] {
            // `created` (the last column) is when the summary was made in items.csv, when the item was in the store.
            text.components(separatedBy: "\r\n").filter { !$0.isEmpty }.map { Array($0.split(separator: ",", omittingEmptySubsequences: false).map(String.init).dropLast()) }
        }
        XCTAssertEqual(rows(published).first, ["item", "execution", "status", "prompt", "negative", "seed", "width", "height",
                                                "aspect_ratio", "keyword", "qc_status", "qc_reason", "path", "title",
                                                "description", "tags"])
        XCTAssertEqual(rows(published), rows(exported.stdout))
        XCTAssertEqual(rows(published)[2][12], "outbox/results/\(job)/images/0002.png")
    }

    func testSettingsReadLikeTheManifest() throws {
        let root = try TestRoot()
        try "a {keyword} at dusk\n".write(to: root.url.appendingPathComponent("config/templates/dusk.txt"), atomically: true, encoding: .utf8)
        try root.drop("dusk.yaml", """
            version: 1
            kind: images
            id: dusk-1
            params:
              template_file: templates/dusk.txt
              keywords: [fox]
              aspect_ratios: ["3:2"]
              size: 64
              seed: 1
            """)
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let job = try XCTUnwrap(root.results.first)
        let summary = try root.json(root.layout.results.appendingPathComponent(job).appendingPathComponent("job.json"))
        let exported = try root.run(["jobs", "export", job, "--format", "json"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        let export = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(exported.stdout.utf8)) as? [String: Any])
        for settings in [summary["settings"], export["settings"]] {
            let settings = try XCTUnwrap(settings as? [String: Any])
            XCTAssertEqual(settings["id"] as? String, "dusk-1")
            XCTAssertEqual(settings["profile"] as? String, "default")
            let params = try XCTUnwrap(settings["params"] as? [String: Any])
            XCTAssertEqual(params["template_file"] as? String, "templates/dusk.txt")
            XCTAssertEqual(params["aspect_ratios"] as? [String], ["3:2"])
            let text = String(decoding: try JSONSerialization.data(withJSONObject: settings), as: UTF8.self)
            XCTAssertNil(text.range(of: #""[a-z]+[A-Z][A-Za-z]*":"#, options: .regularExpression), "camelCase key in \(text)")
        }
        // The workbook's dotted setting names follow.
        let yaml = try root.run(["jobs", "export", job, "--format", "yaml"])
        XCTAssertTrue(yaml.stdout.contains("template_file: templates/dusk.txt"), yaml.stdout)
    }

    func testACancelledJobShowsTheImagesItKept() throws {
        // Items 1 and 2 (seeds 1 and 2) come back at once; the others hang until the cancel aborts them.
        let server = try FakeA1111Server { call, _ in
            (call.body["seed"] as? Int ?? 0) <= 2 ? nil : .delayed(60, .json(FakeA1111Server.reply(to: call.body)))
        }
        defer { server.stop() }
        let root = try TestRoot()
        try root.setConfig("\nproviders: {}\n", "\nproviders:\n  gpu: {type: a1111, base_url: \"\(server.baseURL)\", timeout_seconds: 120}\n")
        try root.drop("kept.yaml", imagesManifest(name: "kept", count: 4, extra: "generate: {provider: gpu}"))
        XCTAssertEqual(try root.run(["drain", "--timeout", "3"]).status, 3)
        let store = try SQLiteJobStore(path: root.layout.database.path)
        let job = try XCTUnwrap(try store.jobs(limit: nil).first)
        XCTAssertEqual(try root.run(["jobs", "cancel", job.id, "--wait", "10"]).status, 0)

        let folder = root.layout.failures.appendingPathComponent(job.id)
        let kept = root.folders(folder.appendingPathComponent("images")).filter { $0.hasSuffix(".png") }
        XCTAssertEqual(kept, ["0001.png", "0002.png"])
        let report = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        for file in kept { XCTAssertTrue(report.contains(#"src="images/\#(file)""#), "the report shows \(file)") }
        XCTAssertEqual(report.components(separatedBy: #"class="noimage""#).count - 1, 2, "only the two never made read 'No image'")

        let summary = try root.json(folder.appendingPathComponent("job.json"))
        let files = (summary["items"] as? [[String: Any]] ?? []).compactMap { $0["file"] as? String }
        XCTAssertEqual(files, kept.map { "images/\($0)" })
        let show = try root.run(["jobs", "show", job.id])
        let csv = try root.run(["jobs", "export", job.id, "--format", "csv"])
        for file in kept {
            XCTAssertTrue(show.stdout.contains("→ outbox/failures/\(job.id)/images/\(file)"), show.stdout)
            XCTAssertTrue(csv.stdout.contains(",outbox/failures/\(job.id)/images/\(file),"), csv.stdout)
        }
    }
}
