import Foundation
import GRDB

/// 1. Pickup latency: an idle `watch`; manifests renamed into `inbox/` one by one, `interval`
/// apart; the time from each rename to its claim (the job's `created_at`, which the intake
/// stamps right after its own rename into `inbox/.processing/`).
///
/// Both clocks are the wall clock of this machine; the store keeps milliseconds, so each
/// latency is good to about ±1 ms.
struct PickupBenchmark {
    let binary: URL
    let manifests: Int
    let interval: Double

    struct Run {
        let p50: Double, p99: Double, max: Double
    }

    func run() throws -> Run {
        let root = try BenchRoot(binary: binary)
        let watch = try root.start(["watch"])
        defer { _ = watch.stop() }
        try FileManager.default.createDirectory(at: root.layout.inboxTemp, withIntermediateDirectories: true)

        // Warm up: the daemon is up once it has claimed one manifest.
        try root.publish(try root.stage(number: -1, size: 64))
        guard waitUntil(timeout: 30, { jobCount(root) == 1 }) else {
            throw BenchError("watch did not claim its first manifest within 30 s")
        }
        usleep(500_000)

        var renamed: [String: Date] = [:]
        var next = monotonicSeconds()
        for number in 0..<manifests {
            let staged = try root.stage(number: number, size: 64)
            next += interval
            let wait = next - monotonicSeconds()
            if wait > 0 { usleep(UInt32(wait * 1_000_000)) }
            renamed[staged.lastPathComponent] = Date()
            try root.publish(staged)
        }
        guard waitUntil(timeout: 60, interval: 0.1, { jobCount(root) == manifests + 1 }) else {
            throw BenchError("only \(jobCount(root)) of \(manifests + 1) manifests were claimed within 60 s")
        }
        let claimed = try root.database().read { db in
            try Row.fetchAll(db, sql: "SELECT source_name, created_at FROM jobs")
                .map { (name: $0["source_name"] as String, at: $0["created_at"] as Date) }
        }
        var latencies = Sample()
        for job in claimed {
            guard let sent = renamed[job.name] else { continue }
            latencies.add(max(0, job.at.timeIntervalSince(sent)) * 1000)
        }
        guard latencies.count == manifests else { throw BenchError("matched \(latencies.count) claims of \(manifests)") }
        return Run(p50: latencies.percentile(50), p99: latencies.percentile(99), max: latencies.max)
    }

    /// 0 until the daemon has made its store.
    private func jobCount(_ root: BenchRoot) -> Int {
        (try? root.database().read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM jobs") ?? 0 }) ?? 0
    }
}
