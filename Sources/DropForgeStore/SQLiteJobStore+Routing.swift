import Foundation
import GRDB
import DropForgeCore

/// Applying a ``StepTransition``: the SQL behind each ``RoutingEffect``. Which effects a step
/// leads to is the stage graph's decision (DropForgeKit); nothing here chooses a stage.
extension SQLiteJobStore {
    func stillHeld(_ db: Database, _ lease: StepLease) throws -> Bool {
        // The attempt number too: the same process may have re-claimed its own expired step.
        try Bool.fetchOne(db, sql: """
            SELECT status = \(StepStatus.leased.sqlLiteral) AND lease_owner = ? AND attempts = ? FROM steps WHERE id = ?
            """, arguments: [lease.step.leaseOwner, lease.step.attempts, lease.step.id]) ?? false
    }

    func recordUsage(_ db: Database, _ step: StepRecord, _ transition: StepTransition) throws {
        guard let usage = transition.usage else { return }
        try db.execute(sql: "UPDATE steps SET usage = ? WHERE id = ?", arguments: [usage, step.id])
    }

    func close(_ db: Database, _ step: StepRecord, _ close: StepTransition.Close, started: Date, now: Date) throws {
        switch close {
        case .done:
            try db.execute(sql: """
                UPDATE steps SET status = \(StepStatus.done.sqlLiteral), started_at = ?, finished_at = ?,
                       lease_owner = NULL, lease_expires = NULL
                WHERE id = ?
                """, arguments: [started, now, step.id])
        case .retry(let notBefore, let error):
            try db.execute(sql: """
                UPDATE steps SET status = \(StepStatus.pending.sqlLiteral), not_before = ?, lease_owner = NULL,
                       lease_expires = NULL, last_error = ? WHERE id = ?
                """, arguments: [notBefore, error, step.id])
        case .failed(let error):
            try db.execute(sql: """
                UPDATE steps SET status = \(StepStatus.failed.sqlLiteral), finished_at = ?, lease_owner = NULL,
                       lease_expires = NULL, last_error = ? WHERE id = ?
                """, arguments: [now, error, step.id])
        }
    }

    func apply(_ effect: RoutingEffect, _ db: Database, _ context: RoutingContext, now: Date) throws {
        let execution = context.execution
        switch effect {
        case .updateItem(let item):
            try item.update(db)
        case .insertItem(var item, let stage):
            try item.insert(db)
            if let stage { try insertStep(db, execution: execution.id, item: item.id, stage: stage, priority: context.priority, now: now) }
        case .queue(let stage, let itemID):
            try insertStep(db, execution: execution.id, item: itemID, stage: stage, priority: context.priority, now: now)
        case .releaseQualityBarrier:
            try releaseQualityBarrier(db, execution: execution, priority: context.priority, now: now)
        case .exportWhenItemsFinished:
            try exportWhenItemsFinished(db, execution: execution, priority: context.priority, now: now)
        case .recordFailure(let failure):
            try db.execute(sql: "UPDATE executions SET failure = ? WHERE id = ?", arguments: [failure, execution.id])
        case .publish(let status, let path):
            try db.execute(sql: "UPDATE executions SET status = ?, outbox_path = ?, finished_at = ? WHERE id = ?",
                           arguments: [status.rawValue, path, now, execution.id])
            try db.execute(sql: "UPDATE jobs SET status = ?, updated_at = ?, finished_at = ? WHERE id = ?",
                           arguments: [status.rawValue, now, now, context.jobID])
        case .failExecution(let failure):
            try db.execute(sql: """
                UPDATE executions SET status = \(JobStatus.failed.sqlLiteral), failure = ?, finished_at = ? WHERE id = ?
                """, arguments: [failure, now, execution.id])
            try db.execute(sql: """
                UPDATE jobs SET status = \(JobStatus.failed.sqlLiteral), updated_at = ?, finished_at = ? WHERE id = ?
                """, arguments: [now, now, context.jobID])
        }
    }

