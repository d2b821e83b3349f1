import Foundation
import XCTest
@testable import DropForgeKit

final class InboxScannerTests: XCTestCase {
    func testTwoThousandFilesSortedAndFiltered() throws {
        let inbox = try intakeTemporaryFolder(self)
        let base = 1_700_000_000.0
        var expected: [String] = []
        for i in 0 ..< 2000 {
            let ext = ["json", "yaml", "yml", "YAML"][i % 4]
            let name = String(format: "job-%04d.%@", i, ext)
            let url = inbox.appendingPathComponent(name)
            try intakeWriteFile(url, "n: \(i)\n")
            // Reverse mtime order against names, with pairs sharing an mtime (ties break by name).
            try intakeSetModified(url, base + Double(1000 - i / 2) + 0.25)
            expected.append(name)
        }
        expected.sort { a, b in
            let ia = Int(a.dropFirst(4).prefix(4))!, ib = Int(b.dropFirst(4).prefix(4))!
            return (1000 - ia / 2, a) < (1000 - ib / 2, b)
        }
        // Noise that must be skipped.
        for name in [".hidden.json", "x.json.tmp", "y.yaml.part", "z.yml.partial", "w.json~", "notes.txt"] {
            try intakeWriteFile(inbox.appendingPathComponent(name))
        }
        let fm = FileManager.default
        try fm.createDirectory(at: inbox.appendingPathComponent(".tmp"), withIntermediateDirectories: true)
        try intakeWriteFile(inbox.appendingPathComponent(".tmp/inside.yaml"))
        try fm.createDirectory(at: inbox.appendingPathComponent("dir.json"), withIntermediateDirectories: true)
        try fm.createSymbolicLink(atPath: inbox.appendingPathComponent("linkdir.yaml").path, withDestinationPath: inbox.path)
        try fm.createSymbolicLink(atPath: inbox.appendingPathComponent("dangling.yaml").path, withDestinationPath: "/nonexistent/x")
        mkfifo(inbox.appendingPathComponent("fifo.json").path, 0o600)

        let started = Date()
        let files = try InboxScanner(inbox: inbox).candidates()
        let elapsed = Date().timeIntervalSince(started)
        // Symlinks count, whatever they lead to (intake refuses them with a reason); they are the
        // newest entries here, in the order their mtimes happen to give.
        XCTAssertEqual(Array(files.map(\.name).prefix(expected.count)), expected)
        XCTAssertEqual(Set(files.map(\.name).dropFirst(expected.count)), ["dangling.yaml", "linkdir.yaml"])
        XCTAssertLessThan(elapsed, 1.0)
        XCTAssertEqual(files.first?.modified ?? 0, base + 1.25, accuracy: 0.000_001)  // sub-second kept
        XCTAssertEqual(files.first?.size, Int64("n: 1999\n".utf8.count))
    }

    func testSymlinkToRegularFileCountsAsTheLinkItself() throws {
        let inbox = try intakeTemporaryFolder(self)
        let target = inbox.appendingPathComponent(".tmp-target.yaml")
        try intakeWriteFile(target, "abc")
        try FileManager.default.createSymbolicLink(atPath: inbox.appendingPathComponent("link.yaml").path,
                                                   withDestinationPath: target.path)
        let files = try InboxScanner(inbox: inbox).candidates()
        XCTAssertEqual(files.map(\.name), ["link.yaml"])
        XCTAssertEqual(files.first?.size, Int64(target.path.utf8.count), "the link's size, not its target's")
    }

    func testFileNamed() throws {
        let inbox = try intakeTemporaryFolder(self)
        try intakeWriteFile(inbox.appendingPathComponent("a.json"), "12345")
        try intakeSetModified(inbox.appendingPathComponent("a.json"), 1_000_000.5)
        let scanner = InboxScanner(inbox: inbox)
        XCTAssertEqual(scanner.file(named: "a.json"), InboxFile(name: "a.json", size: 5, modified: 1_000_000.5))
        XCTAssertNil(scanner.file(named: "missing.json"))
        XCTAssertNil(scanner.file(named: "../a.json"))
    }

    func testMissingFolderThrows() {
        let missing = URL(fileURLWithPath: "/nonexistent/dropforge-inbox")
        XCTAssertThrowsError(try InboxScanner(inbox: missing).candidates()) { error in
            XCTAssertEqual((error as? IntakeError)?.operation, "opendir")
            XCTAssertTrue("\(error)".contains("/nonexistent/dropforge-inbox"))
        }
    }
}
