import Foundation
import GRDB
#if canImport(Glibc)
import Glibc
import DropForgeCore
#endif

/// The embedded store: one SQLite file in WAL mode, shared safely by every dropforge process
/// on the root (`watch`, any number of `drain`s). Writes are IMMEDIATE transactions, so a claim
/// is one atomic UPDATE … RETURNING and two processes never take the same step.
// @unchecked Sendable: GRDB's DatabasePool serialises access; cached statements are used only inside its write closures.
public final class SQLiteJobStore: JobStore, @unchecked Sendable {
    let pool: DatabasePool

    public init(path: String) throws {
        var configuration = Configuration()
        // Many processes share the file: wait for the writer rather than fail.
        configuration.busyMode = .timeout(30)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        // Switching a new file to WAL and migrating it are not covered by the busy timeout: two
        // processes starting together would see SQLITE_BUSY. An flock beside the file serialises
        // opening (only opening; afterwards SQLite's own locking takes over).
        // Opening still goes ahead when the lock file cannot be made (a read-only folder).
        let openLock = try? LockFile(path: path + ".open-lock", wait: true)
        pool = try DatabasePool(path: path, configuration: configuration)
        try StoreMigrations.migrator.migrate(pool)
        withExtendedLifetime(openLock) {}
    }

    // MARK: Writing on a full disk

