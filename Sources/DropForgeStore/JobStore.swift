import Foundation

/// A job to admit at intake: its job row and first execution, and the pipeline's decision of
/// how it starts, which may depend on an earlier job with the same manifest `id`.
public struct Admission: Sendable {
    public var job: JobRecord
    public var execution: ExecutionRecord
    /// Look for an earlier, not failed job with the same manifest `id` (DESIGN §2 idempotency).
    public var checkDuplicate: Bool
    /// Given that earlier job's id (nil: none, or not looked for), the failure the new job is
    /// published with (nil: none) and the stage it is queued at.
    public var decide: @Sendable (_ duplicateOf: String?) -> (failure: StageFailure?, start: Stage)
    /// Given the same earlier job's id, the job log's events of the admission (`claimed`,
    /// `rejected`, `duplicate`): the store inserts them in the admission's transaction.
    public var events: @Sendable (_ duplicateOf: String?) -> [EventRecord]

    public init(job: JobRecord, execution: ExecutionRecord, checkDuplicate: Bool,
                decide: @escaping @Sendable (_ duplicateOf: String?) -> (failure: StageFailure?, start: Stage),
                events: @escaping @Sendable (_ duplicateOf: String?) -> [EventRecord] = { _ in [] }) {
        self.job = job
        self.execution = execution
        self.checkDuplicate = checkDuplicate
        self.decide = decide
        self.events = events
    }
}

public enum AdmissionResult: Sendable, Equatable {
    /// Admitted; `duplicateOf` names the earlier job when the manifest `id` was already used.
    case admitted(duplicateOf: String?)
    /// The claim file already has a job (another process adopted it first).
    case alreadyKnown
}

/// A claimed step with what its worker needs to run it.
public struct StepLease: Sendable {
    public var step: StepRecord
    public var job: JobRecord
    public var execution: ExecutionRecord
    public var item: ItemRecord?

    package init(step: StepRecord, job: JobRecord, execution: ExecutionRecord, item: ItemRecord? = nil) {
        self.step = step
        self.job = job
        self.execution = execution
        self.item = item
    }
}

/// What `cancel(jobID:)` did.
public enum CancelOutcome: Sendable, Equatable {
    /// The job's unfinished executions are cancelled; `running` steps are still held by workers,
    /// which abort them (their owners see the cancel within a heartbeat).
    case cancelled(executions: [String], running: Int)
    /// Nothing to cancel: the job already ended.
    case finished(JobStatus)
    /// The job is being published right now; it ends as it is.
    case publishing
    case notFound
}

/// Why a new execution could not be added.
public enum ExecutionRefusal: Error, Sendable, Equatable {
    case notFound
    /// Retry, rerun and delete need a finished job.
    case notFinished(JobStatus)
}

/// Counts for `status` and for deciding when `drain` is done.
public struct QueueSummary: Sendable, Codable, Equatable {
    public struct StageQueue: Sendable, Codable, Equatable {
        public var stage: String
        public var runnable: Int
        public var delayed: Int
        public var leased: Int
        public var oldestWaitingSeconds: Double?

        package init(stage: String, runnable: Int, delayed: Int, leased: Int, oldestWaitingSeconds: Double?) {
            self.stage = stage
            self.runnable = runnable
            self.delayed = delayed
            self.leased = leased
            self.oldestWaitingSeconds = oldestWaitingSeconds
        }
    }
    /// Items and jobs that ended within the last `minutes`.
    public struct Throughput: Sendable, Codable, Equatable {
        public var minutes: Int
        public var items: Int
        public var jobs: Int

        package init(minutes: Int, items: Int, jobs: Int) {
            self.minutes = minutes
            self.items = items
            self.jobs = jobs
        }
    }
    public var jobs: [String: Int]
    public var stages: [StageQueue]
    /// Over the last 1, 5 and 15 minutes.
    public var throughput: [Throughput] = []

    public var openSteps: Int { stages.reduce(0) { $0 + $1.runnable + $1.delayed + $1.leased } }

    package init(jobs: [String: Int], stages: [StageQueue], throughput: [Throughput] = []) {
        self.jobs = jobs
        self.stages = stages
        self.throughput = throughput
    }
}

/// The store behind the pipeline (DESIGN §7): the queue of steps with their leases, and the
/// record of jobs, executions, items and events. SQLite is the embedded default; the protocol
/// is the seam where a shared PostgreSQL store can go when one machine is not enough.
///
/// It is made of roles, so that a part of dropforge that only reads, or only reviews, says so
/// in its type. The store stores: what follows a step is decided by the pipeline's stage graph
/// and handed over as a ``StepTransition``.
public protocol JobStore: IntakeStore, StepQueue, JobControlStore, ReviewStore, JobReader, EventJournal {}

/// Intake: one job per claimed manifest file.
public protocol IntakeStore: AnyObject, Sendable {
    func job(claimFile: String) throws -> JobRecord?
    /// Inserts each job with its execution, its first step and its events, all of them in one
    /// transaction; an admission whose claim file (or job id) already has a job changes nothing
    /// (`alreadyKnown`). One result per admission, in order. Admissions later in the list see
    /// the earlier ones (a repeated manifest `id` within the batch is a duplicate).
    func admit(_ admissions: [Admission]) throws -> [AdmissionResult]
}