    func carry(_ db: Database, _ lease: StepLease, item itemID: Int64?, to carryOn: CarryOn, now: Date) throws -> StepLease? {
        let inserted = try StepRecord.fetchOne(db, sql: """
            INSERT OR IGNORE INTO steps (execution_id, item_id, stage, status, priority, attempts, not_before, created_at,
                                         lease_owner, lease_expires, started_at)
            VALUES (?, ?, ?, \(StepStatus.leased.sqlLiteral), ?, 1, ?, ?, ?, ?, ?)
            RETURNING *
            """, arguments: [lease.execution.id, itemID, carryOn.stage.rawValue, lease.step.priority, now, now,
                             carryOn.owner, now.addingTimeInterval(carryOn.leaseSeconds), now])
        guard let step = inserted else { return nil }
        let item = try itemID.flatMap { try ItemRecord.fetchOne(db, key: $0) }
        return StepLease(step: step, job: lease.job, execution: lease.execution, item: item)
    }

    func insertStep(_ db: Database, execution: String, item: Int64?, stage: Stage, priority: Int, now: Date) throws {
        try db.execute(sql: """
            INSERT OR IGNORE INTO steps (execution_id, item_id, stage, status, priority, attempts, not_before, created_at)
            VALUES (?, ?, ?, \(StepStatus.pending.sqlLiteral), ?, 0, ?, ?)
            """, arguments: [execution, item, stage.rawValue, priority, now, now])
    }

    /// See ``RoutingEffect/releaseQualityBarrier``.
    private func releaseQualityBarrier(_ db: Database, execution: ExecutionRecord, priority: Int, now: Date) throws {
        guard try barrierOpen(db, execution: execution) else { return }
        let waiting = try Int64.fetchAll(db, sql: """
            SELECT id FROM items WHERE execution_id = ? AND next_stage = \(Stage.quality.sqlLiteral) ORDER BY idx
            """, arguments: [execution.id])
        for id in waiting {
            try insertStep(db, execution: execution.id, item: id, stage: .quality, priority: priority, now: now)
        }
    }

    func barrierOpen(_ db: Database, execution: ExecutionRecord) throws -> Bool {
        try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM items WHERE execution_id = ? AND next_stage IN \([Stage.parameters, .generate].sqlList)
            """, arguments: [execution.id]) == 0
    }

    /// See ``RoutingEffect/exportWhenItemsFinished``.
    private func exportWhenItemsFinished(_ db: Database, execution: ExecutionRecord, priority: Int, now: Date) throws {
        if try itemsFinished(db, execution: execution) {
            try insertStep(db, execution: execution.id, item: nil, stage: .export, priority: priority, now: now)
        }
    }

    func itemsFinished(_ db: Database, execution: ExecutionRecord) throws -> Bool {
        try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM items WHERE execution_id = ? AND status NOT IN \(ItemStatus.terminal.sqlList)
            """, arguments: [execution.id]) == 0
    }
}

/// ``TransitionWriting`` on one SQLite write transaction.
struct SQLiteTransitionWriter: TransitionWriting {
    let store: SQLiteJobStore
    let db: Database

    func insert(_ events: [EventRecord]) throws { try store.insert(events, db) }
    func stillHeld(_ lease: StepLease) throws -> Bool { try store.stillHeld(db, lease) }
    func recordUsage(_ step: StepRecord, _ transition: StepTransition) throws { try store.recordUsage(db, step, transition) }
    func closeIfCancelled(_ lease: StepLease, now: Date) throws -> Bool { try store.closeIfCancelled(db, lease, now: now) }
    func close(_ step: StepRecord, _ close: StepTransition.Close, started: Date, now: Date) throws {
        try store.close(db, step, close, started: started, now: now)
    }
    func carry(_ lease: StepLease, item: Int64?, to carryOn: CarryOn, now: Date) throws -> StepLease? {
        try store.carry(db, lease, item: item, to: carryOn, now: now)
    }
    func itemsFinished(execution: ExecutionRecord) throws -> Bool { try store.itemsFinished(db, execution: execution) }
    func barrierOpen(execution: ExecutionRecord) throws -> Bool { try store.barrierOpen(db, execution: execution) }
    func nextStage(itemID: Int64) throws -> Stage? { try ItemRecord.fetchOne(db, key: itemID)?.nextStage }
    func apply(_ effect: RoutingEffect, _ context: RoutingContext, now: Date) throws { try store.apply(effect, db, context, now: now) }
}
