import Foundation

/// 3. Scale: `jobs` manifests waiting in the inbox when `dropforge drain` starts. Measured: the
/// time to the first published result, the time until the whole backlog is claimed (out of the
/// inbox and into the store), and the drain's peak resident memory (`VmHWM`, sampled every
/// 50 ms) until then and 2 s beyond. The drain is then stopped with SIGTERM: running the
/// rest of the backlog measures throughput again, which benchmark 2 does.
struct ScaleBenchmark {
    let binary: URL
    let jobs: Int

    struct Run {
        let firstResultSeconds: Double
        let allClaimedSeconds: Double
        let peakMemoryMiB: Double
    }

    func run() throws -> Run {
        let root = try BenchRoot(binary: binary)
        try root.fillInbox(count: jobs, size: 64)
        let started = monotonicSeconds()
        let drain = try root.start(["drain"])
        var firstResult: Double?, allClaimed: Double?
        var peak = 0.0
        while drain.process.isRunning {
            if let now = drain.peakMemoryMiB { peak = max(peak, now) }
            let elapsed = monotonicSeconds() - started
            if firstResult == nil, root.count(root.layout.results) > 0 { firstResult = elapsed }
            if allClaimed == nil, root.count(root.layout.inbox) == 0 { allClaimed = elapsed }
            if let allClaimed, firstResult != nil, elapsed > allClaimed + 2 { break }
            usleep(50_000)
        }
        let status = drain.stop()
        guard let firstResult, let allClaimed else {
            throw BenchError("drain exited (\(status)) before it claimed the backlog and published a result")
        }
        return Run(firstResultSeconds: firstResult, allClaimedSeconds: allClaimed, peakMemoryMiB: peak)
    }
}
