import Foundation
import GRDB

/// One dropped manifest. `id` is the job's folder name (`cozy-cats-7f3k2q`).
public struct JobRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "jobs"
    public var id: String
    /// The file's name under `inbox/.processing/` (`<uid>~<original name>`); unique.
    public var claimFile: String
    /// The name the manifest was dropped under.
    public var sourceName: String
    public var name: String
    public var manifestID: String?
    public var kind: String
    public var priority: Int
    public var status: JobStatus
    /// The manifest exactly as dropped, so reruns never depend on the claimed file.
    public var manifest: Data
    public var manifestExt: String
    public var createdAt: Date
    public var updatedAt: Date
    public var finishedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, claimFile = "claim_file", sourceName = "source_name", name, manifestID = "manifest_id", kind
        case priority, status, manifest, manifestExt = "manifest_ext", createdAt = "created_at"
        case updatedAt = "updated_at", finishedAt = "finished_at"
    }

    /// The table's columns, for the query interface (GRDB's convention).
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let claimFile = Column(CodingKeys.claimFile)
        public static let sourceName = Column(CodingKeys.sourceName)
        public static let name = Column(CodingKeys.name)
        public static let manifestID = Column(CodingKeys.manifestID)
        public static let kind = Column(CodingKeys.kind)
        public static let priority = Column(CodingKeys.priority)
        public static let status = Column(CodingKeys.status)
        public static let manifest = Column(CodingKeys.manifest)
        public static let manifestExt = Column(CodingKeys.manifestExt)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let updatedAt = Column(CodingKeys.updatedAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
    }

    package init(id: String, claimFile: String, sourceName: String, name: String, manifestID: String? = nil, kind: String, priority: Int, status: JobStatus, manifest: Data, manifestExt: String, createdAt: Date, updatedAt: Date, finishedAt: Date? = nil) {
        self.id = id
        self.claimFile = claimFile
        self.sourceName = sourceName
        self.name = name
        self.manifestID = manifestID
        self.kind = kind
        self.priority = priority
        self.status = status
        self.manifest = manifest
        self.manifestExt = manifestExt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.finishedAt = finishedAt
    }
}

/// One run of a job: the first run, a retry or a rerun. Its `id` is its outbox folder name.
public struct ExecutionRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "executions"
    public var id: String
    public var jobID: String
    public var number: Int
    public var parentID: String?
    public var status: JobStatus
    /// The resolved settings the execution runs with (JSON of `JobSettings`; never secrets).
    public var settings: Data?
    public var baseSeed: Int64
    /// Why the execution failed before or outside its items (JSON of `StageFailure`).
    public var failure: Data?
    /// `results/<id>` or `failures/<id>` once published.
    public var outboxPath: String?
    public var qualityEnabled: Bool
    /// Quality waits for every item to be generated, so the duplicate check is deterministic.
    public var qualityBarrier: Bool
    public var metadataEnabled: Bool
    public var createdAt: Date
    public var finishedAt: Date?
    /// Set by `jobs cancel`: no step of the execution runs any more; export publishes what was
    /// made under `failures/` with code `cancelled`.
    public var cancelledAt: Date? = nil

    enum CodingKeys: String, CodingKey {
        case id, jobID = "job_id", number, parentID = "parent_id", status, settings, baseSeed = "base_seed"
        case failure, outboxPath = "outbox_path", qualityEnabled = "quality_enabled"
        case qualityBarrier = "quality_barrier", metadataEnabled = "metadata_enabled"
        case createdAt = "created_at", finishedAt = "finished_at", cancelledAt = "cancelled_at"
    }

    /// The table's columns, for the query interface (GRDB's convention).
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let jobID = Column(CodingKeys.jobID)
        public static let number = Column(CodingKeys.number)
        public static let parentID = Column(CodingKeys.parentID)
        public static let status = Column(CodingKeys.status)
        public static let settings = Column(CodingKeys.settings)
        public static let baseSeed = Column(CodingKeys.baseSeed)
        public static let failure = Column(CodingKeys.failure)
        public static let outboxPath = Column(CodingKeys.outboxPath)
        public static let qualityEnabled = Column(CodingKeys.qualityEnabled)
        public static let qualityBarrier = Column(CodingKeys.qualityBarrier)
        public static let metadataEnabled = Column(CodingKeys.metadataEnabled)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let cancelledAt = Column(CodingKeys.cancelledAt)
    }

    package init(id: String, jobID: String, number: Int, parentID: String? = nil, status: JobStatus, settings: Data? = nil, baseSeed: Int64, failure: Data? = nil, outboxPath: String? = nil, qualityEnabled: Bool, qualityBarrier: Bool, metadataEnabled: Bool, createdAt: Date, finishedAt: Date? = nil, cancelledAt: Date? = nil) {
        self.id = id
        self.jobID = jobID
        self.number = number
        self.parentID = parentID
        self.status = status
        self.settings = settings
        self.baseSeed = baseSeed
        self.failure = failure
        self.outboxPath = outboxPath
        self.qualityEnabled = qualityEnabled
        self.qualityBarrier = qualityBarrier
        self.metadataEnabled = metadataEnabled
        self.createdAt = createdAt
        self.finishedAt = finishedAt
        self.cancelledAt = cancelledAt
    }
}

