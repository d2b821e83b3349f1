import Foundation
import DropForgePostgres
import DropForgeStore

/// Why `store copy` would not write into a database.
public struct StoreCopyRefusal: Error, CustomStringConvertible {
    public var jobs: Int
    public var description: String {
        "the PostgreSQL store already has \(jobs) job(s); `store copy` fills only an empty one (a second copy would mix two histories)"
    }
}

extension PostgresJobStore {
    /// Writes every row of `snapshot` — ids kept — into this store, which must have no jobs, in
    /// one transaction: a copy that fails leaves the database as empty as it was. The identity
    /// sequences are moved past the copied ids, so new rows never collide with them.
    public func load(_ snapshot: StoreSnapshot) throws {
        try write { db in
            let existing = try db.count("SELECT COUNT(*) FROM jobs")
            guard existing == 0 else { throw StoreCopyRefusal(jobs: existing) }
            // Lines of `daemon` and `intake` have no job row: events are not checked against jobs.
            for job in snapshot.jobs { try db.insert(job, into: "jobs") }
            for execution in snapshot.executions { try db.insert(execution, into: "executions") }
            for item in snapshot.items { try db.insert(item, into: "items") }
            // The copy does not queue anything: the step trigger's notifications of pending
            // steps are folded into one per stage and wake idle hosts, which is right.
            for step in snapshot.steps { try db.insert(step, into: "steps") }
            for event in snapshot.events { try db.insert(event, into: "events") }
            for table in ["items", "steps", "events"] {
                try db.query("""
                    SELECT setval(pg_get_serial_sequence('\(table)', 'id'), GREATEST((SELECT MAX(id) FROM \(table)), 0) + 1, false)
                    """)
            }
        }
    }
}
