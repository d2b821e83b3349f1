import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore

final class OutboxPublisherTests: XCTestCase {
    private struct BuildFailed: Error {}

    private func layout() throws -> RootLayout {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("dropforge-outbox-\(UUID().uuidString)", isDirectory: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let layout = RootLayout(root: root)
        try layout.createFolders()
        return layout
    }

    private func contents(_ url: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.path)) ?? []).sorted()
    }

    func testAFolderIsBuiltInStagingAndRenamedIntoPlace() throws {
        let layout = try layout()
        let publisher = OutboxPublisher(layout: layout)
        let destination = layout.results.appendingPathComponent("cats-abc123", isDirectory: true)
        var builtIn: URL?
        let published = try publisher.publishFolder(named: "cats-abc123", into: layout.results) { folder in
            builtIn = folder
            XCTAssertEqual(folder.deletingLastPathComponent().standardizedFileURL.path, layout.staging.path)
            XCTAssertFalse(FileManager.default.fileExists(atPath: destination.path), "nothing visible while building")
            try Data("{}".utf8).write(to: folder.appendingPathComponent("job.json"))
            try FileManager.default.createDirectory(at: folder.appendingPathComponent("images"), withIntermediateDirectories: true)
            try Data([1, 2, 3]).write(to: folder.appendingPathComponent("images/0001.png"))
        }
        XCTAssertEqual(published.standardizedFileURL.path, destination.path)
        XCTAssertEqual(contents(destination), ["images", "job.json"])
        XCTAssertEqual(try Data(contentsOf: destination.appendingPathComponent("images/0001.png")), Data([1, 2, 3]))
        XCTAssertFalse(FileManager.default.fileExists(atPath: builtIn!.path))
        XCTAssertEqual(contents(layout.staging), [])
    }

    func testTheParentIsCreatedWhenMissing() throws {
        let layout = try layout()
        try FileManager.default.removeItem(at: layout.review)
        try OutboxPublisher(layout: layout).publishFolder(named: "cats", into: layout.review) { folder in
            try Data("v".utf8).write(to: folder.appendingPathComponent("0001.json"))
        }
        XCTAssertEqual(contents(layout.review.appendingPathComponent("cats")), ["0001.json"])
    }

    func testAnExistingDestinationIsKeptAndNotRebuilt() throws {
        let layout = try layout()
        let destination = layout.results.appendingPathComponent("cats", isDirectory: true)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        try Data("first".utf8).write(to: destination.appendingPathComponent("job.json"))

        var built = false
        let published = try OutboxPublisher(layout: layout).publishFolder(named: "cats", into: layout.results) { folder in
            built = true
            try Data("second".utf8).write(to: folder.appendingPathComponent("job.json"))
        }
        XCTAssertFalse(built)
        XCTAssertEqual(published.standardizedFileURL.path, destination.path)
        XCTAssertEqual(try String(contentsOf: destination.appendingPathComponent("job.json"), encoding: .utf8), "first")
        XCTAssertEqual(contents(layout.staging), [])
    }

    func testAThrowingBuildLeavesNothingBehind() throws {
        let layout = try layout()
        XCTAssertThrowsError(try OutboxPublisher(layout: layout).publishFolder(named: "cats", into: layout.failures) { folder in
            try Data("half".utf8).write(to: folder.appendingPathComponent("job.json"))
            throw BuildFailed()
        }) { XCTAssertTrue($0 is BuildFailed, "the build's own error comes out: \($0)") }
        XCTAssertEqual(contents(layout.failures), [])
        XCTAssertEqual(contents(layout.staging), [])
    }

    func testALeftoverStagingFolderFromACrashIsStartedAfresh() throws {
        let layout = try layout()
        let leftover = layout.staging.appendingPathComponent("results-cats", isDirectory: true)
        try FileManager.default.createDirectory(at: leftover, withIntermediateDirectories: true)
        try Data("stale".utf8).write(to: leftover.appendingPathComponent("stale.png"))

        try OutboxPublisher(layout: layout).publishFolder(named: "cats", into: layout.results) { folder in
            XCTAssertEqual(self.contents(folder), [], "the build starts from an empty folder")
            try Data("{}".utf8).write(to: folder.appendingPathComponent("job.json"))
        }
        XCTAssertEqual(contents(layout.results.appendingPathComponent("cats")), ["job.json"])
    }

    func testTheSameNameInDifferentParentsDoesNotCollide() throws {
        let layout = try layout()
        let publisher = OutboxPublisher(layout: layout)
        try publisher.publishFolder(named: "cats", into: layout.results) { folder in
            try publisher.publishFolder(named: "cats", into: layout.review) { inner in
                XCTAssertNotEqual(inner.path, folder.path)
                try Data("r".utf8).write(to: inner.appendingPathComponent("0002.png"))
            }
            try Data("a".utf8).write(to: folder.appendingPathComponent("job.json"))
        }
        XCTAssertEqual(contents(layout.results.appendingPathComponent("cats")), ["job.json"])
        XCTAssertEqual(contents(layout.review.appendingPathComponent("cats")), ["0002.png"])
    }

    func testAppendIndexWritesOrderedJSONLines() throws {
        let layout = try layout()
        let publisher = OutboxPublisher(layout: layout)
        let at = Date(timeIntervalSince1970: 1_800_000_000.125)
        try publisher.appendIndex(job: "cats-abc123", execution: "cats-abc123", status: .completed,
                                  path: "results/cats-abc123", at: at)
        try publisher.appendIndex(job: "dogs-def456", execution: "dogs-def456", status: .failed,
                                  path: "failures/dogs-def456", at: at.addingTimeInterval(1))

        let text = try String(contentsOf: layout.index, encoding: .utf8)
        XCTAssertTrue(text.hasSuffix("\n"))
        let lines = text.split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, [
            #"{"job":"cats-abc123","execution":"cats-abc123","status":"completed","path":"results/cats-abc123","at":"2027-01-15T08:00:00.125Z"}"#,
            #"{"job":"dogs-def456","execution":"dogs-def456","status":"failed","path":"failures/dogs-def456","at":"2027-01-15T08:00:01.125Z"}"#,
        ])
        for line in lines {
            let object = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String])
            XCTAssertEqual(Set(object.keys), ["job", "execution", "status", "path", "at"])
            XCTAssertNotNil(Timestamp.parse(object["at"]!))
        }
    }
}