/// One image (or card) of an execution.
public struct ItemRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "items"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
    public var id: Int64?
    public var executionID: String
    public var index: Int
    /// JSON of `ItemPlan`: prompt, negative, seed, size, keyword.
    public var plan: Data
    public var status: ItemStatus
    /// The stage the item needs next; `nil` once terminal.
    public var nextStage: Stage?
    /// The newest image under `.dropforge/work/`, relative to the root.
    public var imagePath: String?
    public var dhash: Int64?
    /// `ImageAnalysis.colorSignature` of the image: the duplicate check needs shape (`dhash`)
    /// and colour to agree. Nil for items generated before it was stored: shape alone decides.
    public var colorHash: Int64?
    public var qcStatus: QCStatus?
    public var qcReason: String?
    /// JSON of `[QualityCheckResult]`.
    public var qcChecks: Data?
    /// JSON of `ImageMetadata`.
    public var metadata: Data?
    public var attempts: Int
    public var lastError: String?
    public var updatedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, executionID = "execution_id", index = "idx", plan, status, nextStage = "next_stage"
        case imagePath = "image_path", dhash, colorHash = "color_hash", qcStatus = "qc_status", qcReason = "qc_reason"
        case qcChecks = "qc_checks", metadata, attempts, lastError = "last_error", updatedAt = "updated_at"
    }

    /// The table's columns, for the query interface (GRDB's convention).
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let executionID = Column(CodingKeys.executionID)
        public static let index = Column(CodingKeys.index)
        public static let plan = Column(CodingKeys.plan)
        public static let status = Column(CodingKeys.status)
        public static let nextStage = Column(CodingKeys.nextStage)
        public static let imagePath = Column(CodingKeys.imagePath)
        public static let dhash = Column(CodingKeys.dhash)
        public static let colorHash = Column(CodingKeys.colorHash)
        public static let qcStatus = Column(CodingKeys.qcStatus)
        public static let qcReason = Column(CodingKeys.qcReason)
        public static let qcChecks = Column(CodingKeys.qcChecks)
        public static let metadata = Column(CodingKeys.metadata)
        public static let attempts = Column(CodingKeys.attempts)
        public static let lastError = Column(CodingKeys.lastError)
        public static let updatedAt = Column(CodingKeys.updatedAt)
    }

    package init(id: Int64? = nil, executionID: String, index: Int, plan: Data, status: ItemStatus, nextStage: Stage? = nil, imagePath: String? = nil, dhash: Int64? = nil, colorHash: Int64? = nil, qcStatus: QCStatus? = nil, qcReason: String? = nil, qcChecks: Data? = nil, metadata: Data? = nil, attempts: Int, lastError: String? = nil, updatedAt: Date) {
        self.id = id
        self.executionID = executionID
        self.index = index
        self.plan = plan
        self.status = status
        self.nextStage = nextStage
        self.imagePath = imagePath
        self.dhash = dhash
        self.colorHash = colorHash
        self.qcStatus = qcStatus
        self.qcReason = qcReason
        self.qcChecks = qcChecks
        self.metadata = metadata
        self.attempts = attempts
        self.lastError = lastError
        self.updatedAt = updatedAt
    }
}

