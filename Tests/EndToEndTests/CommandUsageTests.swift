import DropForgeKit
import Foundation
import XCTest

/// What a new user meets at the command line (issue 17, point 9): a folder that is not a root,
/// a mistyped --kind, help that reads well, a clear message for an export that cannot be written.
final class CommandUsageTests: XCTestCase {
    private func plainFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-plain-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    private func run(_ arguments: [String]) throws -> CommandResult {
        let process = Process()
        process.executableURL = dropforgeBinary
        process.arguments = arguments
        process.environment = ["PATH": "/usr/bin:/bin"]
        let (out, err) = (Pipe(), Pipe())
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // A watch that wrongly starts would never end: stop it, and let the assertions fail.
        let deadline = Date().addingTimeInterval(30)
        while process.isRunning && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
        if process.isRunning { process.terminate() }
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CommandResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                             stderr: String(decoding: stderr, as: UTF8.self))
    }

    func testDrainAndWatchRefuseAFolderThatIsNotARoot() throws {
        let folder = try plainFolder()
        for command in ["drain", "watch"] {
            let result = try run([command, "--root", folder.path])
            XCTAssertEqual(result.status, 2, "\(command): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains("\(folder.path) is not a dropforge root") && result.stderr.contains("dropforge init"),
                          result.stderr)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [], "nothing was made in it")

        XCTAssertEqual(try run(["init", "--root", folder.path]).status, 0)
        XCTAssertEqual(try run(["drain", "--root", folder.path]).status, 0)
    }

    func testJobsListRejectsAnUnknownKind() throws {
        let root = try TestRoot()
        try root.drop("one.yaml", imagesManifest(name: "one"))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let typo = try root.run(["jobs", "list", "--kind", "cards"])
        XCTAssertEqual(typo.status, 2)
        XCTAssertTrue(typo.stderr.contains("'cards'") && typo.stderr.contains("'images'") && typo.stderr.contains("'card'"), typo.stderr)
        let images = try root.run(["jobs", "list", "--kind", "images"])
        XCTAssertEqual(images.status, 0, images.stderr)
        XCTAssertTrue(images.stdout.contains("one-"), images.stdout)
        XCTAssertEqual(try root.run(["jobs", "list", "--status", "done"]).status, 2)
    }

    /// swift-argument-parser wraps help to the terminal; a paragraph hard-wrapped in the source
    /// then shows its source line breaks too, leaving a word or two alone on a line.
    func testHelpParagraphsAreNotBrokenMidSentence() throws {
        let commands = [[], ["init"], ["watch"], ["drain"], ["submit"], ["validate"], ["status"], ["jobs"], ["jobs", "list"],
                        ["jobs", "show"], ["jobs", "cancel"], ["jobs", "retry"], ["jobs", "rerun"], ["jobs", "export"],
                        ["jobs", "delete"], ["review"], ["review", "approve"], ["review", "reject"], ["review", "retry"],
                        ["card"], ["card", "embed"], ["card", "extract"], ["card", "validate"], ["card", "convert"]]
        for command in commands {
            let help = try run(command + ["--help"])
            XCTAssertEqual(help.status, 0, "\(command): \(help.stderr)")
            let lines = help.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (line, next) in zip(lines, lines.dropFirst()) where !line.isEmpty && !line.hasPrefix(" ") && !next.isEmpty && !next.hasPrefix(" ") {
                // A short line followed by more of the same paragraph is a sentence cut in two.
                XCTAssertFalse(line.count < 40 && !line.hasSuffix(":") && !line.hasSuffix("."),
                               "`dropforge \(command.joined(separator: " ")) --help` breaks a sentence after '\(line)'")
            }
        }
    }

    func testExportToAMissingFolderSaysWhatAndWhere() throws {
        let root = try TestRoot()
        try root.drop("one.yaml", imagesManifest(name: "one"))
        XCTAssertEqual(try root.run(["drain"]).status, 0)
        let job = try XCTUnwrap(root.results.first)
        let target = root.url.appendingPathComponent("nodir/x.csv")
        let result = try root.run(["jobs", "export", job, "--format", "csv", "-o", target.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr.trimmingCharacters(in: .whitespacesAndNewlines),
                       "error: cannot write \(target.path): the folder \(target.deletingLastPathComponent().path) does not exist (create it first, or write elsewhere)")
    }
}