    /// Every write transaction of the store. When the disk is full or the file-size limit
    /// (`ulimit -f`) is reached, SQLite cannot append to the WAL (SQLITE_FULL for ENOSPC,
    /// SQLITE_IOERR_WRITE for EFBIG) and the transaction rolls back. The WAL only ever grows until
    /// a checkpoint lets it restart, and by default that is at ~4 MB, so a limit below that would
    /// stop the store for good although the data itself is small. So: checkpoint the WAL into the
    /// database, truncate it to zero bytes, and try the transaction once more. If it fails again,
    /// the error says plainly that the state database is out of space.
    func write<T>(_ updates: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(updates)
        } catch let error as DatabaseError where Self.isOutOfSpace(error) {
            _ = try? pool.writeWithoutTransaction { try $0.checkpoint(.truncate) }
            do {
                return try pool.write(updates)
            } catch let again as DatabaseError where Self.isOutOfSpace(again) {
                throw StoreSpaceError(path: pool.path, underlying: again)
            }
        }
    }

    static func isOutOfSpace(_ error: DatabaseError) -> Bool {
        error.resultCode == .SQLITE_FULL || error.extendedResultCode == .SQLITE_IOERR_WRITE
            || error.extendedResultCode == .SQLITE_IOERR_TRUNCATE
    }

    // MARK: Intake

    public func job(claimFile: String) throws -> JobRecord? {
        try pool.read { db in
            try JobRecord.filter(JobRecord.Columns.claimFile == claimFile).fetchOne(db)
        }
    }

    public func admit(_ admission: Admission) throws -> AdmissionResult {
        try write { db in
            if try JobRecord.filter(JobRecord.Columns.claimFile == admission.job.claimFile).fetchCount(db) > 0
                || JobRecord.exists(db, key: admission.job.id) {
                return .alreadyKnown
            }
            var failure = admission.failure
            var duplicateOf: String?
            if failure == nil, admission.checkDuplicate, let manifestID = admission.job.manifestID {
                duplicateOf = try String.fetchOne(db, sql: """
                    SELECT id FROM jobs WHERE manifest_id = ? AND status <> \(JobStatus.failed.sqlLiteral) ORDER BY created_at LIMIT 1
                    """, arguments: [manifestID])
                if let earlier = duplicateOf {
                    failure = StageFailure(
                        stage: "intake", code: "duplicate",
                        message: "manifest id '\(manifestID)' already produced job \(earlier); add `force: true` to run it again",
                        at: admission.job.createdAt)
                }
            }
            try admission.job.insert(db)
            var execution = admission.execution
            if let failure {
                execution.failure = try JSONCoding.encode(failure)
            }
            try execution.insert(db)
            let first: Stage = failure == nil ? .parameters : .export
            try insertStep(db, execution: execution.id, item: nil, stage: first,
                           priority: admission.job.priority, now: admission.job.createdAt)
            return .admitted(duplicateOf: duplicateOf)
        }
    }

    // MARK: The queue

    public func claimStep(stage: Stage, owner: String, leaseSeconds: TimeInterval, now: Date) throws -> StepLease? {
        // Two searches of `steps_queue` (stage, status, priority, id), one per status: a single
        // `status = … OR status = …` search walks every finished step of the stage and sorts,
        // which made each claim slower as the store grew. The statement is compiled once per
        // connection: idle workers ask often, and compiling it cost more than running it.
        try write { db in
            let claim = try db.cachedStatement(sql: """
                UPDATE steps SET status = \(StepStatus.leased.sqlLiteral), lease_owner = ?, lease_expires = ?,
                       attempts = attempts + 1, started_at = ?
                WHERE id = (
                    SELECT id FROM (
                        SELECT * FROM (SELECT id, priority FROM steps
                                       WHERE stage = ? AND status = \(StepStatus.pending.sqlLiteral) AND not_before <= ?
                                       ORDER BY priority DESC, id LIMIT 1)
                        UNION ALL
                        SELECT * FROM (SELECT id, priority FROM steps
                                       WHERE stage = ? AND status = \(StepStatus.leased.sqlLiteral) AND lease_expires < ?
                                       ORDER BY priority DESC, id LIMIT 1))
                    ORDER BY priority DESC, id LIMIT 1)
                RETURNING *
                """)
            claim.arguments = [owner, now.addingTimeInterval(leaseSeconds), now, stage.rawValue, now, stage.rawValue, now]
            guard let step = try StepRecord.fetchOne(claim) else { return nil }
            guard let execution = try ExecutionRecord.fetchOne(db, key: step.executionID),
                  let job = try JobRecord.fetchOne(db, key: execution.jobID)
            else { return nil }
            if step.stage != .export, execution.cancelledAt != nil {
                // Released or expired after `jobs cancel`: the step is closed, not run.
                try closeCancelled(db, step: step, execution: execution, now: now)
                return nil
            }
            let item = try step.itemID.flatMap { try ItemRecord.fetchOne(db, key: $0) }
            if job.status == .queued {
                try db.execute(sql: "UPDATE jobs SET status = \(JobStatus.running.sqlLiteral), updated_at = ? WHERE id = ?",
                               arguments: [now, job.id])
                try db.execute(sql: "UPDATE executions SET status = \(JobStatus.running.sqlLiteral) WHERE id = ? AND status = \(JobStatus.queued.sqlLiteral)",
                               arguments: [execution.id])
            }
            return StepLease(step: step, job: job, execution: execution, item: item)
        }
    }

    public func complete(_ lease: StepLease, with outcome: StepOutcome, now: Date) throws {
        try write { db in
            guard try stillHeld(db, lease) else { return }
            if try closeIfCancelled(db, lease, now: now) { return }
            try db.execute(sql: """
                UPDATE steps SET status = \(StepStatus.done.sqlLiteral), finished_at = ?, lease_owner = NULL, lease_expires = NULL
                WHERE id = ?
                """, arguments: [now, lease.step.id])
            let execution = lease.execution
            switch outcome {
            case .expanded(let plans):
                for (index, plan) in plans.enumerated() {
                    var item = ItemRecord(
                        id: nil, executionID: execution.id, index: index, plan: plan, status: .pending,
                        nextStage: .generate, imagePath: nil, dhash: nil, qcStatus: nil, qcReason: nil,
                        qcChecks: nil, metadata: nil, attempts: 0, lastError: nil, updatedAt: now)
                    try item.insert(db)
                    try insertStep(db, execution: execution.id, item: item.id, stage: .generate,
                                   priority: lease.step.priority, now: now)
                }
                try finishIfDone(db, execution: execution, priority: lease.step.priority, now: now)
            case .generated(let path, let dhash):
                guard var item = lease.item else { return }
                item.imagePath = path
                item.dhash = dhash
                item.status = .generated
                item.attempts = lease.step.attempts
                item.lastError = nil
                try advance(db, item: &item, after: .generate, execution: execution,
                            priority: lease.step.priority, now: now)
            case .checked(let passed, let reason, let checks):
                guard var item = lease.item else { return }
                item.qcStatus = passed ? .passed : .rejected
                item.qcReason = reason
                item.qcChecks = checks
                if passed {
                    item.status = .checked
                    try advance(db, item: &item, after: .quality, execution: execution,
                                priority: lease.step.priority, now: now)
                } else {
                    item.status = .rejected
                    item.nextStage = nil
                    item.updatedAt = now
                    try item.update(db)
                    try finishIfDone(db, execution: execution, priority: lease.step.priority, now: now)
                }
            case .described(let metadata, let path):
                guard var item = lease.item else { return }
                item.metadata = metadata
                item.imagePath = path
                try advance(db, item: &item, after: .metadata, execution: execution,
                            priority: lease.step.priority, now: now)
            case .published(let status, let path):
                try db.execute(sql: """
                    UPDATE executions SET status = ?, outbox_path = ?, finished_at = ? WHERE id = ?
                    """, arguments: [status.rawValue, path, now, execution.id])
                try db.execute(sql: """
                    UPDATE jobs SET status = ?, updated_at = ?, finished_at = ? WHERE id = ?
                    """, arguments: [status.rawValue, now, now, lease.job.id])
            }
        }
    }

    public func fail(_ lease: StepLease, failure: StageFailure, retryAt: Date?, now: Date) throws {
        try write { db in
            guard try stillHeld(db, lease) else { return }
            if try closeIfCancelled(db, lease, now: now) { return }
            let message = "\(failure.code): \(failure.message)"
            if let retryAt {
                try db.execute(sql: """
                    UPDATE steps SET status = \(StepStatus.pending.sqlLiteral), not_before = ?, lease_owner = NULL,
                           lease_expires = NULL, last_error = ? WHERE id = ?
                    """, arguments: [retryAt, message, lease.step.id])
                if let itemID = lease.item?.id {
                    try db.execute(sql: "UPDATE items SET attempts = ?, last_error = ?, updated_at = ? WHERE id = ?",
                                   arguments: [lease.step.attempts, message, now, itemID])
                }
                return
            }
            try db.execute(sql: """
                UPDATE steps SET status = \(StepStatus.failed.sqlLiteral), finished_at = ?, lease_owner = NULL,
                       lease_expires = NULL, last_error = ? WHERE id = ?
                """, arguments: [now, message, lease.step.id])
            if var item = lease.item {
                item.status = .failed
                item.nextStage = nil
                item.attempts = lease.step.attempts
                item.lastError = message
                item.updatedAt = now
                try item.update(db)
                try releaseQualityBarrier(db, execution: lease.execution, priority: lease.step.priority, now: now)
                try finishIfDone(db, execution: lease.execution, priority: lease.step.priority, now: now)
            } else if lease.step.stage == .export {
                // Nothing could be published: the job is failed in the store and says why in its log.
                try db.execute(sql: "UPDATE executions SET status = \(JobStatus.failed.sqlLiteral), failure = ?, finished_at = ? WHERE id = ?",
                               arguments: [try JSONCoding.encode(failure), now, lease.execution.id])
                try db.execute(sql: "UPDATE jobs SET status = \(JobStatus.failed.sqlLiteral), updated_at = ?, finished_at = ? WHERE id = ?",
                               arguments: [now, now, lease.job.id])
            } else {
                // An execution-wide stage failed: publish the failure.
                try db.execute(sql: "UPDATE executions SET failure = ? WHERE id = ?",
                               arguments: [try JSONCoding.encode(failure), lease.execution.id])
                try insertStep(db, execution: lease.execution.id, item: nil, stage: .export,
                               priority: lease.step.priority, now: now)
            }
        }
    }

    public func renewLeases(owner: String, until: Date) throws {
        try write { db in
            try db.execute(sql: "UPDATE steps SET lease_expires = ? WHERE lease_owner = ? AND status = \(StepStatus.leased.sqlLiteral)",
                           arguments: [until, owner])
        }
    }

    public func releaseLeases(owner: String, countAttempt: Bool) throws {
        try write { db in
            try db.execute(sql: """
                UPDATE steps SET status = \(StepStatus.pending.sqlLiteral), lease_owner = NULL, lease_expires = NULL,
                       attempts = attempts - ?
                WHERE lease_owner = ? AND status = \(StepStatus.leased.sqlLiteral)
                """, arguments: [countAttempt ? 0 : 1, owner])
        }
    }

    public func leaseOwners() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT lease_owner FROM steps WHERE status = \(StepStatus.leased.sqlLiteral) AND lease_owner IS NOT NULL")
        }
    }

    // MARK: Reading

    public func jobs(matching filter: JobFilter) throws -> [JobRecord] {
        try pool.read { db in
            var request = JobRecord.all()
            if !filter.statuses.isEmpty { request = request.filter(filter.statuses.map(\.rawValue).contains(JobRecord.Columns.status)) }
            if let kind = filter.kind { request = request.filter(JobRecord.Columns.kind == kind) }
            if let since = filter.since { request = request.filter(JobRecord.Columns.createdAt >= since) }
            if let name = filter.name { request = request.filter(JobRecord.Columns.name.like("%\(Self.escapeLike(name))%", escape: "\\")) }
            if let prefix = filter.idPrefix { request = request.filter(JobRecord.Columns.id.like("\(Self.escapeLike(prefix))%", escape: "\\")) }
            request = filter.oldestFirst
                ? request.order(JobRecord.Columns.createdAt, JobRecord.Columns.id)
                : request.order(JobRecord.Columns.createdAt.desc, JobRecord.Columns.id.desc)
            if let limit = filter.limit { request = request.limit(limit) }
            return try request.fetchAll(db)
        }
    }

    /// A JSON array of strings, for `json_each(?)`: one bound parameter however many ids.
    private static func jsonList(_ values: [String]) -> String {
        String(decoding: (try? JSONSerialization.data(withJSONObject: values)) ?? Data("[]".utf8), as: UTF8.self)
    }

    /// `%` and `_` in what people type are meant literally.
    static func escapeLike(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }

    public func job(id: String) throws -> JobRecord? {
        try pool.read { db in try JobRecord.fetchOne(db, key: id) }
    }

    public func executions(jobID: String) throws -> [ExecutionRecord] {
        try pool.read { db in
            try ExecutionRecord.filter(ExecutionRecord.Columns.jobID == jobID).order(ExecutionRecord.Columns.number).fetchAll(db)
        }
    }

    public func items(executionID: String) throws -> [ItemRecord] {
        try pool.read { db in
            try ItemRecord.filter(ItemRecord.Columns.executionID == executionID).order(ItemRecord.Columns.index).fetchAll(db)
        }
    }

    public func steps(executionID: String) throws -> [StepRecord] {
        try pool.read { db in
            try StepRecord.filter(StepRecord.Columns.executionID == executionID).order(StepRecord.Columns.id).fetchAll(db)
        }
    }

    public func statuses(jobIDs: [String]) throws -> [String: JobStatus] {
        try pool.read { db in
            var result: [String: JobStatus] = [:]
            for chunk in stride(from: 0, to: jobIDs.count, by: 500) {
                let ids = Array(jobIDs[chunk..<min(chunk + 500, jobIDs.count)])
                // Two columns, not whole records: `drain` asks this for every job it waits on.
                let rows = try Row.fetchCursor(db, JobRecord.select(JobRecord.Columns.id, JobRecord.Columns.status)
                    .filter(ids.contains(JobRecord.Columns.id)))
                while let row = try rows.next() {
                    if let status = JobStatus(rawValue: row["status"]) { result[row["id"]] = status }
                }
            }
            return result
        }
    }

    public func unfinishedJobIDs() throws -> [String] {
        try pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM jobs WHERE status IN \([JobStatus.queued, .running].sqlList) ORDER BY created_at")
        }
    }

    public func summary(now: Date) throws -> QueueSummary {
        try pool.read { db in
            var jobs: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status") {
                jobs[row["status"]] = row["n"]
            }
            var stages: [QueueSummary.StageQueue] = []
            for stage in Stage.allCases {
                let row = try Row.fetchOne(db, sql: """
                    SELECT
                      SUM(status = \(StepStatus.pending.sqlLiteral) AND not_before <= ?) AS runnable,
                      SUM(status = \(StepStatus.pending.sqlLiteral) AND not_before > ?) AS delayed,
                      SUM(status = \(StepStatus.leased.sqlLiteral)) AS leased,
                      MIN(CASE WHEN status = \(StepStatus.pending.sqlLiteral) THEN created_at END) AS oldest
                    FROM steps WHERE stage = ? AND status IN \([StepStatus.pending, .leased].sqlList)
                    """, arguments: [now, now, stage.rawValue])
                let oldest: Date? = row?["oldest"]
                let runnable: Int = row?["runnable"] ?? 0
                let delayed: Int = row?["delayed"] ?? 0
                let leased: Int = row?["leased"] ?? 0
                stages.append(.init(stage: stage.rawValue, runnable: runnable, delayed: delayed, leased: leased,
                                    oldestWaitingSeconds: oldest.map { now.timeIntervalSince($0) }))
            }
            let throughput = try [1, 5, 15].map { minutes in
                let since = now.addingTimeInterval(-Double(minutes) * 60)
                let items = try Int.fetchOne(db, sql: """
                    SELECT COUNT(*) FROM items WHERE status IN \(ItemStatus.terminal.sqlList) AND updated_at >= ?
                    """, arguments: [since]) ?? 0
                let finished = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM jobs WHERE finished_at >= ?", arguments: [since]) ?? 0
                return QueueSummary.Throughput(minutes: minutes, items: items, jobs: finished)
            }
            return QueueSummary(jobs: jobs, stages: stages, throughput: throughput)
        }
    }

    public func progress(jobIDs: [String]) throws -> DrainProgress {
        try pool.read { db in
            let ids = Self.jsonList(jobIDs)
            let jobs = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS n, SUM(status IN \(JobStatus.finished.sqlList)) AS done
                FROM jobs WHERE id IN (SELECT value FROM json_each(?))
                """, arguments: [ids])
            let items = try Row.fetchOne(db, sql: """
                SELECT COUNT(*) AS n, SUM(i.status IN \(ItemStatus.terminal.sqlList)) AS done
                FROM items i JOIN executions e ON e.id = i.execution_id
                WHERE e.job_id IN (SELECT value FROM json_each(?))
                  AND e.number = (SELECT MAX(number) FROM executions WHERE job_id = e.job_id)
                """, arguments: [ids])
            return DrainProgress(jobs: jobs?["n"] ?? 0, jobsFinished: jobs?["done"] ?? 0,
                                 items: items?["n"] ?? 0, itemsDone: items?["done"] ?? 0)
        }
    }

    public func recentFailures(limit: Int) throws -> [JobRecord] {
        try pool.read { db in
            try JobRecord.filter(JobRecord.Columns.status == JobStatus.failed.rawValue)
                .order(JobRecord.Columns.updatedAt.desc).limit(limit).fetchAll(db)
        }
    }

    // MARK: Events

    public func append(_ event: EventRecord) throws {
        try write { db in
            var event = event
            try event.insert(db)
        }
    }

    public func events(jobID: String, after id: Int64) throws -> [EventRecord] {
        try pool.read { db in
            try EventRecord.filter(EventRecord.Columns.job == jobID && EventRecord.Columns.id > id).order(EventRecord.Columns.id).fetchAll(db)
        }
    }

    // MARK: Routing

    /// A lease is only honoured while this owner still holds it: a step whose lease expired and
    /// was taken by another worker must not be recorded twice.
    private func stillHeld(_ db: Database, _ lease: StepLease) throws -> Bool {
        // The attempt number too: the same process may have re-claimed its own expired step.
        try Bool.fetchOne(db, sql: "SELECT status = \(StepStatus.leased.sqlLiteral) AND lease_owner = ? AND attempts = ? FROM steps WHERE id = ?",
                          arguments: [lease.step.leaseOwner, lease.step.attempts, lease.step.id]) ?? false
    }

    func insertStep(_ db: Database, execution: String, item: Int64?, stage: Stage, priority: Int, now: Date) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO steps (execution_id, item_id, stage, status, priority, attempts, not_before, created_at)
            VALUES (?, ?, ?, \(StepStatus.pending.sqlLiteral), ?, 0, ?, ?)
            """, arguments: [execution, item, stage.rawValue, priority, now, now])
    }

    /// Moves an item past `stage`: to the next enabled stage, or to `approved`.
    private func advance(_ db: Database, item: inout ItemRecord, after stage: Stage, execution: ExecutionRecord,
                         priority: Int, now: Date) throws {
        var next: Stage?
        if stage == .generate, execution.qualityEnabled {
            next = .quality
        } else if stage != .metadata, execution.metadataEnabled {
            next = .metadata
        }
        item.nextStage = next
        if next == nil { item.status = .approved }
        item.updatedAt = now
        try item.update(db)
        if let next {
            if next == .quality && execution.qualityBarrier {
                try releaseQualityBarrier(db, execution: execution, priority: priority, now: now)
            } else {
                try insertStep(db, execution: execution.id, item: item.id, stage: next, priority: priority, now: now)
            }
        } else {
            try finishIfDone(db, execution: execution, priority: priority, now: now)
        }
    }

    /// With the duplicate check on, quality starts only once no item is still being generated,
    /// so every item is compared against the same set of earlier items.
    func releaseQualityBarrier(_ db: Database, execution: ExecutionRecord, priority: Int, now: Date) throws {
        guard execution.qualityBarrier else { return }
        let generating = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM items WHERE execution_id = ? AND next_stage = \(Stage.generate.sqlLiteral)
            """, arguments: [execution.id]) ?? 0
        guard generating == 0 else { return }
        let waiting = try Int64.fetchAll(db, sql: """
            SELECT id FROM items WHERE execution_id = ? AND next_stage = \(Stage.quality.sqlLiteral) ORDER BY idx
            """, arguments: [execution.id])
        for id in waiting {
            try insertStep(db, execution: execution.id, item: id, stage: .quality, priority: priority, now: now)
        }
    }

    /// Export runs once, when every item of the execution is terminal.
    func finishIfDone(_ db: Database, execution: ExecutionRecord, priority: Int, now: Date) throws {
        let open = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM items WHERE execution_id = ? AND status NOT IN \(ItemStatus.terminal.sqlList)
            """, arguments: [execution.id]) ?? 0
        if open == 0 {
            try insertStep(db, execution: execution.id, item: nil, stage: .export, priority: priority, now: now)
        }
    }
}