extension IntakeStore {
    /// One admission in a transaction of its own.
    public func admit(_ admission: Admission) throws -> AdmissionResult {
        try admit([admission])[0]
    }
}

/// The queue of steps and their leases.
public protocol StepQueue: AnyObject, Sendable {
    /// Leases up to `limit` runnable steps of `stage` in one transaction, highest priority
    /// first: waiting ones, and ones whose lease expired.
    func claimSteps(stage: Stage, owner: String, leaseSeconds: TimeInterval, limit: Int, now: Date) throws -> [StepLease]
    /// Closes each leased step and applies what follows it, all in one transaction; a step whose
    /// lease is no longer held is skipped, and only closed when its execution was cancelled
    /// meanwhile (its log lines are stored either way: they happened). With `carryOn`, the first step of that stage queued for a completed step's own
    /// item is leased at once and returned.
    func finish(_ completions: [StepCompletion], carryOn: CarryOn?) throws -> StepLease?
    func renewLeases(owner: String, until: Date) throws
    /// Give back what `owner` holds. `countAttempt` is false on a graceful stop.
    func releaseLeases(owner: String, countAttempt: Bool) throws
    func leaseOwners() throws -> [String]
    /// Steps `owner` holds whose execution was cancelled: its workers abort them.
    func cancelledLeases(owner: String) throws -> [Int64]
    /// Calls `wake` with the stages of steps queued by any process, where the store hears of
    /// them (PostgreSQL's LISTEN/NOTIFY). False when it cannot: idle workers then poll sooner.
    func observeNewSteps(_ wake: @escaping @Sendable ([Stage]) -> Void) -> Bool
}

extension StepQueue {
    /// SQLite has no notifications: a process rings its own workers, others poll.
    public func observeNewSteps(_ wake: @escaping @Sendable ([Stage]) -> Void) -> Bool { false }

    /// One step, the oldest of the highest priority.
    public func claimStep(stage: Stage, owner: String, leaseSeconds: TimeInterval, now: Date) throws -> StepLease? {
        try claimSteps(stage: stage, owner: owner, leaseSeconds: leaseSeconds, limit: 1, now: now).first
    }

    /// One step that ran until `now` (from its claim).
    public func finish(_ lease: StepLease, _ transition: StepTransition, now: Date) throws {
        _ = try finish([StepCompletion(lease: lease, transition: transition, started: lease.step.startedAt ?? now,
                                       finished: now)], carryOn: nil)
    }
}

/// Job control (DESIGN §4): cancel, new executions, delete.
public protocol JobControlStore: AnyObject, Sendable {
    /// Cancels the job's unfinished executions in one transaction: waiting steps are closed at
    /// once, running ones are aborted by their workers, and export publishes what was made.
    func cancel(jobID: String, now: Date) throws -> CancelOutcome
    /// Adds an execution to a finished job (retry, rerun) and applies `start`: its items and
    /// first steps, as the stage graph sets them out.
    func addExecution(_ execution: ExecutionRecord, start: [RoutingEffect], priority: Int, now: Date) throws
    /// Removes a finished job with its executions, items, steps and events. Returns the
    /// executions that were removed, so their folders can go too.
    func delete(jobID: String) throws -> [ExecutionRecord]
}

/// The review queue.
public protocol ReviewStore: AnyObject, Sendable {
    /// Rejected items of published executions (of one job when `jobID` is set) that were not
    /// dismissed, oldest execution first: the candidates for `review list`.
    func reviewItems(jobID: String?) throws -> [ReviewItem]
    /// One item of an execution by its 0-based index, whatever its status.
    func reviewItem(executionID: String, index: Int) throws -> ReviewItem?
    /// Records a review decision in one transaction: the item's new row (status, QC verdict,
    /// plan, image, metadata) and, with `publication`, the execution's new status and folder —
    /// and its job's, when it is the job's newest execution. False, changing nothing, when the
    /// item's status or QC status is no longer `original`'s (another review got there first).
    func recordReview(_ item: ItemRecord, replacing original: ItemRecord, publication: ReviewPublication?,
                      now: Date) throws -> Bool
}

/// Reading jobs and the queue: `jobs`, `status`, `drain`'s progress.
public protocol JobReader: AnyObject, Sendable {
    func jobs(matching filter: JobFilter) throws -> [JobRecord]
    func job(id: String) throws -> JobRecord?
    func executions(jobID: String) throws -> [ExecutionRecord]
    func items(executionID: String) throws -> [ItemRecord]
    func steps(executionID: String) throws -> [StepRecord]
    func statuses(jobIDs: [String]) throws -> [String: JobStatus]
    /// Jobs not yet published (queued or running).
    func unfinishedJobIDs() throws -> [String]
    func summary(now: Date) throws -> QueueSummary
    /// Jobs finished and items done among `jobIDs` (items of each job's newest execution).
    func progress(jobIDs: [String]) throws -> DrainProgress
    /// Items done of total in each job's newest execution; jobs without items are absent.
    func itemProgress(jobIDs: [String]) throws -> [String: ItemProgress]
    func recentFailures(limit: Int) throws -> [JobRecord]
}

/// The job logs (DESIGN §1: `logs/<job>.jsonl` is written from here too).
public protocol EventJournal: AnyObject, Sendable {
    func append(_ event: EventRecord) throws
    func events(jobID: String, after id: Int64) throws -> [EventRecord]
}
