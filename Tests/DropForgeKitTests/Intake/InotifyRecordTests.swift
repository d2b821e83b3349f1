import Glibc
import XCTest
@testable import DropForgeKit

/// The kernel's record format, built by hand: IN_Q_OVERFLOW cannot be provoked in a test
/// without changing fs.inotify.max_queued_events.
final class InotifyRecordTests: XCTestCase {
    /// Appends one `struct inotify_event`, padding the name like the kernel does
    /// (NUL-terminated, then to a multiple of 16 bytes).
    private func append(_ bytes: inout [UInt8], wd: Int32, mask: Int32, cookie: UInt32 = 0, name: String? = nil) {
        var nameBytes: [UInt8] = []
        if let name {
            nameBytes = Array(name.utf8) + [0]
            while nameBytes.count % 16 != 0 { nameBytes.append(0) }
        }
        withUnsafeBytes(of: wd.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt32(bitPattern: mask).littleEndian) { bytes += $0 }
        withUnsafeBytes(of: cookie.littleEndian) { bytes += $0 }
        withUnsafeBytes(of: UInt32(nameBytes.count).littleEndian) { bytes += $0 }
        bytes += nameBytes
    }

    private func parse(_ bytes: [UInt8]) -> [InotifyRecord] {
        bytes.withUnsafeBytes { InotifyRecord.parse($0) }
    }

    func testParsesOverflowAndNormalRecords() {
        var bytes: [UInt8] = []
        append(&bytes, wd: 1, mask: IN_MOVED_TO, cookie: 77, name: "a.json")
        append(&bytes, wd: -1, mask: IN_Q_OVERFLOW)
        append(&bytes, wd: 1, mask: IN_CLOSE_WRITE, name: "exactly-16-bytes.yaml")  // name > 16: 2 pads
        append(&bytes, wd: 1, mask: IN_CLOSE_WRITE, name: "123456789012.yml")      // 16 chars + NUL
        let records = parse(bytes)
        XCTAssertEqual(records, [
            InotifyRecord(wd: 1, mask: UInt32(IN_MOVED_TO), cookie: 77, name: "a.json"),
            InotifyRecord(wd: -1, mask: UInt32(IN_Q_OVERFLOW), cookie: 0, name: ""),
            InotifyRecord(wd: 1, mask: UInt32(IN_CLOSE_WRITE), cookie: 0, name: "exactly-16-bytes.yaml"),
            InotifyRecord(wd: 1, mask: UInt32(IN_CLOSE_WRITE), cookie: 0, name: "123456789012.yml"),
        ])
        XCTAssertEqual(records.compactMap(\.inboxEvent), [
            .arrived("a.json"), .rescan(.overflow), .written("exactly-16-bytes.yaml"), .written("123456789012.yml"),
        ])
        XCTAssertTrue(records[1].isOverflow)
        XCTAssertFalse(records[0].isOverflow)
    }

    func testFiltersNamesDirectoriesAndIgnoredWatch() {
        var bytes: [UInt8] = []
        append(&bytes, wd: 1, mask: IN_CLOSE_WRITE, name: ".hidden.json")
        append(&bytes, wd: 1, mask: IN_CLOSE_WRITE, name: "x.json.tmp")
        append(&bytes, wd: 1, mask: IN_MOVED_TO | IN_ISDIR, name: "folder.json")
        append(&bytes, wd: 1, mask: IN_MOVED_TO, name: "notes.txt")
        append(&bytes, wd: 1, mask: IN_IGNORED)
        append(&bytes, wd: 1, mask: IN_MOVED_TO, name: "ok.yaml")
        let records = parse(bytes)
        XCTAssertEqual(records.count, 6)
        XCTAssertEqual(records.compactMap(\.inboxEvent), [.arrived("ok.yaml")])
        XCTAssertTrue(records[4].isWatchRemoved)
    }

    func testTruncatedTrailingRecordIsIgnored() {
        var bytes: [UInt8] = []
        append(&bytes, wd: 1, mask: IN_MOVED_TO, name: "a.json")
        var second: [UInt8] = []
        append(&second, wd: 1, mask: IN_MOVED_TO, name: "b.json")
        XCTAssertEqual(parse(bytes + second.prefix(20)).compactMap(\.inboxEvent), [.arrived("a.json")])
        XCTAssertEqual(parse(bytes + second.prefix(10)).compactMap(\.inboxEvent), [.arrived("a.json")])
        XCTAssertEqual(parse([]), [])
    }

    func testInvalidUTF8NameIsSkipped() {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: Int32(1)) { bytes += $0 }
        withUnsafeBytes(of: UInt32(IN_MOVED_TO)) { bytes += $0 }
        withUnsafeBytes(of: UInt32(0)) { bytes += $0 }
        withUnsafeBytes(of: UInt32(16)) { bytes += $0 }
        bytes += [0xFF, 0xFE] + Array(".json".utf8)
        bytes += [UInt8](repeating: 0, count: 16 - 7)
        let records = parse(bytes)
        XCTAssertEqual(records.count, 1)
        XCTAssertNil(records[0].name)
        XCTAssertNil(records[0].inboxEvent)
    }
}