final class FileSystemTests: XCTestCase {
    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-fs-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    func testWriteAtomicallyReplacesTheFileAndLeavesNoTemporaries() throws {
        let folder = try folder()
        let file = folder.appendingPathComponent("job.json")
        try FileSystem.writeAtomically(Data("one".utf8), to: file)
        try FileSystem.writeAtomically(Data("two".utf8), to: file)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "two")
        try FileSystem.writeAtomically(Data(), to: folder.appendingPathComponent("empty"))
        XCTAssertEqual(try Data(contentsOf: folder.appendingPathComponent("empty")), Data())
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted(), ["empty", "job.json"])
    }

    func testWriteAtomicallyIntoAMissingFolderThrowsAPOSIXError() throws {
        let folder = try folder()
        XCTAssertThrowsError(try FileSystem.writeAtomically(Data("x".utf8), to: folder.appendingPathComponent("no/such/file"))) {
            XCTAssertEqual(($0 as NSError).domain, NSPOSIXErrorDomain)
            XCTAssertEqual(($0 as NSError).code, Int(ENOENT))
        }
    }

    func testAppendAddsToTheEndAndCreatesTheFile() throws {
        let folder = try folder()
        let file = folder.appendingPathComponent("log.jsonl")
        try FileSystem.append(Data("a\n".utf8), to: file)
        try FileSystem.append(Data("b\n".utf8), to: file)
        XCTAssertEqual(try String(contentsOf: file, encoding: .utf8), "a\nb\n")
    }

    func testConcurrentAppendsNeverInterleaveALine() throws {
        let folder = try folder()
        let file = folder.appendingPathComponent("log.jsonl")
        DispatchQueue.concurrentPerform(iterations: 8) { writer in
            let line = Data((String(repeating: Character(UnicodeScalar(UInt8(65 + writer))), count: 2000) + "\n").utf8)
            for _ in 0..<25 { try? FileSystem.append(line, to: file) }
        }
        let lines = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 200)
        XCTAssertTrue(lines.allSatisfy { $0.count == 2000 && Set($0).count == 1 })
    }

    func testRenameMovesAndFailsWithPOSIXError() throws {
        let folder = try folder()
        let a = folder.appendingPathComponent("a"), b = folder.appendingPathComponent("b")
        try Data("x".utf8).write(to: a)
        try FileSystem.rename(a, to: b)
        XCTAssertFalse(FileManager.default.fileExists(atPath: a.path))
        XCTAssertEqual(try String(contentsOf: b, encoding: .utf8), "x")
        XCTAssertThrowsError(try FileSystem.rename(a, to: b)) {
            XCTAssertEqual(($0 as NSError).domain, NSPOSIXErrorDomain)
            XCTAssertTrue("\($0.localizedDescription)".contains("cannot rename"), $0.localizedDescription)
        }
    }

    func testLinkOrCopyMakesAHardLinkOnTheSameFilesystem() throws {
        let folder = try folder()
        let source = folder.appendingPathComponent("work.png"), target = folder.appendingPathComponent("0001.png")
        try Data([9, 8, 7]).write(to: source)
        try FileSystem.linkOrCopy(source, to: target)
        XCTAssertEqual(try Data(contentsOf: target), Data([9, 8, 7]))
        let sourceInode = try FileManager.default.attributesOfItem(atPath: source.path)[.systemFileNumber] as? NSNumber
        let targetInode = try FileManager.default.attributesOfItem(atPath: target.path)[.systemFileNumber] as? NSNumber
        XCTAssertEqual(sourceInode, targetInode)
    }
}

