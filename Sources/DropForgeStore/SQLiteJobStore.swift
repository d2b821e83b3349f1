import Foundation
import GRDB
import Synchronization
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
            defer { Self.writeTransactions.add(1, ordering: .relaxed) }
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

    /// Write transactions this process has made (committed or not): what `make bench` reports
    /// per job.
    public static let writeTransactions = Atomic<Int>(0)

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

    public func admit(_ admissions: [Admission]) throws -> [AdmissionResult] {
        guard !admissions.isEmpty else { return [] }
        return try write { db in try admissions.map { try admit($0, db) } }
    }

    private func admit(_ admission: Admission, _ db: Database) throws -> AdmissionResult {
        let known = try db.cachedStatement(sql: "SELECT 1 FROM jobs WHERE claim_file = ? OR id = ? LIMIT 1")
        known.arguments = [admission.job.claimFile, admission.job.id]
        if try Int.fetchOne(known) != nil { return .alreadyKnown }
        var duplicateOf: String?
        if admission.checkDuplicate, let manifestID = admission.job.manifestID {
            let earlier = try db.cachedStatement(sql: """
                SELECT id FROM jobs WHERE manifest_id = ? AND status <> \(JobStatus.failed.sqlLiteral)
                ORDER BY created_at LIMIT 1
                """)
            earlier.arguments = [manifestID]
            duplicateOf = try String.fetchOne(earlier)
        }
        let (failure, start) = admission.decide(duplicateOf)
        try admission.job.insert(db)
        var execution = admission.execution
        execution.failure = try failure.map { try JSONCoding.encode($0) }
        try execution.insert(db)
        try insertStep(db, execution: execution.id, item: nil, stage: start,
                       priority: admission.job.priority, now: admission.job.createdAt)
        try insert(admission.events(duplicateOf), db)
        return .admitted(duplicateOf: duplicateOf)
    }

    // MARK: The queue

    public func claimSteps(stage: Stage, owner: String, leaseSeconds: TimeInterval, limit: Int, now: Date) throws -> [StepLease] {
        // Two searches of `steps_queue` (stage, status, priority, id), one per status: a single
        // `status = … OR status = …` search walks every finished step of the stage and sorts,
        // which made each claim slower as the store grew. The statement is compiled once per
        // connection: idle workers ask often, and compiling it cost more than running it.
        // Most claims of an idle worker find nothing: a read (no write lock, no commit) says so
        // first, so they cost no write transaction.
        guard try hasRunnableStep(stage: stage, now: now) else { return [] }
        return try write { db in
            let claim = try db.cachedStatement(sql: """
                UPDATE steps SET status = \(StepStatus.leased.sqlLiteral), lease_owner = ?, lease_expires = ?,
                       attempts = attempts + 1, started_at = ?
                WHERE id IN (
                    SELECT id FROM (
                        SELECT * FROM (SELECT id, priority FROM steps
                                       WHERE stage = ? AND status = \(StepStatus.pending.sqlLiteral) AND not_before <= ?
                                       ORDER BY priority DESC, id LIMIT ?)
                        UNION ALL
                        SELECT * FROM (SELECT id, priority FROM steps
                                       WHERE stage = ? AND status = \(StepStatus.leased.sqlLiteral) AND lease_expires < ?
                                       ORDER BY priority DESC, id LIMIT ?))
                    ORDER BY priority DESC, id LIMIT ?)
                RETURNING *
                """)
            claim.arguments = [owner, now.addingTimeInterval(leaseSeconds), now,
                               stage.rawValue, now, limit, stage.rawValue, now, limit, limit]
            let steps = try StepRecord.fetchAll(claim).sorted { ($0.priority, -($0.id ?? 0)) > ($1.priority, -($1.id ?? 0)) }
            var executions: [String: ExecutionRecord] = [:]
            var jobs: [String: JobRecord] = [:]
            var leases: [StepLease] = []
            for step in steps {
                guard let execution = try executions[step.executionID] ?? ExecutionRecord.fetchOne(db, key: step.executionID),
                      let job = try jobs[execution.jobID] ?? JobRecord.fetchOne(db, key: execution.jobID)
                else { continue }
                if step.stage != .export, execution.cancelledAt != nil {
                    // Released or expired after `jobs cancel`: the step is closed, not run.
                    try closeCancelled(db, step: step, execution: execution, now: now)
                    continue
                }
                if job.status == .queued {
                    try db.execute(sql: "UPDATE jobs SET status = \(JobStatus.running.sqlLiteral), updated_at = ? WHERE id = ?",
                                   arguments: [now, job.id])
                    try db.execute(sql: """
                        UPDATE executions SET status = \(JobStatus.running.sqlLiteral) WHERE id = ? AND status = \(JobStatus.queued.sqlLiteral)
                        """, arguments: [execution.id])
                }
                var running = job
                running.status = .running
                executions[execution.id] = execution
                jobs[job.id] = running
                let item = try step.itemID.flatMap { try ItemRecord.fetchOne(db, key: $0) }
                leases.append(StepLease(step: step, job: job, execution: execution, item: item))
            }
            return leases
        }
    }

    /// Whether a claim of `stage` would find a step: the same two index searches, read-only.
    private func hasRunnableStep(stage: Stage, now: Date) throws -> Bool {
        try pool.read { db in
            let probe = try db.cachedStatement(sql: """
                SELECT EXISTS (SELECT 1 FROM steps
                               WHERE stage = ? AND status = \(StepStatus.pending.sqlLiteral) AND not_before <= ?)
                    OR EXISTS (SELECT 1 FROM steps
                               WHERE stage = ? AND status = \(StepStatus.leased.sqlLiteral) AND lease_expires < ?)
                """)
            probe.arguments = [stage.rawValue, now, stage.rawValue, now]
            return try Bool.fetchOne(probe) ?? true
        }
    }

    public func finish(_ completions: [StepCompletion], carryOn: CarryOn?) throws -> StepLease? {
        try write { db in try SQLiteTransitionWriter(store: self, db: db).finish(completions, carryOn: carryOn) }
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
            if let name = filter.name { request = request.filter(JobRecord.Columns.name.like("%\(likeEscaped(name))%", escape: "\\")) }
            if let prefix = filter.idPrefix { request = request.filter(JobRecord.Columns.id.like("\(likeEscaped(prefix))%", escape: "\\")) }
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
            // Work in item-stages (see `DrainProgress.work`): an item's steps count as they finish,
            // all of them once it is terminal; the parameters step is 1, the export one per item.
            // Steps are found by the `steps_once` index: execution, stage, item.
            let itemStages = [Stage.parameters, .generate, .quality, .metadata].sqlList
            let items = try Row.fetchOne(db, sql: """
                WITH newest AS (
                  SELECT e.id, 1 + e.quality_enabled + e.metadata_enabled AS k FROM executions e
                  WHERE e.job_id IN (SELECT value FROM json_each(?))
                    AND e.number = (SELECT MAX(number) FROM executions WHERE job_id = e.job_id)),
                item AS (
                  SELECT i.status IN \(ItemStatus.terminal.sqlList) AS finished,
                         n.k + EXISTS (SELECT 1 FROM steps s WHERE s.execution_id = i.execution_id
                                       AND s.stage = \(Stage.parameters.sqlLiteral) AND IFNULL(s.item_id, -1) = i.id) AS units,
                         (SELECT COUNT(*) FROM steps s WHERE s.execution_id = i.execution_id AND s.stage IN \(itemStages)
                            AND IFNULL(s.item_id, -1) = i.id AND s.status = \(StepStatus.done.sqlLiteral)) AS steps_done
                  FROM items i JOIN newest n ON n.id = i.execution_id),
                execution AS (
                  SELECT MAX(1, (SELECT COUNT(*) FROM items WHERE execution_id = n.id)) AS export_units,
                         EXISTS (SELECT 1 FROM steps WHERE execution_id = n.id AND stage = \(Stage.parameters.sqlLiteral)
                                 AND IFNULL(item_id, -1) = -1 AND status IN \([StepStatus.done, .failed].sqlList)) AS planned,
                         EXISTS (SELECT 1 FROM steps WHERE execution_id = n.id AND stage = \(Stage.export.sqlLiteral)
                                 AND status IN \([StepStatus.done, .failed].sqlList)) AS exported
                  FROM newest n)
                SELECT (SELECT COUNT(*) FROM item) AS n, (SELECT SUM(finished) FROM item) AS done,
                       IFNULL((SELECT SUM(units) FROM item), 0) + IFNULL((SELECT SUM(1 + export_units) FROM execution), 0) AS work,
                       IFNULL((SELECT SUM(CASE WHEN finished THEN units ELSE MIN(units, steps_done) END) FROM item), 0)
                         + IFNULL((SELECT SUM(planned + exported * export_units) FROM execution), 0) AS work_done
                """, arguments: [ids])
            return DrainProgress(jobs: jobs?["n"] ?? 0, jobsFinished: jobs?["done"] ?? 0,
                                 items: items?["n"] ?? 0, itemsDone: items?["done"] ?? 0,
                                 work: items?["work"] ?? 0, workDone: items?["work_done"] ?? 0)
        }
    }

    public func itemProgress(jobIDs: [String]) throws -> [String: ItemProgress] {
        try pool.read { db in
            var progress: [String: ItemProgress] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT e.job_id AS job, COUNT(*) AS n, SUM(i.status IN \(ItemStatus.terminal.sqlList)) AS done
                FROM items i JOIN executions e ON e.id = i.execution_id
                WHERE e.job_id IN (SELECT value FROM json_each(?))
                  AND e.number = (SELECT MAX(number) FROM executions WHERE job_id = e.job_id)
                GROUP BY e.job_id
                """, arguments: [Self.jsonList(jobIDs)]) {
                progress[row["job"]] = ItemProgress(done: row["done"] ?? 0, total: row["n"] ?? 0)
            }
            return progress
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
        try write { db in try insert([event], db) }
    }

    /// Log lines, inside whatever write is storing them.
    func insert(_ events: [EventRecord], _ db: Database) throws {
        for var event in events { try event.insert(db) }
    }

    public func events(jobID: String, after id: Int64) throws -> [EventRecord] {
        try pool.read { db in
            try EventRecord.filter(EventRecord.Columns.job == jobID && EventRecord.Columns.id > id).order(EventRecord.Columns.id).fetchAll(db)
        }
    }
}
