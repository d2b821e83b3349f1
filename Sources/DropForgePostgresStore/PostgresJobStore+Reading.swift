import Foundation
import DropForgePostgres
import DropForgeStore

/// Reading jobs and the queue on the PostgreSQL store: `jobs`, `status`, `drain`'s progress.
/// The statements are constant text (filters are NULL-able parameters), so each is prepared
/// once per connection.
extension PostgresJobStore {
    public func jobs(matching filter: JobFilter) throws -> [JobRecord] {
        // Ties in time are broken by id in byte order, as SQLite compares text.
        let order = filter.oldestFirst ? "created_at, id COLLATE \"C\"" : "created_at DESC, id COLLATE \"C\" DESC"
        return try read { db in
            try db.fetch(JobRecord.self, """
                SELECT * FROM jobs
                WHERE (cardinality($1::text[]) = 0 OR status = ANY($1)) AND ($2::text IS NULL OR kind = $2)
                  AND ($3::timestamptz IS NULL OR created_at >= $3) AND ($4::text IS NULL OR name ILIKE $4)
                  AND ($5::text IS NULL OR id LIKE $5)
                ORDER BY \(order) LIMIT $6
                """, PostgresArray(filter.statuses.map(\.rawValue)), filter.kind, filter.since,
                filter.name.map { "%\(likeEscaped($0))%" }, filter.idPrefix.map { "\(likeEscaped($0))%" }, filter.limit)
        }
    }

    public func job(id: String) throws -> JobRecord? {
        try read { try $0.fetchOne(JobRecord.self, "SELECT * FROM jobs WHERE id = $1", id) }
    }

    public func executions(jobID: String) throws -> [ExecutionRecord] {
        try read { try $0.fetch(ExecutionRecord.self, "SELECT * FROM executions WHERE job_id = $1 ORDER BY number", jobID) }
    }

    public func items(executionID: String) throws -> [ItemRecord] {
        try read { try $0.fetch(ItemRecord.self, "SELECT * FROM items WHERE execution_id = $1 ORDER BY idx", executionID) }
    }

    public func steps(executionID: String) throws -> [StepRecord] {
        try read { try $0.fetch(StepRecord.self, "SELECT * FROM steps WHERE execution_id = $1 ORDER BY id", executionID) }
    }

    public func statuses(jobIDs: [String]) throws -> [String: JobStatus] {
        try read { db in
            var result: [String: JobStatus] = [:]
            for row in try db.query("SELECT id, status FROM jobs WHERE id = ANY($1)", PostgresArray(jobIDs)).rows {
                if let id = row[0], let status = row[1].flatMap(JobStatus.init(rawValue:)) { result[id] = status }
            }
            return result
        }
    }

    public func unfinishedJobIDs() throws -> [String] {
        try read { db in
            try db.query("SELECT id FROM jobs WHERE status IN \([JobStatus.queued, .running].sqlList) ORDER BY created_at")
                .rows.compactMap { $0[0] }
        }
    }

    public func summary(now: Date) throws -> QueueSummary {
        try read { db in
            var jobs: [String: Int] = [:]
            for row in try db.query("SELECT status, COUNT(*) FROM jobs GROUP BY status").rows {
                if let status = row[0] { jobs[status] = Int(row[1] ?? "") ?? 0 }
            }
            var stages: [QueueSummary.StageQueue] = []
            for stage in Stage.allCases {
                let row = try db.query("""
                    SELECT COUNT(*) FILTER (WHERE status = \(StepStatus.pending.sqlLiteral) AND not_before <= $1),
                           COUNT(*) FILTER (WHERE status = \(StepStatus.pending.sqlLiteral) AND not_before > $1),
                           COUNT(*) FILTER (WHERE status = \(StepStatus.leased.sqlLiteral)),
                           MIN(created_at) FILTER (WHERE status = \(StepStatus.pending.sqlLiteral))
                    FROM steps WHERE stage = $2 AND status IN \([StepStatus.pending, .leased].sqlList)
                    """, now, stage.rawValue).rows.first
                let counts: [Int] = (0..<3).map { Int(row?[$0] ?? "") ?? 0 }
                let oldest: Date? = row?[3].flatMap { Date(postgresText: $0) }
                stages.append(.init(stage: stage.rawValue, runnable: counts[0], delayed: counts[1], leased: counts[2],
                                    oldestWaitingSeconds: oldest.map { now.timeIntervalSince($0) }))
            }
            let throughput = try [1, 5, 15].map { minutes in
                let since = now.addingTimeInterval(-Double(minutes) * 60)
                let items = try db.count("""
                    SELECT COUNT(*) FROM items WHERE status IN \(ItemStatus.terminal.sqlList) AND updated_at >= $1
                    """, since)
                let finished = try db.count("SELECT COUNT(*) FROM jobs WHERE finished_at >= $1", since)
                return QueueSummary.Throughput(minutes: minutes, items: items, jobs: finished)
            }
            return QueueSummary(jobs: jobs, stages: stages, throughput: throughput)
        }
    }