/// A unit of work in the queue: one stage for one item, or for a whole execution.
public struct StepRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "steps"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
    public var id: Int64?
    public var executionID: String
    public var itemID: Int64?
    public var stage: Stage
    public var status: StepStatus
    public var priority: Int
    public var attempts: Int
    public var notBefore: Date
    public var leaseOwner: String?
    public var leaseExpires: Date?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var lastError: String?
    /// The provider calls of every attempt of the step (JSON of `[UsageRecord]`), whether it
    /// succeeded or failed: tokens are spent when a server answers.
    public var usage: Data? = nil

    enum CodingKeys: String, CodingKey {
        case id, executionID = "execution_id", itemID = "item_id", stage, status, priority, attempts
        case notBefore = "not_before", leaseOwner = "lease_owner", leaseExpires = "lease_expires"
        case createdAt = "created_at", startedAt = "started_at", finishedAt = "finished_at"
        case lastError = "last_error", usage
    }

    /// The table's columns, for the query interface (GRDB's convention).
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let executionID = Column(CodingKeys.executionID)
        public static let itemID = Column(CodingKeys.itemID)
        public static let stage = Column(CodingKeys.stage)
        public static let status = Column(CodingKeys.status)
        public static let priority = Column(CodingKeys.priority)
        public static let attempts = Column(CodingKeys.attempts)
        public static let notBefore = Column(CodingKeys.notBefore)
        public static let leaseOwner = Column(CodingKeys.leaseOwner)
        public static let leaseExpires = Column(CodingKeys.leaseExpires)
        public static let createdAt = Column(CodingKeys.createdAt)
        public static let startedAt = Column(CodingKeys.startedAt)
        public static let finishedAt = Column(CodingKeys.finishedAt)
        public static let lastError = Column(CodingKeys.lastError)
        public static let usage = Column(CodingKeys.usage)
    }

    package init(id: Int64? = nil, executionID: String, itemID: Int64? = nil, stage: Stage, status: StepStatus, priority: Int, attempts: Int, notBefore: Date, leaseOwner: String? = nil, leaseExpires: Date? = nil, createdAt: Date, startedAt: Date? = nil, finishedAt: Date? = nil, lastError: String? = nil) {
        self.id = id
        self.executionID = executionID
        self.itemID = itemID
        self.stage = stage
        self.status = status
        self.priority = priority
        self.attempts = attempts
        self.notBefore = notBefore
        self.leaseOwner = leaseOwner
        self.leaseExpires = leaseExpires
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.lastError = lastError
    }
}

extension StepRecord {
    /// Seconds spent in each stage, summed over `steps` (to the millisecond): the timings of
    /// `job.json` and `jobs show`.
    public static func secondsByStage(_ steps: [StepRecord]) -> [String: Double] {
        var seconds: [String: Double] = [:]
        for step in steps {
            guard let start = step.startedAt, let end = step.finishedAt else { continue }
            seconds[step.stage.rawValue, default: 0] += end.timeIntervalSince(start)
        }
        return seconds.mapValues { ($0 * 1000).rounded() / 1000 }
    }
}

/// One line of a job's log (DESIGN §1: `logs/<job>.jsonl`).
public struct EventRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "events"

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }
    public var id: Int64?
    public var ts: Date
    public var level: String
    public var job: String
    public var execution: String?
    public var item: Int?
    public var stage: String?
    public var event: String
    public var message: String

    enum CodingKeys: String, CodingKey {
        case id, ts, level, job, execution, item, stage, event, message
    }

    /// The table's columns, for the query interface (GRDB's convention).
    public enum Columns {
        public static let id = Column(CodingKeys.id)
        public static let ts = Column(CodingKeys.ts)
        public static let level = Column(CodingKeys.level)
        public static let job = Column(CodingKeys.job)
        public static let execution = Column(CodingKeys.execution)
        public static let item = Column(CodingKeys.item)
        public static let stage = Column(CodingKeys.stage)
        public static let event = Column(CodingKeys.event)
        public static let message = Column(CodingKeys.message)
    }

    package init(id: Int64? = nil, ts: Date, level: String, job: String, execution: String? = nil, item: Int? = nil, stage: String? = nil, event: String, message: String) {
        self.id = id
        self.ts = ts
        self.level = level
        self.job = job
        self.execution = execution
        self.item = item
        self.stage = stage
        self.event = event
        self.message = message
    }
}
