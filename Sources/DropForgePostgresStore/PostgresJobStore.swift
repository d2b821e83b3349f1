import Foundation
import Synchronization
import DropForgeCore
import DropForgePostgres
import DropForgeStore

/// The shared store (DESIGN §7, issue 14): the same roles as ``SQLiteJobStore`` on one
/// PostgreSQL database that several `watch` hosts use at once.
///
/// Every write is one transaction on a pooled connection (``PostgresPool``); a transaction
/// that meets a transient failure — the connection lost, the server restarting, a
/// serialization failure — is run again whole, with backoff, so the daemon rides out a
/// restart. Claims take rows with `FOR UPDATE SKIP LOCKED`: two hosts never lease the same
/// step and never wait for each other's locked rows. New steps are announced with
/// `NOTIFY dropforge_steps` (a trigger, migration v2), so idle workers on every host wake at once.
public final class PostgresJobStore: JobStore {
    let pool: PostgresPool
    private let url: String
    private let listening = Atomic<Bool>(false)

    /// Connects with `url` (a libpq connection string or `postgres://` URI; kept in memory only)
    /// and applies the schema's migrations under their advisory lock.
    public init(url: String, backoff: PostgresSession.Backoff = .init()) throws {
        self.url = url
        pool = try PostgresPool(url: url, backoff: backoff)
        _ = try pool.read { try PostgresStoreSchema.migrator.migrate($0) }
    }

    /// The URL without its password, for `status` and logs.
    public static func redacted(_ url: String) -> String { PostgresURL.redacted(url) }

    /// Write transactions this process has made, like ``SQLiteJobStore/writeTransactions``.
    public static let writeTransactions = Atomic<Int>(0)

    /// How long each claim that leased steps took, in milliseconds (the latest 100,000): the
    /// claim latency `make bench` reports.
    public static let claimMilliseconds = Mutex<[Double]>([])

    /// Transactions run again after a transient failure, since the store opened.
    public var retries: Int { pool.retries }

