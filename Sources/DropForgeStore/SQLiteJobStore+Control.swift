import Foundation
import GRDB
import DropForgeCore

/// Job control on the SQLite store: cancel, new executions (retry, rerun) and delete.
extension SQLiteJobStore {
    public func cancel(jobID: String, now: Date) throws -> CancelOutcome {
        try write { db in
            guard let job = try JobRecord.fetchOne(db, key: jobID) else { return .notFound }
            if job.status.isFinished { return .finished(job.status) }
            let open = try ExecutionRecord.filter(ExecutionRecord.Columns.jobID == jobID && ExecutionRecord.Columns.finishedAt == nil).fetchAll(db)
            let ids = open.map(\.id)
            let exporting = try Int.fetchOne(db, sql: """
                SELECT COUNT(*) FROM steps s JOIN executions e ON e.id = s.execution_id
                WHERE e.job_id = ? AND e.finished_at IS NULL AND s.stage = \(Stage.export.sqlLiteral) AND s.status IN \([StepStatus.leased, .done].sqlList)
                """, arguments: [jobID]) ?? 0
            if exporting > 0 { return .publishing }
            let failure = try JSONCoding.encode(StageFailure(
                stage: "cancel", code: "cancelled", message: "cancelled by `dropforge jobs cancel`", at: now))
            var running = 0
            for execution in open {
                try db.execute(sql: "UPDATE executions SET cancelled_at = ?, failure = ? WHERE id = ?",
                               arguments: [now, failure, execution.id])
                try db.execute(sql: """
                    UPDATE steps SET status = \(StepStatus.failed.sqlLiteral), finished_at = ?, last_error = \(ErrorCode.cancelled.sqlLiteral)
                    WHERE execution_id = ? AND status = \(StepStatus.pending.sqlLiteral) AND stage <> \(Stage.export.sqlLiteral)
                    """, arguments: [now, execution.id])
                try db.execute(sql: """
                    UPDATE items SET status = \(ItemStatus.failed.sqlLiteral), next_stage = NULL, last_error = \(ErrorCode.cancelled.sqlLiteral), updated_at = ?
                    WHERE execution_id = ? AND status NOT IN \(ItemStatus.terminal.sqlList)
                    """, arguments: [now, execution.id])
                var cancelled = execution
                cancelled.cancelledAt = now
                running += try publishCancelledIfIdle(db, execution: cancelled, priority: job.priority, now: now)
            }
            return .cancelled(executions: ids, running: running)
        }
    }

    public func cancelledLeases(owner: String) throws -> [Int64] {
        try pool.read { db in
            try Int64.fetchAll(db, sql: """
                SELECT s.id FROM steps s JOIN executions e ON e.id = s.execution_id
                WHERE s.lease_owner = ? AND s.status = \(StepStatus.leased.sqlLiteral) AND s.stage <> \(Stage.export.sqlLiteral) AND e.cancelled_at IS NOT NULL
                """, arguments: [owner])
        }
    }

    public func addExecution(_ execution: ExecutionRecord, start: [RoutingEffect], priority: Int, now: Date) throws {
        try write { db in
            guard let job = try JobRecord.fetchOne(db, key: execution.jobID) else { throw ExecutionRefusal.notFound }
            guard job.status.isFinished else { throw ExecutionRefusal.notFinished(job.status) }
            try execution.insert(db)
            try db.execute(sql: """
                UPDATE jobs SET status = \(JobStatus.queued.sqlLiteral), updated_at = ?, finished_at = NULL WHERE id = ?
                """, arguments: [now, job.id])
            let context = RoutingContext(execution: execution, jobID: job.id, priority: priority)
            for effect in start {
                try apply(effect, db, context, now: now)
            }
        }
    }

    public func delete(jobID: String) throws -> [ExecutionRecord] {
        try write { db in
            guard let job = try JobRecord.fetchOne(db, key: jobID) else { throw ExecutionRefusal.notFound }
            guard job.status.isFinished else { throw ExecutionRefusal.notFinished(job.status) }
            let executions = try ExecutionRecord.filter(ExecutionRecord.Columns.jobID == jobID).order(ExecutionRecord.Columns.number).fetchAll(db)
            try db.execute(sql: "DELETE FROM events WHERE job = ?", arguments: [jobID])
            try db.execute(sql: "DELETE FROM steps WHERE execution_id IN (SELECT id FROM executions WHERE job_id = ?)",
                           arguments: [jobID])
            try db.execute(sql: "DELETE FROM items WHERE execution_id IN (SELECT id FROM executions WHERE job_id = ?)",
                           arguments: [jobID])
            try db.execute(sql: "DELETE FROM executions WHERE job_id = ?", arguments: [jobID])
            try db.execute(sql: "DELETE FROM jobs WHERE id = ?", arguments: [jobID])
            return executions
        }
    }

    // MARK: Cancelled executions

    /// A worker finished (or failed) a step of a cancelled execution: the step is closed and its
    /// result dropped. True when the execution was cancelled.
    func closeIfCancelled(_ db: Database, _ lease: StepLease, now: Date) throws -> Bool {
        guard lease.step.stage != .export,
              let execution = try ExecutionRecord.fetchOne(db, key: lease.execution.id),
              execution.cancelledAt != nil
        else { return false }
        try closeCancelled(db, step: lease.step, execution: execution, now: now)
        return true
    }

    func closeCancelled(_ db: Database, step: StepRecord, execution: ExecutionRecord, now: Date) throws {
        try db.execute(sql: """
            UPDATE steps SET status = \(StepStatus.failed.sqlLiteral), finished_at = ?, lease_owner = NULL, lease_expires = NULL,
                   last_error = \(ErrorCode.cancelled.sqlLiteral) WHERE id = ?
            """, arguments: [now, step.id])
        if let itemID = step.itemID {
            try db.execute(sql: """
                UPDATE items SET status = \(ItemStatus.failed.sqlLiteral), next_stage = NULL, last_error = \(ErrorCode.cancelled.sqlLiteral), updated_at = ?
                WHERE id = ? AND status NOT IN \(ItemStatus.terminal.sqlList)
                """, arguments: [now, itemID])
        }
        let priority = try Int.fetchOne(db, sql: "SELECT priority FROM jobs WHERE id = ?", arguments: [execution.jobID]) ?? 1
        _ = try publishCancelledIfIdle(db, execution: execution, priority: priority, now: now)
    }

    /// Queues the export of a cancelled execution once no worker holds one of its steps.
    /// Returns how many steps are still held.
    private func publishCancelledIfIdle(_ db: Database, execution: ExecutionRecord, priority: Int, now: Date) throws -> Int {
        let held = try Int.fetchOne(db, sql: """
            SELECT COUNT(*) FROM steps WHERE execution_id = ? AND status = \(StepStatus.leased.sqlLiteral) AND stage <> \(Stage.export.sqlLiteral)
            """, arguments: [execution.id]) ?? 0
        if held == 0 {
            try insertStep(db, execution: execution.id, item: nil, stage: .export, priority: priority, now: now)
        }
        return held
    }
}
