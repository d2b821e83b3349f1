import Foundation
import DropForgePostgres
import DropForgeStore

/// The review queue on the PostgreSQL store: a decision holds the item's row, so two reviewers
/// (on two hosts) deciding one item at once are taken one after the other, and the second finds
/// the item changed.
extension PostgresJobStore {
    public func reviewItems(jobID: String?) throws -> [ReviewItem] {
        try read { db in
            let items = try db.fetch(ItemRecord.self, """
                SELECT i.* FROM items i JOIN executions e ON e.id = i.execution_id
                WHERE i.status = \(ItemStatus.rejected.sqlLiteral) AND COALESCE(i.qc_status, '') <> \(QCStatus.dismissed.sqlLiteral)
                  AND e.outbox_path IS NOT NULL AND ($1::text IS NULL OR e.job_id = $1)
                ORDER BY e.created_at, e.id, i.idx
                """, jobID)
            let executions = Dictionary(uniqueKeysWithValues: try db.fetch(ExecutionRecord.self,
                "SELECT * FROM executions WHERE id = ANY($1)", PostgresArray(Array(Set(items.map(\.executionID))))).map { ($0.id, $0) })
            let jobs = Dictionary(uniqueKeysWithValues: try db.fetch(JobRecord.self,
                "SELECT * FROM jobs WHERE id = ANY($1)", PostgresArray(Array(Set(executions.values.map(\.jobID))))).map { ($0.id, $0) })
            return items.compactMap { item in
                guard let execution = executions[item.executionID], let job = jobs[execution.jobID] else { return nil }
                return ReviewItem(job: job, execution: execution, item: item)
            }
        }
    }

    public func reviewItem(executionID: String, index: Int) throws -> ReviewItem? {
        try read { db in
            guard let execution = try db.fetchOne(ExecutionRecord.self, "SELECT * FROM executions WHERE id = $1", executionID),
                  let job = try db.fetchOne(JobRecord.self, "SELECT * FROM jobs WHERE id = $1", execution.jobID),
                  let item = try db.fetchOne(ItemRecord.self, "SELECT * FROM items WHERE execution_id = $1 AND idx = $2", executionID, index)
            else { return nil }
            return ReviewItem(job: job, execution: execution, item: item)
        }
    }

    public func recordReview(_ item: ItemRecord, replacing original: ItemRecord, publication: ReviewPublication?,
                             now: Date) throws -> Bool {
        try write { db in
            guard let id = original.id,
                  let current = try db.fetchOne(ItemRecord.self, "SELECT * FROM items WHERE id = $1 FOR UPDATE", id),
                  current.status == original.status, current.qcStatus == original.qcStatus
            else { return false }
            var updated = item
            updated.id = id
            updated.updatedAt = now
            try db.update(updated, in: "items")
            guard let publication else { return true }
            try db.query("UPDATE executions SET status = $1, outbox_path = $2 WHERE id = $3",
                         publication.status.rawValue, publication.outboxPath, item.executionID)
            // The job's status is its newest execution's: an older one changing leaves it alone.
            try db.query("""
                UPDATE jobs SET status = $1, updated_at = $2
                WHERE id = (SELECT job_id FROM executions WHERE id = $3)
                  AND $3 = (SELECT id FROM executions WHERE job_id = jobs.id ORDER BY number DESC LIMIT 1)
                """, publication.status.rawValue, now, item.executionID)
            return true
        }
    }
}