    func write<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        defer { Self.writeTransactions.add(1, ordering: .relaxed) }
        return try pool.transaction(body)
    }

    func read<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        try pool.read(body)
    }

    // MARK: Intake

    public func job(claimFile: String) throws -> JobRecord? {
        try read { try $0.fetchOne(JobRecord.self, "SELECT * FROM jobs WHERE claim_file = $1", claimFile) }
    }

    public func admit(_ admissions: [Admission]) throws -> [AdmissionResult] {
        guard !admissions.isEmpty else { return [] }
        return try write { db in try admissions.map { try admit($0, db) } }
    }

    private func admit(_ admission: Admission, _ db: PostgresConnection) throws -> AdmissionResult {
        // Another host may admit the same claim file at the same moment (an orphan adopted
        // twice): the unique keys decide, and the loser changes nothing.
        if try db.scalar("SELECT 1 FROM jobs WHERE claim_file = $1 OR id = $2 LIMIT 1",
                         admission.job.claimFile, admission.job.id) != nil { return .alreadyKnown }
        var duplicateOf: String?
        if admission.checkDuplicate, let manifestID = admission.job.manifestID {
            duplicateOf = try db.scalar("""
                SELECT id FROM jobs WHERE manifest_id = $1 AND status <> \(JobStatus.failed.sqlLiteral)
                ORDER BY created_at LIMIT 1
                """, manifestID)
        }
        let (failure, start) = admission.decide(duplicateOf)
        guard try db.insert(admission.job, into: "jobs", onConflictDoNothing: true) != nil else { return .alreadyKnown }
        var execution = admission.execution
        execution.failure = try failure.map { try JSONCoding.encode($0) }
        try db.insert(execution, into: "executions")
        let writer = PostgresTransitionWriter(db: db)
        try writer.insertStep(execution: execution.id, item: nil, stage: start,
                              priority: admission.job.priority, now: admission.job.createdAt)
        try writer.insert(admission.events(duplicateOf))
        return .admitted(duplicateOf: duplicateOf)
    }

    // MARK: The queue

    public func claimSteps(stage: Stage, owner: String, leaseSeconds: TimeInterval, limit: Int, now: Date) throws -> [StepLease] {
        // An idle worker's claim usually finds nothing: one read says so, without a transaction.
        guard try read({ db in
            try db.scalar("""
                SELECT EXISTS (SELECT 1 FROM steps WHERE stage = $1 AND status = \(StepStatus.pending.sqlLiteral) AND not_before <= $2)
                    OR EXISTS (SELECT 1 FROM steps WHERE stage = $1 AND status = \(StepStatus.leased.sqlLiteral) AND lease_expires < $2)
                """, stage.rawValue, now) == "t"
        }) else { return [] }
        let started = DispatchTime.now().uptimeNanoseconds
        let leases: [StepLease] = try write { db -> [StepLease] in
            // Rows another host is claiming right now are skipped, not waited for.
            let steps = try db.fetch(StepRecord.self, """
                WITH waiting AS (
                    SELECT id, priority FROM steps
                    WHERE stage = $4 AND status = \(StepStatus.pending.sqlLiteral) AND not_before <= $3
                    ORDER BY priority DESC, id LIMIT $5 FOR UPDATE SKIP LOCKED),
                expired AS (
                    SELECT id, priority FROM steps
                    WHERE stage = $4 AND status = \(StepStatus.leased.sqlLiteral) AND lease_expires < $3
                    ORDER BY priority DESC, id LIMIT $5 FOR UPDATE SKIP LOCKED),
                picked AS (
                    SELECT id FROM (SELECT * FROM waiting UNION ALL SELECT * FROM expired) candidates
                    ORDER BY priority DESC, id LIMIT $5)
                UPDATE steps SET status = \(StepStatus.leased.sqlLiteral), lease_owner = $1, lease_expires = $2,
                       attempts = attempts + 1, started_at = $3
                FROM picked WHERE steps.id = picked.id
                RETURNING steps.*
                """, owner, now.addingTimeInterval(leaseSeconds), now, stage.rawValue, limit)
                .sorted { ($0.priority, -($0.id ?? 0)) > ($1.priority, -($1.id ?? 0)) }
            guard !steps.isEmpty else { return [] }
            let executionIDs = Array(Set(steps.map(\.executionID)))
            let executions = Dictionary(uniqueKeysWithValues: try db.fetch(ExecutionRecord.self,
                "SELECT * FROM executions WHERE id = ANY($1)", PostgresArray(executionIDs)).map { ($0.id, $0) })
            var jobs = Dictionary(uniqueKeysWithValues: try db.fetch(JobRecord.self,
                "SELECT * FROM jobs WHERE id = ANY($1)", PostgresArray(Array(Set(executions.values.map(\.jobID))))).map { ($0.id, $0) })
            let itemIDs = steps.compactMap(\.itemID)
            let items = itemIDs.isEmpty ? [:] : Dictionary(uniqueKeysWithValues: try db.fetch(ItemRecord.self,
                "SELECT * FROM items WHERE id = ANY($1)", PostgresArray(itemIDs)).map { ($0.id ?? 0, $0) })
            let writer = PostgresTransitionWriter(db: db)
            var leases: [StepLease] = []
            var starting: Set<String> = []
            for step in steps {
                guard let execution = executions[step.executionID], let job = jobs[execution.jobID] else { continue }
                if step.stage != .export, execution.cancelledAt != nil {
                    // Released or expired after `jobs cancel`: the step is closed, not run.
                    try writer.closeCancelled(step: step, execution: execution, now: now)
                    continue
                }
                if job.status == .queued {
                    starting.insert(execution.id)
                    var running = job
                    running.status = .running
                    jobs[job.id] = running
                }
                leases.append(StepLease(step: step, job: job, execution: execution, item: step.itemID.flatMap { items[$0] }))
            }
            if !starting.isEmpty {
                let ids = PostgresArray(starting.sorted())
                try db.query("""
                    UPDATE jobs SET status = \(JobStatus.running.sqlLiteral), updated_at = $1
                    WHERE status = \(JobStatus.queued.sqlLiteral) AND id IN (SELECT job_id FROM executions WHERE id = ANY($2))
                    """, now, ids)
                try db.query("""
                    UPDATE executions SET status = \(JobStatus.running.sqlLiteral) WHERE id = ANY($1) AND status = \(JobStatus.queued.sqlLiteral)
                    """, ids)
            }
            return leases
        }
        if !leases.isEmpty {
            let milliseconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000_000
            Self.claimMilliseconds.withLock { samples in
                if samples.count < 100_000 { samples.append(milliseconds) }
            }
        }
        return leases
    }

    public func finish(_ completions: [StepCompletion], carryOn: CarryOn?) throws -> StepLease? {
        try write { db in
            // What follows a step depends on the execution's other items (the barrier, the last
            // item queueing export). Two hosts finishing items of one execution at once would each
            // miss the other's uncommitted item, so each finish holds its executions' rows, taken
            // in one order (no deadlock between two finishes); the second then reads what the first
            // committed. SQLite gets the same from its single writer.
            // The same read says which of them were cancelled meanwhile.
            let executions = Array(Set(completions.map(\.lease.execution.id))).sorted()
            let cancelled = Set(try db.query("""
                SELECT id, cancelled_at IS NOT NULL FROM executions WHERE id = ANY($1) ORDER BY id FOR UPDATE
                """, PostgresArray(executions)).rows.filter { $0[1] == "t" }.compactMap { $0[0] })
            return try PostgresTransitionWriter(db: db, cancelled: cancelled).finish(completions, carryOn: carryOn)
        }
    }

    public func renewLeases(owner: String, until: Date) throws {
        _ = try write { db in
            try db.query("UPDATE steps SET lease_expires = $1 WHERE lease_owner = $2 AND status = \(StepStatus.leased.sqlLiteral)",
                         until, owner)
        }
    }

    public func releaseLeases(owner: String, countAttempt: Bool) throws {
        _ = try write { db in
            try db.query("""
                UPDATE steps SET status = \(StepStatus.pending.sqlLiteral), lease_owner = NULL, lease_expires = NULL,
                       attempts = attempts - $1
                WHERE lease_owner = $2 AND status = \(StepStatus.leased.sqlLiteral)
                """, countAttempt ? 0 : 1, owner)
        }
    }

    public func leaseOwners() throws -> [String] {
        try read { db in
            try db.query("SELECT DISTINCT lease_owner FROM steps WHERE status = \(StepStatus.leased.sqlLiteral) AND lease_owner IS NOT NULL")
                .rows.compactMap { $0.first ?? nil }
        }
    }

    public func cancelledLeases(owner: String) throws -> [Int64] {
        try read { db in
            try db.query("""
                SELECT s.id FROM steps s JOIN executions e ON e.id = s.execution_id
                WHERE s.lease_owner = $1 AND s.status = \(StepStatus.leased.sqlLiteral) AND s.stage <> \(Stage.export.sqlLiteral)
                  AND e.cancelled_at IS NOT NULL
                """, owner).rows.compactMap { $0.first.flatMap { $0 }.flatMap { Int64($0) } }
        }
    }

    // MARK: Wake-ups across hosts

    /// Listens on `dropforge_steps` on a connection of its own and calls `wake` with the stage
    /// of each step queued anywhere (once per stage per transaction: PostgreSQL folds equal
    /// notifications). Reconnects when the connection is lost, and then wakes every stage, since
    /// steps may have been queued meanwhile.
    public func observeNewSteps(_ wake: @escaping @Sendable ([Stage]) -> Void) -> Bool {
        guard !listening.exchange(true, ordering: .relaxed) else { return true }
        let url = self.url
        let thread = Thread {
            var connection: PostgresConnection?
            while true {
                do {
                    if connection == nil {
                        let fresh = try PostgresConnection(url: url)
                        try fresh.listen("dropforge_steps")
                        connection = fresh
                        wake(Stage.allCases)
                    }
                    let stages = Set(try connection!.notifications(timeout: 1).compactMap(Stage.init(rawValue:)))
                    if !stages.isEmpty { wake(Array(stages)) }
                } catch {
                    connection = nil
                    Thread.sleep(forTimeInterval: 0.5)
                }
            }
        }
        thread.name = "dropforge-listen"
        thread.start()
        return true
    }

    // MARK: Events

    public func append(_ event: EventRecord) throws {
        try write { db in try PostgresTransitionWriter(db: db).insert([event]) }
    }

    public func events(jobID: String, after id: Int64) throws -> [EventRecord] {
        try read { try $0.fetch(EventRecord.self, "SELECT * FROM events WHERE job = $1 AND id > $2 ORDER BY id", jobID, id) }
    }
}