/// One durability barrier per published folder: files written while a staging folder is built
/// are not synced one by one; the folder is synced once, as a whole, before its rename.
extension OutboxPublisherTests {
    /// A folder of the export's shape: two files at the top, two in `images/`, one hard link.
    private func build(_ folder: URL, linking source: URL) throws {
        try FileSystem.writeAtomically(Data("{}\n".utf8), to: folder.appendingPathComponent("job.json"))
        try FileSystem.writeAtomically(Data("item\n".utf8), to: folder.appendingPathComponent("items.csv"))
        let images = folder.appendingPathComponent("images", isDirectory: true)
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try FileSystem.writeAtomically(Data("{}\n".utf8), to: images.appendingPathComponent("0001.json"))
        try FileSystem.linkOrCopy(source, to: images.appendingPathComponent("0001.png"))
    }

    func testAPublishedFolderIsSyncedOnceAsAWholeNotFileByFile() throws {
        let layout = try layout()
        let source = layout.root.appendingPathComponent("source.png")
        try FileSystem.writeAtomically(Data([1, 2, 3]), to: source)
        let before = IOCounters.snapshot()
        var duringBuild: IOCounters.Snapshot?
        let destination = try OutboxPublisher(layout: layout).publishFolder(named: "cats-abc123", into: layout.results) { folder in
            try build(folder, linking: source)
            duringBuild = IOCounters.snapshot() - before
        }
        let used = IOCounters.snapshot() - before
        XCTAssertEqual(duringBuild?.fsyncs, 0, "no sync while the folder is written")
        // One syncfs; images/ and the staging folder; then results/ after the rename.
        XCTAssertEqual(used.filesystemSyncs, 1)
        XCTAssertEqual(used.fileSyncs, 0)
        XCTAssertEqual(used.directorySyncs, 3)
        XCTAssertEqual(used.fsyncs, 4)
        XCTAssertEqual(try Data(contentsOf: destination.appendingPathComponent("images/0001.png")), Data([1, 2, 3]))
        XCTAssertEqual(try Data(contentsOf: destination.appendingPathComponent("items.csv")), Data("item\n".utf8))
    }

    func testTheFileByFileBarrierSyncsEveryFileAfterTheLastWrite() throws {
        let layout = try layout()
        let source = layout.root.appendingPathComponent("source.png")
        try FileSystem.writeAtomically(Data([1, 2, 3]), to: source)
        let before = IOCounters.snapshot()
        try OutboxPublisher(layout: layout).publishFolder(named: "cats-abc123", into: layout.results, barrier: .eachFile) { folder in
            try build(folder, linking: source)
            XCTAssertEqual((IOCounters.snapshot() - before).fsyncs, 0)
        }
        let used = IOCounters.snapshot() - before
        XCTAssertEqual(used.filesystemSyncs, 0)
        XCTAssertEqual(used.fileSyncs, 4, "job.json, items.csv, images/0001.json and the linked image")
        XCTAssertEqual(used.directorySyncs, 3)
    }

