import Foundation

/// 3. Scale: `jobs` manifests waiting in the inbox when `dropforge drain` starts; the time to
/// the first published result, and the drain's peak resident memory (`VmHWM`, sampled every
/// 50 ms until it exits) over the whole backlog.
struct ScaleBenchmark {
    let binary: URL
    let jobs: Int

    struct Run {
        let firstResultSeconds: Double
        let peakMemoryMiB: Double
        let totalSeconds: Double
    }

    func run() throws -> Run {
        let root = try BenchRoot(binary: binary)
        try root.fillInbox(count: jobs, size: 64)
        let started = monotonicSeconds()
        let drain = try root.start(["drain"])
        var firstResult: Double?
        var peak = 0.0
        while drain.process.isRunning {
            if let now = drain.peakMemoryMiB { peak = max(peak, now) }
            if firstResult == nil, root.count(root.layout.results) > 0 { firstResult = monotonicSeconds() - started }
            usleep(50_000)
        }
        let total = monotonicSeconds() - started
        guard drain.waitForExit() == 0 else { throw BenchError("drain exited with \(drain.process.terminationStatus)") }
        let results = root.count(root.layout.results)
        guard results == jobs else { throw BenchError("drain published \(results) results of \(jobs)") }
        return Run(firstResultSeconds: firstResult ?? total, peakMemoryMiB: peak, totalSeconds: total)
    }
}