    public func progress(jobIDs: [String]) throws -> DrainProgress {
        try read { db in
            let ids = PostgresArray(jobIDs)
            let jobs = try db.query("""
                SELECT COUNT(*), COUNT(*) FILTER (WHERE status IN \(JobStatus.finished.sqlList)) FROM jobs WHERE id = ANY($1)
                """, ids).rows.first
            // Work in item-stages, as the SQLite store counts it (see `DrainProgress.work`).
            let itemStages = [Stage.parameters, .generate, .quality, .metadata].sqlList
            let items = try db.query("""
                WITH newest AS (
                  SELECT e.id, 1 + e.quality_enabled::int + e.metadata_enabled::int AS k FROM executions e
                  WHERE e.job_id = ANY($1)
                    AND e.number = (SELECT MAX(number) FROM executions WHERE job_id = e.job_id)),
                item AS (
                  SELECT i.status IN \(ItemStatus.terminal.sqlList) AS finished,
                         n.k + (EXISTS (SELECT 1 FROM steps s WHERE s.execution_id = i.execution_id
                                        AND s.stage = \(Stage.parameters.sqlLiteral) AND COALESCE(s.item_id, -1) = i.id))::int AS units,
                         (SELECT COUNT(*) FROM steps s WHERE s.execution_id = i.execution_id AND s.stage IN \(itemStages)
                            AND COALESCE(s.item_id, -1) = i.id AND s.status = \(StepStatus.done.sqlLiteral)) AS steps_done
                  FROM items i JOIN newest n ON n.id = i.execution_id),
                execution AS (
                  SELECT GREATEST(1, (SELECT COUNT(*) FROM items WHERE execution_id = n.id)) AS export_units,
                         (EXISTS (SELECT 1 FROM steps WHERE execution_id = n.id AND stage = \(Stage.parameters.sqlLiteral)
                                  AND COALESCE(item_id, -1) = -1 AND status IN \([StepStatus.done, .failed].sqlList)))::int AS planned,
                         (EXISTS (SELECT 1 FROM steps WHERE execution_id = n.id AND stage = \(Stage.export.sqlLiteral)
                                  AND status IN \([StepStatus.done, .failed].sqlList)))::int AS exported
                  FROM newest n)
                SELECT (SELECT COUNT(*) FROM item), (SELECT COUNT(*) FILTER (WHERE finished) FROM item),
                       COALESCE((SELECT SUM(units) FROM item), 0) + COALESCE((SELECT SUM(1 + export_units) FROM execution), 0),
                       COALESCE((SELECT SUM(CASE WHEN finished THEN units ELSE LEAST(units, steps_done) END) FROM item), 0)
                         + COALESCE((SELECT SUM(planned + exported * export_units) FROM execution), 0)
                """, ids).rows.first
            func number(_ row: [String?]?, _ column: Int) -> Int { Int(row?[column] ?? "") ?? 0 }
            return DrainProgress(jobs: number(jobs, 0), jobsFinished: number(jobs, 1),
                                 items: number(items, 0), itemsDone: number(items, 1),
                                 work: number(items, 2), workDone: number(items, 3))
        }
    }

    public func itemProgress(jobIDs: [String]) throws -> [String: ItemProgress] {
        try read { db in
            var progress: [String: ItemProgress] = [:]
            for row in try db.query("""
                SELECT e.job_id, COUNT(*), COUNT(*) FILTER (WHERE i.status IN \(ItemStatus.terminal.sqlList))
                FROM items i JOIN executions e ON e.id = i.execution_id
                WHERE e.job_id = ANY($1)
                  AND e.number = (SELECT MAX(number) FROM executions WHERE job_id = e.job_id)
                GROUP BY e.job_id
                """, PostgresArray(jobIDs)).rows {
                if let job = row[0] { progress[job] = ItemProgress(done: Int(row[2] ?? "") ?? 0, total: Int(row[1] ?? "") ?? 0) }
            }
            return progress
        }
    }

    public func recentFailures(limit: Int) throws -> [JobRecord] {
        try read { db in
            try db.fetch(JobRecord.self, "SELECT * FROM jobs WHERE status = \(JobStatus.failed.sqlLiteral) ORDER BY updated_at DESC LIMIT $1", limit)
        }
    }
}
