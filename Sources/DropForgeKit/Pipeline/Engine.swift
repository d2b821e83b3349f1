import Foundation
import Synchronization
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
        public var retry: RetryRules
        /// Steps a worker leases at once, by stage (1 when absent). Where steps are small
        /// (parameters, export) a worker leases a few, runs them and records them together:
        /// two transactions for the lot instead of two each.
        public var batch: [Stage: Int]
        /// A worker that finishes an item's step runs the item's next step itself when that
        /// stage has a free worker slot here: the completion and the next claim are one
        /// transaction. Off, every step is queued and claimed.
        public var carryOn: Bool

        public init(workers: [Stage: Int], leaseSeconds: TimeInterval, heartbeatSeconds: TimeInterval, retry: RetryRules,
                    batch: [Stage: Int] = [:], carryOn: Bool = true) {
            self.workers = workers
            self.leaseSeconds = leaseSeconds
            self.heartbeatSeconds = heartbeatSeconds
            self.retry = retry
            self.batch = batch
            self.carryOn = carryOn
        }

        func slots(_ stage: Stage) -> Int { max(1, workers[stage] ?? 1) }
        func batchSize(_ stage: Stage) -> Int { max(1, batch[stage] ?? 1) }
    }

    private let store: JobStore
    private let layout: RootLayout
    private let owner: OwnerIdentity
    private let log: EventLog
    /// The stage runners, replaced whole when the config is reloaded (``replaceRunners(_:)``);
    /// a step already running keeps the runner it started with.
    private let runners: Mutex<[Stage: StageRunner]>
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
    /// Steps of each stage running here, carried ones included: a stage's workers and the
    /// workers carrying items into it share its `workers` limit.
    private var busy: [Stage: Int] = [:]

    public init(store: JobStore, layout: RootLayout, owner: OwnerIdentity, log: EventLog,
                runners: [StageRunner], options: Options) {
        self.store = store
        self.layout = layout
        self.owner = owner
        self.log = log
        self.runners = Mutex(Self.byStage(runners))
        self.options = options
    }

    private static func byStage(_ runners: [StageRunner]) -> [Stage: StageRunner] {
        Dictionary(uniqueKeysWithValues: runners.map { ($0.stage, $0) })
    }

    /// Steps claimed from now on run with these runners (a reloaded config's providers, limits
    /// and prices). Stages without a runner at start have no workers, so one given now is unused.
    public func replaceRunners(_ replacements: [StageRunner]) {
        runners.withLock { $0.merge(Self.byStage(replacements)) { _, new in new } }
    }

    private func runner(_ stage: Stage) -> StageRunner? {
        runners.withLock { $0[stage] }
    }

    /// The longest idle sleep between claim attempts; set in `start()` before any worker exists.
    private var maxIdle: TimeInterval = 0.1

    /// Steps this process is running right now.
    public var stepsInFlight: Int { lock.withLock { inFlight } }

    public func start() {
        reapDeadOwners()
        // A shared store tells of steps other hosts queue: idle workers then poll only for
        // expired leases, once a second, instead of every 100 ms.
        if store.observeNewSteps({ [weak self] stages in self?.ring(stages) }) { maxIdle = 1 }
        for stage in Stage.allCases {
            guard runner(stage) != nil else { continue }
            for number in 0..<max(1, options.workers[stage] ?? 1) {
                spawn(name: "\(stage.rawValue)-\(number)") { [self] in
                    Self.yieldToIntake()
                    workerLoop(stage)
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

    private func workerLoop(_ stage: Stage) {
        var idle: TimeInterval = 0.002
        while true {
            // Counted in flight before the claim, so `stop` also waits for a claim in progress.
            // The stage's wake-up count before the claim: a ring during the claim is not missed.
            // A stage whose slots are all taken by carried steps does not claim more.
            let ticket: (rung: Int, claims: Bool)? = lock.withLock {
                guard !stopping else { return nil }
                let rung = wakeups[stage, default: 0]
                guard busy[stage, default: 0] < options.slots(stage) else { return (rung, false) }
                inFlight += 1
                return (rung, true)
            }
            guard let ticket else { return }
            var leases: [StepLease] = []
            if ticket.claims, let runner = runner(stage) {
                leases = (try? store.claimSteps(stage: stage, owner: owner.id, leaseSeconds: options.leaseSeconds,
                                                limit: options.batchSize(stage), now: Date())) ?? []
                if !leases.isEmpty {
                    // The slot is taken only now: an idle worker's claim attempt must not keep
                    // another worker from carrying an item into this stage. A claim and a carry
                    // that cross may pass the limit by one step for a moment.
                    lock.withLock { busy[stage, default: 0] += 1 }
                    run(leases, with: runner)
                    lock.withLock { busy[stage, default: 0] -= 1 }
                    idle = 0.002
                }
            }
            lock.withLock {
                if ticket.claims { inFlight -= 1 }
                lock.broadcast()
                // Idle: sleep until this stage is rung, backing off to `maxIdle`.
                if leases.isEmpty {
                    let until = Date().addingTimeInterval(idle)
                    while !stopping && wakeups[stage, default: 0] == ticket.rung && lock.wait(until: until) {}
                }
            }
            if leases.isEmpty { idle = min(maxIdle, idle * 2) }
        }
    }

    /// Runs a claimed batch, one step after the other. A step whose item can be carried on is
    /// recorded at once (with any recorded-later ones before it) and its item followed through
    /// the stages; the others — execution-wide steps like parameters and export — are recorded
    /// together at the end, one transaction for the lot. A stop in between leaves the rest
    /// leased; `stop` hands them back.
    private func run(_ leases: [StepLease], with runner: StageRunner) {
        // Every lease of the batch gets its cancel switch now, so a cancel reaches the waiting ones too.
        let tokens = leases.map(register)
        defer { leases.forEach(unregister) }
        var pending: [StepCompletion] = []
        for (lease, token) in zip(leases, tokens) {
            if isStopping { break }
            let completion = execute(lease, with: runner, token: token)
            guard let stage = reserveCarry(after: completion) else {
                pending.append(completion)
                continue
            }
            var next = carry(pending + [completion], into: stage)
            pending = []
            while let (lease, runner) = next {
                let completion = execute(lease, with: runner, token: register(lease))
                unregister(lease)
                if let stage = reserveCarry(after: completion) {
                    next = carry([completion], into: stage)
                } else {
                    record([completion], carryOn: nil)
                    next = nil
                }
                release(lease.step.stage)
            }
        }
        record(pending, carryOn: nil)
    }

    /// The cancel switch of a step running (or about to run) here, for `jobs cancel`.
    private func register(_ lease: StepLease) -> StepCancellation {
        let token = StepCancellation()
        lock.withLock { running[lease.step.id ?? -1] = token }
        return token
    }

    private func unregister(_ lease: StepLease) {
        lock.withLock { _ = running.removeValue(forKey: lease.step.id ?? -1) }
    }

    /// Gives back a slot of `stage` taken by a carry.
    private func release(_ stage: Stage) {
        lock.withLock {
            busy[stage, default: 0] -= 1
            lock.broadcast()
        }
    }

    /// The stage `completion` may carry its item (or, finishing the last item, its execution's
    /// export) into, with a slot of that stage taken here; nil when it is not to be carried.
    private func reserveCarry(after completion: StepCompletion) -> Stage? {
        guard options.carryOn, let itemID = completion.lease.item?.id else { return nil }
        let waitsAtQuality = completion.transition.effects.contains {
            if case .updateItem(let item) = $0 { item.nextStage == .quality } else { false }
        }
        let next = completion.transition.effects.lazy.compactMap { effect -> Stage? in
            switch effect {
            case .queue(let stage, itemID?): stage
            // Only an item now waiting at quality goes through the barrier (a failed one does not).
            case .releaseQualityBarrier where waitsAtQuality: .quality
            case .exportWhenItemsFinished: .export
            default: nil
            }
        }.first
        guard let next, runner(next) != nil else { return nil }
        let reserved = lock.withLock { () -> Bool in
            guard !stopping, busy[next, default: 0] < options.slots(next) else { return false }
            busy[next, default: 0] += 1
            return true
        }
        return reserved ? next : nil
    }

    /// Records `completions` with the last one carried into `stage` (its slot already taken).
    /// Returns the carried step and the runner for it; gives the slot back when nothing was carried.
    private func carry(_ completions: [StepCompletion], into stage: Stage) -> (StepLease, StageRunner)? {
        let carried = record(completions, carryOn: CarryOn(stage: stage, owner: owner.id, leaseSeconds: options.leaseSeconds))
        guard let carried, let runner = runner(carried.step.stage) else {
            release(stage)
            return nil
        }
        return (carried, runner)
    }

    /// Runs one step on this thread and says what follows it; the store is not written here.
    private func execute(_ lease: StepLease, with runner: StageRunner, token: StepCancellation) -> StepCompletion {
        let started = Date()
        // A step of a batch whose job was cancelled while it waited is not started at all.
        // The meter counts every provider call of the attempt, kept however the step ends.
        let ((result, collected), meter) = UsageMeter.metering {
            log.collecting {
                token.isCancelled ? .failure(CancellationError())
                    : Result { try StepCancellation.with(token) { try runner.run(lease) } }
            }
        }
        let usage = lease.step.usage(adding: meter.records)
        // Replies asked for again count as attempts of the item (issue 16), and each has its line.
        let resampled = meter.resamples.count
        let events = collected + meter.resamples.map { log.make(.warning, lease, event: "resample", message: $0) }
        let transition: StepTransition
        do {
            if token.isCancelled {
                // The store closes the step of a cancelled execution; no retry, no error.
                transition = try StageGraph.transition(
                    afterFailing: lease, StageFailure(stage: lease.step.stage.rawValue, code: .cancelled, message: "cancelled",
                                                      attempts: lease.step.attempts),
                    retryAt: nil, now: Date())
                var cancelled = transition
                cancelled.events = events + [log.make(.info, lease, event: "cancelled", message: "stopped: the job was cancelled")]
                cancelled.usage = usage
                return StepCompletion(lease: lease, transition: cancelled, started: started, finished: Date())
            }
            switch result {
            case .success(let outcome):
                var done = StageGraph.transition(after: lease, outcome, now: Date()).countingAttempts(lease.step.attempts + resampled)
                // One line per finished step, stored in the step's own transaction (issue 17).
                if let message = outcome.logMessage {
                    done.events.append(log.make(.info, lease, event: "step_done",
                                                message: message + String(format: " (%.2f s, attempt %d)",
                                                                          Date().timeIntervalSince(started), lease.step.attempts)))
                }
                transition = done
            case .failure(let error):
                transition = try failure(error, of: lease, resampled: resampled)
            }
        } catch {
            // Only encoding a failure to JSON can throw here; the lease expires and the step runs again.
            transition = StepTransition(close: .retry(notBefore: Date().addingTimeInterval(1), error: "\(error)"), effects: [])
        }
        var withEvents = transition
        withEvents.events = events + transition.events
        withEvents.usage = usage
        return StepCompletion(lease: lease, transition: withEvents, started: started, finished: Date())
    }

    /// A failed attempt, logged: retry later (transient) or fail for good. `resampled` replies
    /// asked for again within it count as attempts in what the item and `error.json` say.
    private func failure(_ error: Error, of lease: StepLease, resampled: Int) throws -> StepTransition {
        let stepError = StepError.classify(error)
        let attempt = lease.step.attempts
        let delay = options.retry.delay(after: attempt, error: stepError)
        let failure = StageFailure(stage: lease.step.stage.rawValue, code: stepError.code,
                                   message: stepError.message, attempts: attempt + resampled)
        let event = delay.map {
            log.make(.warning, lease, event: "retry",
                     message: "attempt \(attempt) failed (\(stepError)); retrying in \(String(format: "%.1f", $0)) s")
        } ?? log.make(.error, lease, event: "failed", message: "attempt \(attempt) failed: \(stepError)")
        var transition = try StageGraph.transition(afterFailing: lease, failure, retryAt: delay.map { Date().addingTimeInterval($0) },
                                                   now: Date()).countingAttempts(lease.step.attempts + resampled)
        transition.events = [event]
        return transition
    }

    /// Writes completions in one transaction, then their log lines, then wakes the stages they
    /// queued work for. Returns the carried step, if any.
    @discardableResult
    private func record(_ completions: [StepCompletion], carryOn: CarryOn?) -> StepLease? {
        guard !completions.isEmpty else { return nil }
        let carried: StepLease?
        do {
            carried = try store.finish(completions, carryOn: carryOn)
        } catch {
            // The work is done but could not be recorded: not the step's fault. The lease expires
            // and the step runs again; its output is written by rename, so a re-run is harmless.
            for completion in completions {
                completion.transition.events.forEach(log.emit)
                log.record(.error, completion.lease, event: "store_error", message: "cannot record the result: \(error)")
            }
            return nil
        }
        for completion in completions {
            completion.transition.events.forEach(log.emit)
            PipelineMetrics.recorded(completion)
        }
        let queued = completions.flatMap { Self.stagesQueued(by: $0.transition) }
        var woken = Set(queued)
        // When the carried step is the only new work of its stage, nobody needs waking for it.
        if let carried, queued.filter({ $0 == carried.step.stage }).count == 1 { woken.remove(carried.step.stage) }
        if !woken.isEmpty { ring(Array(woken)) }
        return carried
    }

    /// The stages a transition may have given new steps to.
    static func stagesQueued(by transition: StepTransition) -> [Stage] {
        transition.effects.compactMap { effect in
            switch effect {
            case .queue(let stage, _): stage
            case .insertItem(_, let stage): stage
            case .releaseQualityBarrier: .quality
            case .exportWhenItemsFinished: .export
            case .updateItem, .recordFailure, .publish, .failExecution: nil
            }
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
