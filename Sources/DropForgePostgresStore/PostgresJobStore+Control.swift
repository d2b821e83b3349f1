import Foundation
import DropForgeCore
import DropForgePostgres
import DropForgeStore

/// Job control on the PostgreSQL store: cancel, new executions (retry, rerun) and delete, each
/// holding the job's row so that two hosts' commands on one job happen one after the other.
extension PostgresJobStore {
    public func cancel(jobID: String, now: Date) throws -> CancelOutcome {
        try write { db in
            guard let job = try db.fetchOne(JobRecord.self, "SELECT * FROM jobs WHERE id = $1 FOR UPDATE", jobID) else { return .notFound }
            if job.status.isFinished { return .finished(job.status) }
            let open = try db.fetch(ExecutionRecord.self, """
                SELECT * FROM executions WHERE job_id = $1 AND finished_at IS NULL ORDER BY id FOR UPDATE
                """, jobID)
            let exporting = try db.count("""
                SELECT COUNT(*) FROM steps s JOIN executions e ON e.id = s.execution_id
                WHERE e.job_id = $1 AND e.finished_at IS NULL AND s.stage = \(Stage.export.sqlLiteral) AND s.status IN \([StepStatus.leased, .done].sqlList)
                """, jobID)
            if exporting > 0 { return .publishing }
            let failure = try JSONCoding.encode(StageFailure(
                stage: "cancel", code: "cancelled", message: "cancelled by `dropforge jobs cancel`", at: now))
            let writer = PostgresTransitionWriter(db: db)
            var running = 0
            for execution in open {
                try db.query("UPDATE executions SET cancelled_at = $1, failure = $2 WHERE id = $3", now, failure, execution.id)
                try db.query("""
                    UPDATE steps SET status = \(StepStatus.failed.sqlLiteral), finished_at = $1, last_error = \(ErrorCode.cancelled.sqlLiteral)
                    WHERE execution_id = $2 AND status = \(StepStatus.pending.sqlLiteral) AND stage <> \(Stage.export.sqlLiteral)
                    """, now, execution.id)
                try db.query("""
                    UPDATE items SET status = \(ItemStatus.failed.sqlLiteral), next_stage = NULL, last_error = \(ErrorCode.cancelled.sqlLiteral), updated_at = $1
                    WHERE execution_id = $2 AND status NOT IN \(ItemStatus.terminal.sqlList)
                    """, now, execution.id)
                var cancelled = execution
                cancelled.cancelledAt = now
                running += try writer.publishCancelledIfIdle(execution: cancelled, priority: job.priority, now: now)
            }
            return .cancelled(executions: open.map(\.id), running: running)
        }
    }

    public func addExecution(_ execution: ExecutionRecord, start: [RoutingEffect], priority: Int, now: Date) throws {
        try write { db in
            guard let job = try db.fetchOne(JobRecord.self, "SELECT * FROM jobs WHERE id = $1 FOR UPDATE", execution.jobID)
            else { throw ExecutionRefusal.notFound }
            guard job.status.isFinished else { throw ExecutionRefusal.notFinished(job.status) }
            try db.insert(execution, into: "executions")
            try db.query("""
                UPDATE jobs SET status = \(JobStatus.queued.sqlLiteral), updated_at = $1, finished_at = NULL WHERE id = $2
                """, now, job.id)
            let writer = PostgresTransitionWriter(db: db)
            let context = RoutingContext(execution: execution, jobID: job.id, priority: priority)
            for effect in start {
                try writer.apply(effect, context, now: now)
            }
        }
    }

    public func delete(jobID: String) throws -> [ExecutionRecord] {
        try write { db in
            guard let job = try db.fetchOne(JobRecord.self, "SELECT * FROM jobs WHERE id = $1 FOR UPDATE", jobID)
            else { throw ExecutionRefusal.notFound }
            guard job.status.isFinished else { throw ExecutionRefusal.notFinished(job.status) }
            let executions = try db.fetch(ExecutionRecord.self, "SELECT * FROM executions WHERE job_id = $1 ORDER BY number", jobID)
            try db.query("DELETE FROM events WHERE job = $1", jobID)
            // Executions, items and steps go with the job (ON DELETE CASCADE).
            try db.query("DELETE FROM jobs WHERE id = $1", jobID)
            return executions
        }
    }
}
