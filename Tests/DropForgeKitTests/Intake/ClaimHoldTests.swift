import Foundation
import XCTest
@testable import DropForgeKit
#if canImport(Glibc)
import Glibc
#endif

/// The kernel's read lease and the `/proc` scan: a file open for writing is busy, a closed one
/// is held, a symlink is not followed.
final class ClaimHoldTests: XCTestCase {
    func testAFileOpenForWritingIsBusyUntilItsWriterCloses() throws {
        let folder = try intakeTemporaryFolder(self)
        let path = folder.appendingPathComponent("slow.json").path
        let writer = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        XCTAssertGreaterThanOrEqual(writer, 0)
        XCTAssertEqual(write(writer, "{\"a\":", 5), 5)
        guard case .busy = ClaimHold.take(path) else { return XCTFail("taken while open for writing") }
        close(writer)
        guard case .held(let hold) = ClaimHold.take(path) else { return XCTFail("not held after the writer closed") }
        XCTAssertEqual(try hold.read(limit: 100), Data("{\"a\":".utf8))
        XCTAssertEqual(try hold.read(limit: 2), Data("{\"a".utf8), "limit + 1 bytes at most")
    }

    func testProcSeesThisProcessWritingAndNotReading() throws {
        let folder = try intakeTemporaryFolder(self)
        let path = folder.appendingPathComponent("f.yaml").path
        try intakeWriteFile(URL(fileURLWithPath: path), "x")
        var info = stat()
        XCTAssertEqual(stat(path, &info), 0)
        let (device, inode) = (UInt64(info.st_dev), UInt64(info.st_ino))
        let reader = open(path, O_RDONLY)
        XCTAssertFalse(OpenWriters.isOpenForWriting(device: device, inode: inode), "a reader is not a writer")
        let writer = open(path, O_RDWR)
        XCTAssertTrue(OpenWriters.isOpenForWriting(device: device, inode: inode))
        close(writer)
        XCTAssertFalse(OpenWriters.isOpenForWriting(device: device, inode: inode))
        close(reader)
    }

    func testASymlinkIsNotFollowed() throws {
        let folder = try intakeTemporaryFolder(self)
        let target = folder.appendingPathComponent("target.yaml")
        try intakeWriteFile(target, "x")
        let link = folder.appendingPathComponent("link.yaml").path
        XCTAssertEqual(symlink(target.path, link), 0)
        guard case .symlink = ClaimHold.take(link) else { return XCTFail("a symlink was opened") }
        guard case .gone = ClaimHold.take(folder.appendingPathComponent("none.yaml").path) else { return XCTFail() }
    }
}
