import Foundation
#if canImport(Glibc)
import Glibc
import DropForgeCore
import DropForgeStore
#endif

/// Runs the stages: a pool of worker threads per stage claims steps from the store, runs them
/// and records the outcome. A heartbeat thread renews this process's leases and hands back the
/// leases of dead processes on this host. Worker threads (not async tasks) because stage work
/// is blocking — libpng, SQLite, files — and must not starve anything else.
// @unchecked Sendable: mutable state is guarded by the `lock` condition (an NSCondition, not a Mutex: idle workers wait on it); the rest is set once in init.
public final class Engine: @unchecked Sendable {
    public struct Options: Sendable {
        public var workers: [Stage: Int]
        public var leaseSeconds: TimeInterval
        public var heartbeatSeconds: TimeInterval
        public var retry: RetryPolicy

        public init(workers: [Stage: Int], leaseSeconds: TimeInterval, heartbeatSeconds: TimeInterval, retry: RetryPolicy) {
            self.workers = workers
            self.leaseSeconds = leaseSeconds
            self.heartbeatSeconds = heartbeatSeconds
            self.retry = retry
        }
    }

    private let store: JobStore
    private let layout: RootLayout
    private let owner: OwnerIdentity
    private let log: EventLog
    private let runners: [Stage: StageRunner]
    private let options: Options

    private let lock = NSCondition()
    private var stopping = false
    private var inFlight = 0
    /// The cancel switch of each step running here, by step id (`jobs cancel`).
    private var running: [Int64: StepCancellation] = [:]
    /// Bumped to wake a stage's idle workers: by `ring()` for all stages, and after each
    /// finished step for the stages after it. A worker whose stage was not rung sleeps on,
    /// so a finished step costs one wake-up of the stages that may have work, not a claim
    /// attempt (a write transaction) by every idle worker of the engine.
    private var wakeups: [Stage: Int] = [:]

    public init(store: JobStore, layout: RootLayout, owner: OwnerIdentity, log: EventLog,
                runners: [StageRunner], options: Options) {
        self.store = store
        self.layout = layout
        self.owner = owner
        self.log = log
        self.runners = Dictionary(uniqueKeysWithValues: runners.map { ($0.stage, $0) })
        self.options = options
    }

    /// Steps this process is running right now.
    public var stepsInFlight: Int { lock.withLock { inFlight } }

    public func start() {
        reapDeadOwners()
        for stage in Stage.allCases {
            guard let runner = runners[stage] else { continue }
            for number in 0..<max(1, options.workers[stage] ?? 1) {
                spawn(name: "\(stage.rawValue)-\(number)") { [self] in
                    Self.yieldToIntake()
                    workerLoop(runner)
                }
            }
        }
        spawn(name: "heartbeat") { [self] in heartbeatLoop() }
    }

    /// Wakes idle workers: new steps may be waiting (called after intake admits jobs).
    public func ring() {
        ring(Stage.allCases)
    }

    private func ring(_ stages: [Stage]) {
        lock.withLock {
            for stage in stages { wakeups[stage, default: 0] += 1 }
            lock.broadcast()
        }
    }

    /// Stops claiming, waits up to `grace` seconds for steps in flight, then gives back every
    /// lease this process holds so the next start (or another process) resumes at once.
    @discardableResult
    public func stop(grace: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(grace)
        let finished: Bool = lock.withLock {
            stopping = true
            lock.broadcast()
            while inFlight > 0 && Date() < deadline {
                _ = lock.wait(until: min(deadline, Date().addingTimeInterval(0.05)))
            }
            return inFlight == 0
        }
        try? store.releaseLeases(owner: owner.id, countAttempt: false)
        return finished
    }

    private func spawn(name: String, _ body: @escaping @Sendable () -> Void) {
        let thread = Thread(block: body)
        thread.name = "dropforge-\(name)"
        thread.stackSize = 4 << 20
        thread.start()
    }

