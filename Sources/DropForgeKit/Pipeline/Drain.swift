import Foundation
import DropForgeStore
import DropForgeCore

/// `dropforge drain`: rescan the inbox once, claim everything, run until nothing is left, exit
/// (DESIGN §2). Safe beside a running `watch` or another `drain`: claims and leases keep them
/// from doubling work. `jobs retry` and `jobs rerun` use it too, to run the executions they add.
public struct Drain {
    /// The documented exit codes.
    public enum Outcome: Int32, Sendable {
        case allFinished = 0
        case someFailed = 1
        case usageError = 2
        case timedOut = 3
    }

    public struct Report: Sendable {
        public var outcome: Outcome
        public var completed: Int
        public var failed: Int
        public var unfinished: Int
    }

    let runtime: Runtime
    let timeout: TimeInterval?
    let signals: SignalTrap
    /// Called about four times a second while jobs run (a progress bar, or nothing).
    var onProgress: ((DrainProgress) -> Void)?

    public init(runtime: Runtime, timeout: TimeInterval?, signals: SignalTrap,
                onProgress: ((DrainProgress) -> Void)? = nil) {
        self.runtime = runtime
        self.timeout = timeout
        self.signals = signals
        self.onProgress = onProgress
    }

    /// Drains the inbox and whatever earlier runs left unfinished. Beside a running `watch`, the
    /// unfinished jobs are the watch's to finish: only what this drain claims is waited for
    /// (its exit code is about its own jobs), unless `waitingForAll`.
    public func run(waitingForAll: Bool = false) throws -> Report {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        let intake = runtime.intake
        var tracked = Set(intake.adoptOrphans())
        if waitingForAll || LockFile.isHeld(at: runtime.layout.watchLock(shared: runtime.config.store.isShared).path) != true {
            tracked.formUnion(try runtime.store.unfinishedJobIDs())
        }
        runtime.startWork()

        // Intake: one rescan, then wait only for files that are still being written.
        tracked.formUnion(intake.scan())
        runtime.engine.ring()
        while intake.waiting > 0, !signals.stopRequested, deadline.map({ Date() < $0 }) ?? true {
            let wait = intake.nextCheck().map { max(0.01, $0 - Date().timeIntervalSince1970) } ?? 0.05
            Thread.sleep(forTimeInterval: min(wait, 0.1))
            tracked.formUnion(intake.recheckWaiting())
            runtime.engine.ring()
        }
        return try finish(tracked, deadline: deadline)
    }

    /// Runs until the given jobs (already queued in the store) are published.
    public func run(jobs: [String]) throws -> Report {
        let deadline = timeout.map { Date().addingTimeInterval($0) }
        runtime.startWork()
        runtime.engine.ring()
        return try finish(Set(jobs), deadline: deadline)
    }

    private func finish(_ tracked: Set<String>, deadline: Date?) throws -> Report {
        let started = Date()
        var lastProgress = Date.distantPast
        var timedOut = false
        // Only jobs not yet seen finished are asked about again: the poll stays cheap as they end.
        var open = tracked
        while !signals.stopRequested {
            let statuses = try runtime.store.statuses(jobIDs: Array(open))
            open = open.filter { statuses[$0].map { !$0.isFinished } ?? false }  // a deleted job is not waited for
            if let onProgress, Date().timeIntervalSince(lastProgress) >= 0.25 || open.isEmpty {
                lastProgress = Date()
                var progress = try runtime.store.progress(jobIDs: Array(tracked))
                progress.elapsed = Date().timeIntervalSince(started)
                onProgress(progress)
            }
            if open.isEmpty { break }
            if let deadline, Date() >= deadline {
                timedOut = true
                break
            }
            // A long backlog is asked about less often; the last few jobs are seen ending at once.
            Thread.sleep(forTimeInterval: open.count > 200 ? 0.2 : 0.02)
        }
        runtime.stopWork(grace: timedOut ? 1 : TimeInterval(runtime.config.shutdownGraceSeconds))

        let statuses = try runtime.store.statuses(jobIDs: Array(tracked))
        let completed = statuses.values.filter { $0 == .completed }.count
        let failed = statuses.values.filter { $0 == .failed || $0 == .cancelled }.count
        let unfinished = tracked.count - completed - failed
        let outcome: Outcome = timedOut ? .timedOut : failed > 0 ? .someFailed : .allFinished
        return Report(outcome: outcome, completed: completed, failed: failed, unfinished: unfinished)
    }
}