    func testWritesOutsideTheFolderBeingBuiltKeepTheirOwnSync() throws {
        let layout = try layout()
        let outside = layout.root.appendingPathComponent("outside.json")
        let sibling = layout.staging.appendingPathComponent("results-cats-abc1234/x.json")  // a prefix, not inside
        try FileManager.default.createDirectory(at: sibling.deletingLastPathComponent(), withIntermediateDirectories: true)
        try OutboxPublisher(layout: layout).publishFolder(named: "cats-abc123", into: layout.results) { folder in
            let before = IOCounters.snapshot()
            try FileSystem.writeAtomically(Data("{}".utf8), to: outside)
            try FileSystem.writeAtomically(Data("{}".utf8), to: sibling)
            XCTAssertEqual((IOCounters.snapshot() - before).fileSyncs, 2)
            try FileSystem.writeAtomically(Data("{}".utf8), to: folder.appendingPathComponent("job.json"))
            XCTAssertEqual((IOCounters.snapshot() - before).fileSyncs, 2)
        }
        let before = IOCounters.snapshot()
        try FileSystem.writeAtomically(Data("{}".utf8), to: layout.results.appendingPathComponent("cats-abc123/job.json"))
        XCTAssertEqual((IOCounters.snapshot() - before).fileSyncs, 1, "a published folder's file is replaced with its own sync")
    }

    func testAFailedBuildSyncsNothingAndLeavesTheDeferralOff() throws {
        let layout = try layout()
        struct Failed: Error {}
        let before = IOCounters.snapshot()
        XCTAssertThrowsError(try OutboxPublisher(layout: layout).publishFolder(named: "x", into: layout.results) { folder in
            try FileSystem.writeAtomically(Data("{}".utf8), to: folder.appendingPathComponent("job.json"))
            throw Failed()
        })
        XCTAssertEqual((IOCounters.snapshot() - before).fsyncs, 0)
        XCTAssertFalse(FileSystem.isDeferred(layout.staging.appendingPathComponent("results-x/job.json")))
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: layout.staging.path), [])
    }

    /// A crash after the rename but before the directory sync: the retry finds the folder and
    /// syncs its parent before the store records the publication.
    func testAnExistingDestinationStillGetsItsParentSynced() throws {
        let layout = try layout()
        let destination = layout.results.appendingPathComponent("cats-abc123", isDirectory: true)
        try FileManager.default.createDirectory(at: destination, withIntermediateDirectories: true)
        let before = IOCounters.snapshot()
        try OutboxPublisher(layout: layout).publishFolder(named: "cats-abc123", into: layout.results) { _ in
            XCTFail("must not rebuild")
        }
        XCTAssertEqual(IOCounters.snapshot() - before, IOCounters.Snapshot(directorySyncs: 1))
    }

    /// An export run again after a crash between its index line and the store's record finds
    /// the line there and does not add a second (issue 14: seen when a host died mid-export).
    func testAnExecutionsIndexLineIsFoundSoARepublicationAddsNoSecond() throws {
        let layout = try layout()
        let publisher = OutboxPublisher(layout: layout)
        XCTAssertFalse(publisher.indexHasLine(execution: "cats-abc123", status: .completed), "no index yet")
        try publisher.appendIndex(job: "cats-abc123", execution: "cats-abc123", status: .completed,
                                  path: "outbox/results/cats-abc123", at: Date())
        XCTAssertTrue(publisher.indexHasLine(execution: "cats-abc123", status: .completed))
        XCTAssertFalse(publisher.indexHasLine(execution: "cats-abc123", status: .failed), "another status is another line")
        XCTAssertFalse(publisher.indexHasLine(execution: "cats-abc12", status: .completed), "a prefix of the id is not the id")
        XCTAssertFalse(publisher.indexHasLine(execution: "cats-abc123.2", status: .completed))
    }
}
