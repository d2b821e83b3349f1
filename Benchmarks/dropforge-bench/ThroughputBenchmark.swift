import Foundation
import GRDB

/// 2. Drain throughput: `jobs` one-item images manifests waiting in the inbox, then
/// `dropforge drain` through every stage and the export; jobs (= items) per second of the
/// whole run, and each stage's busy time per job from the store's step records.
struct ThroughputBenchmark {
    let binary: URL
    let jobs: Int
    let size: Int
    /// Items per manifest: 1 for the tiny-job figures, 100 to see that big jobs scale.
    var itemsPerJob = 1

    struct Run {
        let jobsPerSecond: Double
        let itemsPerSecond: Double
        /// Stage → milliseconds of step time per job (summed over the workers).
        let stageMilliseconds: [String: Double]
        /// User + system CPU of the drain process, per job.
        let cpuMillisecondsPerJob: Double
        /// The store's write transactions per job, as the drain counted them.
        let writeTransactionsPerJob: Double
        /// fsync/fdatasync/syncfs calls per job, as the drain counted them.
        let fsyncsPerJob: Double
    }

    func run() throws -> Run {
        let root = try BenchRoot(binary: binary)
        try root.fillInbox(count: jobs, size: size, items: itemsPerJob)
        let countersFile = root.layout.root.appendingPathComponent("counters.json")
        let cpuBefore = childrenCPUSeconds()
        let started = monotonicSeconds()
        let status = try root.start(["drain"], environment: ["DROPFORGE_COUNTERS_FILE": countersFile.path]).waitForExit()
        let elapsed = monotonicSeconds() - started
        let cpu = childrenCPUSeconds() - cpuBefore
        let counters = (try? JSONSerialization.jsonObject(with: Data(contentsOf: countersFile))) as? [String: Double] ?? [:]
        guard status == 0 else { throw BenchError("drain exited with \(status)") }
        let results = root.count(root.layout.results), failures = root.count(root.layout.failures)
        // A 100-item job whose items QC finds too alike may publish under failures/ — still done.
        guard results + failures == jobs, itemsPerJob > 1 || failures == 0 else {
            throw BenchError("drain published \(results) results and \(failures) failures of \(jobs) jobs")
        }
        let (items, stages) = try root.database().read { db -> (Int, [String: Double]) in
            let items = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM items WHERE status IN ('approved', 'rejected')") ?? 0
            let rows = try Row.fetchAll(db, sql: """
                SELECT stage, SUM(julianday(finished_at) - julianday(started_at)) * 86400000.0 AS ms
                FROM steps WHERE finished_at IS NOT NULL GROUP BY stage
                """)
            return (items, Dictionary(uniqueKeysWithValues: rows.map { ($0["stage"] as String, ($0["ms"] as Double) / Double(jobs)) }))
        }
        return Run(jobsPerSecond: Double(jobs) / elapsed, itemsPerSecond: Double(items) / elapsed, stageMilliseconds: stages,
                   cpuMillisecondsPerJob: cpu * 1000 / Double(jobs),
                   writeTransactionsPerJob: (counters["write_transactions"] ?? 0) / Double(jobs),
                   fsyncsPerJob: (counters["fsyncs"] ?? 0) / Double(jobs))
    }
}

/// User + system CPU of every child this process has waited for.
func childrenCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1_000_000 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
