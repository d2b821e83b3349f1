import Foundation
import GRDB

/// The review queue on the SQLite store. A review decision changes one item (and, when a
/// `qc_rejected_all` execution gets its first approved item, the execution and its job) in one
/// transaction, guarded against a concurrent decision on the same item.
extension SQLiteJobStore {
    public func reviewItems(jobID: String?) throws -> [ReviewItem] {
        try pool.read { db in
            var sql = """
                SELECT i.* FROM items i JOIN executions e ON e.id = i.execution_id
                WHERE i.status = \(ItemStatus.rejected.sqlLiteral) AND COALESCE(i.qc_status, '') <> \(QCStatus.dismissed.sqlLiteral)
                  AND e.outbox_path IS NOT NULL
                """
            var arguments: StatementArguments = []
            if let jobID {
                sql += " AND e.job_id = ?"
                arguments = [jobID]
            }
            sql += " ORDER BY e.created_at, e.id, i.idx"
            var executions: [String: ExecutionRecord] = [:]
            var jobs: [String: JobRecord] = [:]
            return try ItemRecord.fetchAll(db, sql: sql, arguments: arguments).compactMap { item in
                guard let execution = try executions[item.executionID] ?? ExecutionRecord.fetchOne(db, key: item.executionID),
                      let job = try jobs[execution.jobID] ?? JobRecord.fetchOne(db, key: execution.jobID)
                else { return nil }
                executions[execution.id] = execution
                jobs[job.id] = job
                return ReviewItem(job: job, execution: execution, item: item)
            }
        }
    }

    public func reviewItem(executionID: String, index: Int) throws -> ReviewItem? {
        try pool.read { db in
            guard let execution = try ExecutionRecord.fetchOne(db, key: executionID),
                  let job = try JobRecord.fetchOne(db, key: execution.jobID),
                  let item = try ItemRecord.filter(ItemRecord.Columns.executionID == executionID && ItemRecord.Columns.index == index).fetchOne(db)
            else { return nil }
            return ReviewItem(job: job, execution: execution, item: item)
        }
    }

    public func recordReview(_ item: ItemRecord, replacing original: ItemRecord, publication: ReviewPublication?,
                             now: Date) throws -> Bool {
        try write { db in
            guard let id = original.id, let current = try ItemRecord.fetchOne(db, key: id),
                  current.status == original.status, current.qcStatus == original.qcStatus
            else { return false }
            var updated = item
            updated.id = id
            updated.updatedAt = now
            try updated.update(db)
            guard let publication else { return true }
            try db.execute(sql: "UPDATE executions SET status = ?, outbox_path = ? WHERE id = ?",
                           arguments: [publication.status.rawValue, publication.outboxPath, item.executionID])
            // The job's status is its newest execution's: an older one changing leaves it alone.
            try db.execute(sql: """
                UPDATE jobs SET status = ?, updated_at = ?
                WHERE id = (SELECT job_id FROM executions WHERE id = ?)
                  AND ? = (SELECT id FROM executions WHERE job_id = jobs.id ORDER BY number DESC LIMIT 1)
                """, arguments: [publication.status.rawValue, now, item.executionID, item.executionID])
            return true
        }
    }
}
