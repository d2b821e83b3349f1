import Foundation
import XCTest
@testable import DropForgeKit
#if canImport(Glibc)
import Glibc
@testable import DropForgeCore
@testable import DropForgeStore
#endif

/// Writing when there is no room, simulated with a file-size limit on this process
/// (RLIMIT_FSIZE with SIGXFSZ ignored: a write past it fails with EFBIG, as the daemon's do).
/// Nothing is asserted while the limit holds, so XCTest's own output is never cut short.
final class FullDiskTests: XCTestCase {
    private func folder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-full-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Runs `body` with the soft file-size limit set to `bytes`, then restores limit and signal.
    private func withFileSizeLimit<T>(_ bytes: Int, _ body: () throws -> T) rethrows -> T {
        var saved = rlimit()
        getrlimit(RLIMIT_FSIZE_CONSTANT, &saved)
        let previous = signal(SIGXFSZ, SIG_IGN)
        var limited = saved
        limited.rlim_cur = rlim_t(bytes)
        setrlimit(RLIMIT_FSIZE_CONSTANT, &limited)
        defer {
            setrlimit(RLIMIT_FSIZE_CONSTANT, &saved)
            signal(SIGXFSZ, previous)
        }
        return try body()
    }

    private var RLIMIT_FSIZE_CONSTANT: __rlimit_resource_t { __rlimit_resource_t(RLIMIT_FSIZE.rawValue) }

    func testAnAppendThatDoesNotFitLeavesNoHalfLine() throws {
        let file = try folder().appendingPathComponent("index.jsonl")
        let line = Data((#"{"job":"cats-abc123","status":"completed","pad":""# + String(repeating: "x", count: 300) + "\"}\n").utf8)
        var appended = 0
        let failure: Error? = withFileSizeLimit(4096) {
            for _ in 0..<100 {
                do { try FileSystem.append(line, to: file) } catch { return error }
                appended += 1
            }
            return nil
        }
        let error = try XCTUnwrap(failure, "4 KB cannot hold 100 lines")
        XCTAssertEqual(appended, 4096 / line.count)
        let data = try Data(contentsOf: file)
        XCTAssertEqual(data.count, appended * line.count, "the part of the line that fit was cut off again")
        XCTAssertEqual(data.last, 0x0A)
        XCTAssertTrue("\(error.localizedDescription)".contains("file-size limit"), error.localizedDescription)
        XCTAssertEqual(StepError.classify(error).code, "no_space")
        XCTAssertTrue(StepError.classify(error).isTransient)
    }

    func testAnAtomicWriteThatDoesNotFitLeavesNothing() throws {
        let folder = try folder()
        let target = folder.appendingPathComponent("0001.png")
        let failure: Error? = withFileSizeLimit(4096) {
            do { try FileSystem.writeAtomically(Data(repeating: 7, count: 10_000), to: target) } catch { return error }
            return nil
        }
        let error = try XCTUnwrap(failure)
        XCTAssertTrue(error.localizedDescription.contains("cannot write") && error.localizedDescription.contains("file-size limit"),
                      error.localizedDescription)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), [], "no partial file, no temporary file")
    }

    /// The WAL grows past the limit long before the data does: the store checkpoints and
    /// truncates it and carries on, losing nothing.
    func testTheStoreKeepsWritingPastItsLogsLimit() throws {
        let path = try folder().appendingPathComponent("state.sqlite").path
        let store = try SQLiteJobStore(path: path)
        let message = String(repeating: "m", count: 200)
        let failure: Error? = withFileSizeLimit(256 << 10) {
            for number in 0..<400 {
                let event = EventRecord(id: nil, ts: Date(), level: "info", job: "job-1", execution: nil, item: number,
                                        stage: nil, event: "e\(number)", message: message)
                do { try store.append(event) } catch { return error }
            }
            return nil
        }
        XCTAssertNil(failure, "\(failure.map { "\($0)" } ?? "")")
        XCTAssertEqual(try store.events(jobID: "job-1", after: 0).count, 400)
        let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int ?? 0
        XCTAssertLessThanOrEqual(wal, 256 << 10)
    }

    /// When the data itself does not fit, the error says so plainly, and the store works again
    /// once there is room.
    func testAStoreThatCannotGrowSaysSoAndRecovers() throws {
        let path = try folder().appendingPathComponent("state.sqlite").path
        let store = try SQLiteJobStore(path: path)
        let message = String(repeating: "m", count: 4000)
        var stored = 0
        let failure: Error? = withFileSizeLimit(96 << 10) {
            for number in 0..<200 {
                let event = EventRecord(id: nil, ts: Date(), level: "info", job: "job-1", execution: nil, item: number,
                                        stage: nil, event: "e\(number)", message: message)
                do { try store.append(event) } catch { return error }
                stored += 1
            }
            return nil
        }
        let error = try XCTUnwrap(failure as? StoreSpaceError, "\(String(describing: failure))")
        XCTAssertTrue(error.description.contains("no space") && error.description.contains(path), error.description)
        XCTAssertEqual(try store.events(jobID: "job-1", after: 0).count, stored, "what was stored is still there")
        try store.append(EventRecord(id: nil, ts: Date(), level: "info", job: "job-1", execution: nil, item: nil,
                                     stage: nil, event: "after", message: "room again"))
        XCTAssertEqual(try store.events(jobID: "job-1", after: 0).count, stored + 1)
    }
}
