import DropForgeKit
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// What intake takes from the inbox and what it publishes as "the manifest as dropped"
/// (issue 17, points 2 and 3): never a file still open for writing on this host, never a link.
final class InboxWriterTests: XCTestCase {
    /// The published manifest of the only job, and its link count.
    func publishedManifest(_ folder: URL, name: String) throws -> (bytes: Data, links: Int) {
        let url = folder.appendingPathComponent(name)
        var info = stat()
        XCTAssertEqual(lstat(url.path, &info), 0, "\(url.path) exists")
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFREG, "a regular file, not a link")
        return (try Data(contentsOf: url), Int(info.st_nlink))
    }

    func testAWriterThatPausesLongerThanTheRescanIsNotReadHalfWay() throws {
        let root = try TestRoot()
        try root.setConfig("rescan_seconds: 30", "rescan_seconds: 1")
        try root.setConfig("settle_ms: 300", "settle_ms: 200")
        let watch = try root.start(["watch"])
        defer { watch.signal(SIGKILL) }

        // As `(echo -n '{…,'; sleep 3; echo ' …}') > inbox/slow.json`: one open file, a long pause.
        let text = #"{"version": 1, "kind": "images", "name": "slow", "params": {"template": "a {keyword}", "keywords": ["fox"], "size": 64}}"#
        let split = text.index(text.startIndex, offsetBy: 33)
        let path = root.layout.inbox.appendingPathComponent("slow.json").path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let head = Array(text[..<split].utf8), tail = Array(text[split...].utf8)
        XCTAssertEqual(write(fd, head, head.count), head.count)
        Thread.sleep(forTimeInterval: 3)  // three rescans and many times settle_ms
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "a file open for writing is not taken")
        XCTAssertEqual(root.failures, [])
        XCTAssertEqual(write(fd, tail, tail.count), tail.count)
        close(fd)

        XCTAssertTrue(root.wait(20) { root.results.count == 1 }, "results: \(root.results), failures: \(root.failures)")
        XCTAssertEqual(root.failures, [], "the half-written manifest was parsed")
        let manifest = try publishedManifest(root.layout.results.appendingPathComponent(root.results[0]), name: "manifest.json")
        XCTAssertEqual(manifest.bytes, Data(text.utf8))
        XCTAssertEqual(manifest.links, 1, "a copy, not a hard link to the claimed file")
        XCTAssertTrue(watch.process.isRunning)
    }

    func testAManifestIsPublishedAsACopyOfTheBytesParsed() throws {
        // A hard-linked drop (`ln ~/jobs/x.yaml inbox/`): editing the source later must not
        // change what results/ says was dropped.
        let root = try TestRoot()
        let source = root.url.appendingPathComponent("mine.yaml")
        let text = imagesManifest(name: "linked")
        try Data(text.utf8).write(to: source)
        XCTAssertEqual(link(source.path, root.layout.inbox.appendingPathComponent("linked.yaml").path), 0)
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        let folder = root.layout.results.appendingPathComponent(try XCTUnwrap(root.results.first))
        let published = try publishedManifest(folder, name: "manifest.yaml")
        XCTAssertEqual(published.links, 1)
        try Data("changed afterwards\n".utf8).write(to: source)
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("manifest.yaml")), Data(text.utf8))
    }

    func testASymlinkedManifestIsRefusedAndNothingIsPublishedAsALink() throws {
        let root = try TestRoot()
        let outside = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-outside-\(UUID().uuidString).yaml")
        defer { try? FileManager.default.removeItem(at: outside) }
        let text = imagesManifest(name: "outside")
        try Data(text.utf8).write(to: outside)
        XCTAssertEqual(symlink(outside.path, root.layout.inbox.appendingPathComponent("outside.yaml").path), 0)
        XCTAssertEqual(symlink("/nonexistent/dangling.yaml", root.layout.inbox.appendingPathComponent("dangling.yaml").path), 0)

        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 1, "two refused manifests\n\(drain.stderr)")
        XCTAssertEqual(root.results, [])
        XCTAssertEqual(root.failures.count, 2, "\(root.failures)")
        for folder in root.failures {
            let base = root.layout.failures.appendingPathComponent(folder)
            let error = try root.json(base.appendingPathComponent("error.json"))
            XCTAssertEqual(error["code"] as? String, "manifest_symlink")
            XCTAssertEqual(error["stage"] as? String, "intake")
            XCTAssertTrue((error["message"] as? String ?? "").contains("symbolic link"), "\(error)")
            let files = try FileManager.default.contentsOfDirectory(atPath: base.path)
            XCTAssertFalse(files.contains { $0.hasPrefix("manifest.") }, "no manifest published: \(files)")
        }
        // Nothing anywhere in the outbox is a link, and the link's target is untouched.
        let enumerator = FileManager.default.enumerator(atPath: root.layout.outbox.path)
        while let path = enumerator?.nextObject() as? String {
            var info = stat()
            XCTAssertEqual(lstat(root.layout.outbox.appendingPathComponent(path).path, &info), 0)
            XCTAssertNotEqual(info.st_mode & S_IFMT, S_IFLNK, "\(path) is a symlink")
        }
        XCTAssertEqual(try String(contentsOf: outside, encoding: .utf8), text)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root.layout.processing.path).filter { !$0.hasPrefix(".") }, [])
    }
}
