import DropForgeKit
import Foundation
import XCTest
import DropForgeMedia
import DropForgeCards

final class DrainTests: XCTestCase {
    /// 1. `drain` of the example manifests: every one ends in results/, images decode, carry the
    /// metadata chunks and match the asked sizes; exit code 0.
    func testDrainOfTheExamples() throws {
        let root = try TestRoot(examples: true)
        let examples = try FileManager.default.contentsOfDirectory(atPath: root.layout.config.appendingPathComponent("examples").path)
        XCTAssertGreaterThanOrEqual(examples.count, 3)

        let result = try root.run(["drain"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(root.failures, [])
        XCTAssertEqual(try root.publishedManifests(), examples.sorted())
        XCTAssertEqual(root.processing, [])

        for folder in root.results {
            let base = root.layout.results.appendingPathComponent(folder)
            let summary = try root.json(base.appendingPathComponent("job.json"))
            XCTAssertEqual(summary["status"] as? String, "completed")
            XCTAssertEqual(summary["execution"] as? String, folder)
            let manifestCopy = try FileManager.default.contentsOfDirectory(atPath: base.path).filter { $0.hasPrefix("manifest.") }
            XCTAssertEqual(manifestCopy.count, 1)
            let items = summary["items"] as? [[String: Any]] ?? []
            XCTAssertFalse(items.isEmpty)
            if summary["kind"] as? String == "card" {
                // Card jobs publish cards/<name>.png with the card embedded; CardDrainTests goes deeper.
                let card = try XCTUnwrap(summary["card"] as? [String: Any])
                let files = try XCTUnwrap(card["files"] as? [String])
                let png = try XCTUnwrap(files.first { $0.hasSuffix(".png") })
                let texts = pngChunks(try Data(contentsOf: base.appendingPathComponent(png))).filter { $0.type == "tEXt" }
                XCTAssertTrue(texts.contains { $0.data.starts(with: Data("chara\0".utf8)) }, png)
                XCTAssertEqual(try CardFile.read(contentsOf: base.appendingPathComponent(png)).card.name, card["name"] as? String)
                continue
            }
            XCTAssertTrue(FileManager.default.fileExists(atPath: base.appendingPathComponent("items.csv").path))
            for item in items where item["status"] as? String == "approved" {
                let file = try XCTUnwrap(item["file"] as? String)
                let data = try Data(contentsOf: base.appendingPathComponent(file))
                let png = try PNGCodec.decode(data)
                XCTAssertEqual(png.image.width, item["width"] as? Int)
                XCTAssertEqual(png.image.height, item["height"] as? Int)
                let keywords = Set(png.text.map(\.keyword))
                for expected in ["Title", "Description", "Keywords", "Software", "Creation Time", "parameters"] {
                    XCTAssertTrue(keywords.contains(expected), "\(file) lacks \(expected): \(keywords)")
                }
                let parameters = try XCTUnwrap(png.text.first { $0.keyword == "parameters" }?.text)
                XCTAssertTrue(parameters.contains("Seed: \(item["seed"] as? Int ?? -1)"), parameters)
                XCTAssertTrue(parameters.contains("Size: \(png.image.width)x\(png.image.height)"), parameters)
                let sidecar = try root.json(base.appendingPathComponent(file.replacingOccurrences(of: ".png", with: ".json")))
                XCTAssertEqual(sidecar["title"] as? String, png.text.first { $0.keyword == "Title" }?.text)
            }
        }
        // Every published folder has its line in index.jsonl, and every job its log.
        let index = try String(contentsOf: root.layout.index, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(index.count, examples.count)
        for folder in root.results {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root.layout.log(job: folder).path))
        }
        // The status and jobs commands read the same store.
        let list = try root.run(["jobs", "list", "--json"])
        XCTAssertEqual(list.status, 0, list.stderr)
        let jobs = try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [[String: Any]]
        XCTAssertEqual(jobs?.count, examples.count)
        let show = try root.run(["jobs", "show", root.results[0]])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("completed"))
        let logs = try root.run(["jobs", "logs", root.results[0]])
        XCTAssertTrue(logs.stdout.contains("published"), logs.stdout)
        let status = try root.run(["status", "--json"])
        XCTAssertEqual(status.status, 0, status.stderr)
    }

    /// 6. A manifest whose `id` already finished is reported as a `duplicate` failure.
    func testDuplicateManifestIDFails() throws {
        let root = try TestRoot()
        let manifest = imagesManifest(name: "once", extra: "id: once-only")
        try root.drop("once.yaml", manifest)
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        try root.drop("once-again.yaml", manifest)
        let second = try root.run(["drain"])
        XCTAssertEqual(second.status, 1)
        XCTAssertEqual(root.results.count, 1)
        XCTAssertEqual(root.failures.count, 1)
        let error = try root.json(root.layout.failures.appendingPathComponent(root.failures[0]).appendingPathComponent("error.json"))
        XCTAssertEqual(error["code"] as? String, "duplicate")
        XCTAssertTrue((error["message"] as? String ?? "").contains("once-only"))
        // `force: true` runs it again.
        try root.drop("forced.yaml", manifest + "\nforce: true\n")
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        XCTAssertEqual(root.results.count, 2)
    }

    /// 7. A seeded job drained on two roots gives identical pixel data (IDAT), and byte-identical
    /// files when SOURCE_DATE_EPOCH is set.
    func testSeededJobsAreReproducible() throws {
        let manifest = imagesManifest(name: "repro", count: 3, size: 96, seed: 1234, keywords: ["fox", "owl"])
        func drain(_ environment: [String: String]) throws -> [Data] {
            let root = try TestRoot()
            try root.drop("repro.yaml", manifest)
            XCTAssertEqual(try root.run(["drain"], environment: environment).status, 0)
            let images = root.layout.results.appendingPathComponent(root.results[0]).appendingPathComponent("images")
            return try FileManager.default.contentsOfDirectory(atPath: images.path).filter { $0.hasSuffix(".png") }.sorted()
                .map { try Data(contentsOf: images.appendingPathComponent($0)) }
        }
        let first = try drain([:])
        Thread.sleep(forTimeInterval: 1.1) // a different Creation Time, unless it is pinned
        let second = try drain([:])
        XCTAssertEqual(first.count, 3)
        XCTAssertEqual(first.map { pngChunks($0).filter { $0.type == "IDAT" }.map(\.data) },
                       second.map { pngChunks($0).filter { $0.type == "IDAT" }.map(\.data) })
        XCTAssertNotEqual(first, second, "Creation Time should differ without SOURCE_DATE_EPOCH")

        let pinned = ["SOURCE_DATE_EPOCH": "1700000000"]
        let third = try drain(pinned)
        Thread.sleep(forTimeInterval: 1.1)
        let fourth = try drain(pinned)
        XCTAssertEqual(third, fourth)
        let text = try PNGCodec.decode(third[0]).text
        XCTAssertEqual(text.first { $0.keyword == "Creation Time" }?.text, "Tue, 14 Nov 2023 22:13:20 GMT")
    }
}
