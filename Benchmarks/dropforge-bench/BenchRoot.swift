import DropForgeKit
import Foundation
import Synchronization
import GRDB
#if canImport(Glibc)
import Glibc
#endif

/// A fresh dropforge root in a temporary folder, made by the real `dropforge init`, and the
/// real binary run on it: the benchmarks measure what a user runs, not an in-process copy.
final class BenchRoot {
    let binary: URL
    let layout: RootLayout

    init(binary: URL) throws {
        self.binary = binary
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-bench-\(UUID().uuidString)")
        layout = RootLayout(root: url)
        let status = try start(["init"]).waitForExit()
        guard status == 0 else { throw BenchError("dropforge init failed on \(url.path)") }
    }

    /// Roots are removed when every benchmark has run, not as each run ends: deleting a run's
    /// tens of thousands of files right before the next run is measured makes that run pay for
    /// it (ext4 without a journal skips inodes deleted in the last seconds when it allocates new
    /// ones, reading each), which a daemon in service never sees.
    deinit { Self.finished.withLock { $0.append(layout.root) } }

    private static let finished = Mutex<[URL]>([])

    /// Removes the roots of every finished benchmark run.
    static func removeFinished() {
        for root in finished.withLock({ roots in defer { roots.removeAll() }; return roots }) {
            try? FileManager.default.removeItem(at: root)
        }
    }

    /// Starts `dropforge ARGS --root ROOT` with its output thrown away (a full pipe would stall it).
    /// `environment` is added to this process's own.
    func start(_ arguments: [String], environment: [String: String] = [:]) throws -> Child {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments + ["--root", layout.root.path]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return Child(process: process)
    }

    /// A one-item images manifest: local renderer, the default profile (quality check,
    /// metadata and export all on).
    static func manifest(number: Int, size: Int, items: Int = 1) -> String {
        """
        version: 1
        kind: images
        name: bench-\(number)
        params:
          template: "a {keyword} with red and blue circles"
          keywords: ["owl"]
          count: \(items)
          size: \(size)
          seed: \(number)

        """
    }

    /// Writes manifest `number` into `inbox/.tmp/`; `publish` renames it into the inbox.
    func stage(number: Int, size: Int, items: Int = 1) throws -> URL {
        let file = layout.inboxTemp.appendingPathComponent("bench-\(number).yaml")
        try Data(Self.manifest(number: number, size: size, items: items).utf8).write(to: file)
        return file
    }

    func publish(_ staged: URL) throws {
        let target = layout.inbox.appendingPathComponent(staged.lastPathComponent)
        guard rename(staged.path, target.path) == 0 else {
            throw BenchError("cannot rename \(staged.lastPathComponent) into the inbox: \(String(cString: strerror(errno)))")
        }
    }

    /// Writes `count` manifests straight into the inbox, as a backlog waiting for dropforge.
    func fillInbox(count: Int, size: Int, items: Int = 1) throws {
        try FileManager.default.createDirectory(at: layout.inboxTemp, withIntermediateDirectories: true)
        for number in 0..<count { try publish(try stage(number: number, size: size, items: items)) }
    }

    func count(_ folder: URL) -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: folder.path).filter { !$0.hasPrefix(".") }.count) ?? 0
    }

    private var store: DatabaseQueue?

    /// The store, opened read-only beside the running daemon (WAL readers never block it), once:
    /// the benchmarks poll it.
    func database() throws -> DatabaseQueue {
        if let store { return store }
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        let opened = try DatabaseQueue(path: layout.database.path, configuration: configuration)
        store = opened
        return opened
    }
}

/// A started `dropforge` process.
struct Child {
    let process: Process
    var pid: Int32 { process.processIdentifier }

    func waitForExit() -> Int32 {
        process.waitUntilExit()
        return process.terminationStatus
    }

    func stop() -> Int32 {
        kill(pid, SIGTERM)
        return waitForExit()
    }

    /// Peak resident memory so far (`VmHWM`), in MiB; nil once the process is gone.
    var peakMemoryMiB: Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kib / 1024
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Seconds on a clock that never jumps, for intervals measured inside the bench.
func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Polls `condition` every `interval` until it holds or `timeout` passes.
func waitUntil(timeout: Double, interval: Double = 0.01, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = monotonicSeconds() + timeout
    while monotonicSeconds() < deadline {
        if try condition() { return true }
        usleep(UInt32(interval * 1_000_000))
    }
    return try condition()
}
