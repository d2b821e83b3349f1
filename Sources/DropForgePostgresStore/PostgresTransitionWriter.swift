import Foundation
import DropForgeCore
import DropForgePostgres
import DropForgeStore

/// ``TransitionWriting`` on one PostgreSQL transaction: the SQL behind each ``RoutingEffect``,
/// the same writes as the SQLite store's in PostgreSQL's words (`ON CONFLICT DO NOTHING` for
/// `INSERT OR IGNORE`, `$n` parameters). Which effects a step leads to is the stage graph's.
final class PostgresTransitionWriter: TransitionWriting {
    let db: PostgresConnection
    /// The executions of the transaction that are cancelled, when the caller has read that
    /// already (a finish reads it with the rows it locks); nil: look each one up.
    private let cancelled: Set<String>?
    /// Items as this transaction last wrote them: a carried step's item is the one just updated,
    /// not read back (one round trip less per carried step).
    private var written: [Int64: ItemRecord] = [:]

    init(db: PostgresConnection, cancelled: Set<String>? = nil) {
        self.db = db
        self.cancelled = cancelled
    }

    func insert(_ events: [EventRecord]) throws {
        for event in events { try db.insert(event, into: "events") }
    }

    func stillHeld(_ lease: StepLease) throws -> Bool {
        // FOR UPDATE: a host taking the expired lease at this moment waits for this answer.
        try db.scalar("""
            SELECT status = \(StepStatus.leased.sqlLiteral) AND lease_owner = $1 AND attempts = $2 FROM steps WHERE id = $3 FOR UPDATE
            """, lease.step.leaseOwner, lease.step.attempts, lease.step.id) == "t"
    }

    func recordUsage(_ step: StepRecord, _ transition: StepTransition) throws {
        guard let usage = transition.usage else { return }
        try db.query("UPDATE steps SET usage = $1 WHERE id = $2", usage, step.id)
    }

    func closeIfCancelled(_ lease: StepLease, now: Date) throws -> Bool {
        guard lease.step.stage != .export, cancelled?.contains(lease.execution.id) ?? true,
              let execution = try db.fetchOne(ExecutionRecord.self, "SELECT * FROM executions WHERE id = $1", lease.execution.id),
              execution.cancelledAt != nil
        else { return false }
        try closeCancelled(step: lease.step, execution: execution, now: now)
        return true
    }

    func close(_ step: StepRecord, _ close: StepTransition.Close, started: Date, now: Date) throws {
        switch close {
        case .done:
            try db.query("""
                UPDATE steps SET status = \(StepStatus.done.sqlLiteral), started_at = $1, finished_at = $2,
                       lease_owner = NULL, lease_expires = NULL
                WHERE id = $3
                """, started, now, step.id)
        case .retry(let notBefore, let error):
            try db.query("""
                UPDATE steps SET status = \(StepStatus.pending.sqlLiteral), not_before = $1, lease_owner = NULL,
                       lease_expires = NULL, last_error = $2 WHERE id = $3
                """, notBefore, error, step.id)
        case .failed(let error):
            try db.query("""
                UPDATE steps SET status = \(StepStatus.failed.sqlLiteral), finished_at = $1, lease_owner = NULL,
                       lease_expires = NULL, last_error = $2 WHERE id = $3
                """, now, error, step.id)
        }
    }

    func apply(_ effect: RoutingEffect, _ context: RoutingContext, now: Date) throws {
        let execution = context.execution
        switch effect {
        case .updateItem(let item):
            try db.update(item, in: "items")
            if let id = item.id { written[id] = item }
        case .insertItem(let item, let stage):
            let stored = try db.insert(item, into: "items")
            if let stage, let id = stored?.id {
                try insertStep(execution: execution.id, item: id, stage: stage, priority: context.priority, now: now)
            }
        case .queue(let stage, let itemID):
            try insertStep(execution: execution.id, item: itemID, stage: stage, priority: context.priority, now: now)
        case .releaseQualityBarrier:
            guard try barrierOpen(execution: execution) else { return }
            let waiting = try db.query("""
                SELECT id FROM items WHERE execution_id = $1 AND next_stage = \(Stage.quality.sqlLiteral) ORDER BY idx
                """, execution.id).rows.compactMap { $0.first.flatMap { $0 }.flatMap { Int64($0) } }
            for id in waiting {
                try insertStep(execution: execution.id, item: id, stage: .quality, priority: context.priority, now: now)
            }
        case .exportWhenItemsFinished:
            if try itemsFinished(execution: execution) {
                try insertStep(execution: execution.id, item: nil, stage: .export, priority: context.priority, now: now)
            }
        case .recordFailure(let failure):
            try db.query("UPDATE executions SET failure = $1 WHERE id = $2", failure, execution.id)
        case .publish(let status, let path):
            try db.query("UPDATE executions SET status = $1, outbox_path = $2, finished_at = $3 WHERE id = $4",
                         status.rawValue, path, now, execution.id)
            try db.query("UPDATE jobs SET status = $1, updated_at = $2, finished_at = $2 WHERE id = $3",
                         status.rawValue, now, context.jobID)
        case .failExecution(let failure):
            try db.query("""
                UPDATE executions SET status = \(JobStatus.failed.sqlLiteral), failure = $1, finished_at = $2 WHERE id = $3
                """, failure, now, execution.id)
            try db.query("""
                UPDATE jobs SET status = \(JobStatus.failed.sqlLiteral), updated_at = $1, finished_at = $1 WHERE id = $2
                """, now, context.jobID)
        }
    }