    /// Stage workers run at nice +5 (Linux nice is per thread): when the cores are busy
    /// rendering, a manifest renamed into the inbox is still claimed within milliseconds,
    /// because the watcher's thread keeps the process's normal priority.
    private static func yieldToIntake() {
        #if os(Linux)
        // `who` 0 is the calling thread on Linux.
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        _ = setpriority(which, 0, getpriority(which, 0) + 5)
        #endif
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func workerLoop(_ runner: StageRunner) {
        var idle: TimeInterval = 0.002
        while true {
            // Counted in flight before the claim, so `stop` also waits for a claim in progress.
            // The stage's wake-up count before the claim: a ring during the claim is not missed.
            let rung: Int? = lock.withLock {
                guard !stopping else { return nil }
                inFlight += 1
                return wakeups[runner.stage, default: 0]
            }
            guard let rung else { return }
            let lease = try? store.claimStep(stage: runner.stage, owner: owner.id,
                                             leaseSeconds: options.leaseSeconds, now: Date())
            if let lease {
                execute(lease, with: runner)
                ring(Array(Stage.allCases.drop { $0 != runner.stage }.dropFirst()))  // the stages after it
                idle = 0.002
            }
            lock.withLock {
                inFlight -= 1
                lock.broadcast()
                // Idle: sleep until this stage is rung, backing off to 100 ms.
                if lease == nil {
                    let until = Date().addingTimeInterval(idle)
                    while !stopping && wakeups[runner.stage, default: 0] == rung && lock.wait(until: until) {}
                }
            }
            if lease == nil { idle = min(0.1, idle * 2) }
        }
    }

    private func execute(_ lease: StepLease, with runner: StageRunner) {
        let token = StepCancellation()
        let stepID = lease.step.id ?? -1
        lock.withLock { running[stepID] = token }
        defer { lock.withLock { _ = running.removeValue(forKey: stepID) } }
        let outcome: StepOutcome
        do {
            outcome = try StepCancellation.with(token) { try runner.run(lease) }
        } catch {
            if token.isCancelled {
                // The store closes the step of a cancelled execution; no retry, no error.
                log.record(.info, lease, event: "cancelled", message: "stopped: the job was cancelled")
                try? store.fail(lease, failure: StageFailure(stage: lease.step.stage.rawValue, code: .cancelled,
                                                             message: "cancelled", attempts: lease.step.attempts),
                                retryAt: nil, now: Date())
                return
            }
            recordFailure(error, of: lease)
            return
        }
        do {
            try store.complete(lease, with: outcome, now: Date())
        } catch {
            // The work is done but could not be recorded: not the step's fault. The lease expires
            // and the step runs again; its output is written by rename, so a re-run is harmless.
            log.record(.error, lease, event: "store_error", message: "cannot record the result: \(error)")
        }
    }

    /// Logs a failed attempt and tells the store: retry later (transient) or fail for good.
    private func recordFailure(_ error: Error, of lease: StepLease) {
        let stepError = StepError.classify(error)
        let attempt = lease.step.attempts
        let delay = options.retry.delay(after: attempt, error: stepError)
        let failure = StageFailure(stage: lease.step.stage.rawValue, code: stepError.code,
                                   message: stepError.message, attempts: attempt)
        if let delay {
            log.record(.warning, lease, event: "retry", message: "attempt \(attempt) failed (\(stepError)); retrying in \(String(format: "%.1f", delay)) s")
        } else {
            log.record(.error, lease, event: "failed", message: "attempt \(attempt) failed: \(stepError)")
        }
        do {
            try store.fail(lease, failure: failure, retryAt: delay.map { Date().addingTimeInterval($0) }, now: Date())
        } catch {
            // The lease will expire and another attempt will be made; nothing is lost.
            log.record(.error, lease, event: "store_error", message: "cannot record the failure: \(error)")
        }
    }

    private func heartbeatLoop() {
        var lastBeat = Date()
        var lastReap = Date()
        while !isStopping {
            Thread.sleep(forTimeInterval: 0.2)
            if Date().timeIntervalSince(lastBeat) >= options.heartbeatSeconds {
                try? store.renewLeases(owner: owner.id, until: Date().addingTimeInterval(options.leaseSeconds))
                lastBeat = Date()
            }
            abortCancelledSteps()
            if Date().timeIntervalSince(lastReap) >= 2 {
                reapDeadOwners()
                lastReap = Date()
            }
        }
    }

    /// Cancels the steps running here whose job was cancelled (checked every 0.2 s, so calls in
    /// flight stop well within a second).
    private func abortCancelledSteps() {
        let held = lock.withLock { running }
        guard !held.isEmpty, let cancelled = try? store.cancelledLeases(owner: owner.id) else { return }
        for id in cancelled { held[id]?.cancel() }
    }

    /// Hands back the leases of processes on this host that died without releasing them.
    private func reapDeadOwners() {
        guard let owners = try? store.leaseOwners() else { return }
        for other in owners where other != owner.id && !OwnerIdentity.isAlive(other, layout: layout) {
            try? store.releaseLeases(owner: other, countAttempt: true)
        }
    }
}
