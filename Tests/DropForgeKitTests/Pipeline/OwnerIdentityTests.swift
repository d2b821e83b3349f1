import Foundation
import XCTest
@testable import DropForgeKit

final class OwnerIdentityTests: XCTestCase {
    private func layout() throws -> RootLayout {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("dropforge-owner-\(UUID().uuidString)", isDirectory: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: root) }
        let layout = RootLayout(root: root)
        try layout.createFolders()
        return layout
    }

    func testALiveIdentityIsAliveAndAClosedOneIsNot() throws {
        let layout = try layout()
        let owner = try OwnerIdentity(layout: layout)
        let lockFile = layout.owners.appendingPathComponent("\(owner.id).lock")
        XCTAssertTrue(owner.id.hasPrefix("\(OwnerIdentity.hostName):\(getpid()):"), owner.id)
        XCTAssertTrue(FileManager.default.fileExists(atPath: lockFile.path))

        XCTAssertTrue(OwnerIdentity.isAlive(owner.id, layout: layout))
        XCTAssertTrue(OwnerIdentity.isAlive(owner.id, layout: layout), "asking does not take the lock away")
        XCTAssertTrue(FileManager.default.fileExists(atPath: lockFile.path))

        owner.close()
        XCTAssertFalse(OwnerIdentity.isAlive(owner.id, layout: layout))
        XCTAssertFalse(FileManager.default.fileExists(atPath: lockFile.path), "a graceful exit removes its lock file")
        owner.close()   // closing twice is harmless
    }

    func testTwoIdentitiesAreDistinctAndIndependent() throws {
        let layout = try layout()
        let first = try OwnerIdentity(layout: layout)
        let second = try OwnerIdentity(layout: layout)
        XCTAssertNotEqual(first.id, second.id)
        first.close()
        XCTAssertFalse(OwnerIdentity.isAlive(first.id, layout: layout))
        XCTAssertTrue(OwnerIdentity.isAlive(second.id, layout: layout))
        second.close()
    }

    func testALeftoverLockFileWithoutItsProcessIsDeadAndRemoved() throws {
        let layout = try layout()
        // What `kill -9` leaves: the file stays, the kernel dropped the flock.
        let dead = "\(OwnerIdentity.hostName):999999:gone"
        let lockFile = layout.owners.appendingPathComponent("\(dead).lock")
        XCTAssertTrue(FileManager.default.createFile(atPath: lockFile.path, contents: nil))
        XCTAssertFalse(OwnerIdentity.isAlive(dead, layout: layout))
        XCTAssertFalse(FileManager.default.fileExists(atPath: lockFile.path))
        // With no lock file at all it is dead too.
        XCTAssertFalse(OwnerIdentity.isAlive("\(OwnerIdentity.hostName):999998:never", layout: layout))
    }

    func testAnOwnerOnAnotherHostIsAssumedAlive() throws {
        let layout = try layout()
        XCTAssertTrue(OwnerIdentity.isAlive("some-other-host.invalid:42:abc", layout: layout))
        XCTAssertTrue(OwnerIdentity.isAlive("\(OwnerIdentity.hostName)x:42:abc", layout: layout),
                      "a host whose name merely starts with ours is another host")
    }

    func testDeinitReleasesTheIdentity() throws {
        let layout = try layout()
        var id = ""
        do {
            let owner = try OwnerIdentity(layout: layout)
            id = owner.id
        }
        XCTAssertFalse(OwnerIdentity.isAlive(id, layout: layout))
    }
}