    func carry(_ lease: StepLease, item itemID: Int64?, to carryOn: CarryOn, now: Date) throws -> StepLease? {
        guard let step = try db.fetchOne(StepRecord.self, """
            INSERT INTO steps (execution_id, item_id, stage, status, priority, attempts, not_before, created_at,
                               lease_owner, lease_expires, started_at)
            VALUES ($1, $2, $3, \(StepStatus.leased.sqlLiteral), $4, 1, $5, $5, $6, $7, $5)
            ON CONFLICT DO NOTHING
            RETURNING *
            """, lease.execution.id, itemID, carryOn.stage.rawValue, lease.step.priority, now,
            carryOn.owner, now.addingTimeInterval(carryOn.leaseSeconds))
        else { return nil }
        let item = try itemID.flatMap { id in try written[id] ?? db.fetchOne(ItemRecord.self, "SELECT * FROM items WHERE id = $1", id) }
        return StepLease(step: step, job: lease.job, execution: lease.execution, item: item)
    }

    func insertStep(execution: String, item: Int64?, stage: Stage, priority: Int, now: Date) throws {
        try db.query("""
            INSERT INTO steps (execution_id, item_id, stage, status, priority, attempts, not_before, created_at)
            VALUES ($1, $2, $3, \(StepStatus.pending.sqlLiteral), $4, 0, $5, $5)
            ON CONFLICT DO NOTHING
            """, execution, item, stage.rawValue, priority, now)
    }

    func barrierOpen(execution: ExecutionRecord) throws -> Bool {
        try db.count("""
            SELECT COUNT(*) FROM items WHERE execution_id = $1 AND next_stage IN \([Stage.parameters, .generate].sqlList)
            """, execution.id) == 0
    }

    func itemsFinished(execution: ExecutionRecord) throws -> Bool {
        try db.count("""
            SELECT COUNT(*) FROM items WHERE execution_id = $1 AND status NOT IN \(ItemStatus.terminal.sqlList)
            """, execution.id) == 0
    }

    func nextStage(itemID: Int64) throws -> Stage? {
        try db.scalar("SELECT next_stage FROM items WHERE id = $1", itemID).flatMap(Stage.init(rawValue:))
    }

    // MARK: Cancelled executions

    func closeCancelled(step: StepRecord, execution: ExecutionRecord, now: Date) throws {
        try db.query("""
            UPDATE steps SET status = \(StepStatus.failed.sqlLiteral), finished_at = $1, lease_owner = NULL, lease_expires = NULL,
                   last_error = \(ErrorCode.cancelled.sqlLiteral) WHERE id = $2
            """, now, step.id)
        if let itemID = step.itemID {
            try db.query("""
                UPDATE items SET status = \(ItemStatus.failed.sqlLiteral), next_stage = NULL, last_error = \(ErrorCode.cancelled.sqlLiteral), updated_at = $1
                WHERE id = $2 AND status NOT IN \(ItemStatus.terminal.sqlList)
                """, now, itemID)
        }
        let priority = Int(try db.scalar("SELECT priority FROM jobs WHERE id = $1", execution.jobID) ?? "") ?? 1
        _ = try publishCancelledIfIdle(execution: execution, priority: priority, now: now)
    }

    /// Queues the export of a cancelled execution once no worker holds one of its steps.
    /// Returns how many steps are still held.
    func publishCancelledIfIdle(execution: ExecutionRecord, priority: Int, now: Date) throws -> Int {
        let held = try db.count("""
            SELECT COUNT(*) FROM steps WHERE execution_id = $1 AND status = \(StepStatus.leased.sqlLiteral) AND stage <> \(Stage.export.sqlLiteral)
            """, execution.id)
        if held == 0 {
            try insertStep(execution: execution.id, item: nil, stage: .export, priority: priority, now: now)
        }
        return held
    }
}
