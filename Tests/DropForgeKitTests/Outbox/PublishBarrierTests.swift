import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeCore

/// One durability barrier per published folder: files written while a staging folder is built
/// are not synced one by one; the folder is synced once, as a whole, before its rename.
final class PublishBarrierTests: XCTestCase {
    private func layout() throws -> RootLayout {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("dropforge-barrier-\(UUID().uuidString)", isDirectory: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let layout = RootLayout(root: root)
        try layout.createFolders()
        return layout
    }

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
}
