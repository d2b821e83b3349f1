import GRDB

/// Versioned schema of the SQLite store. Add migrations; never edit a released one,
/// because state files outlive the binary that made them.
enum StoreMigrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-core") { db in
            try db.create(table: "jobs") { t in
                t.primaryKey("id", .text)
                t.column("claim_file", .text).notNull().unique()
                t.column("source_name", .text).notNull()
                t.column("name", .text).notNull()
                t.column("manifest_id", .text).indexed()
                t.column("kind", .text).notNull()
                t.column("priority", .integer).notNull()
                t.column("status", .text).notNull().indexed()
                t.column("manifest", .blob).notNull()
                t.column("manifest_ext", .text).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("updated_at", .datetime).notNull()
                t.column("finished_at", .datetime)
            }
            try db.create(table: "executions") { t in
                t.primaryKey("id", .text)
                t.column("job_id", .text).notNull().indexed().references("jobs", onDelete: .cascade)
                t.column("number", .integer).notNull()
                t.column("parent_id", .text)
                t.column("status", .text).notNull()
                t.column("settings", .blob)
                t.column("base_seed", .integer).notNull()
                t.column("failure", .blob)
                t.column("outbox_path", .text)
                t.column("quality_enabled", .boolean).notNull()
                t.column("quality_barrier", .boolean).notNull()
                t.column("metadata_enabled", .boolean).notNull()
                t.column("created_at", .datetime).notNull()
                t.column("finished_at", .datetime)
            }
            try db.create(table: "items") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("execution_id", .text).notNull().references("executions", onDelete: .cascade)
                t.column("idx", .integer).notNull()
                t.column("plan", .blob).notNull()
                t.column("status", .text).notNull()
                t.column("next_stage", .text)
                t.column("image_path", .text)
                t.column("dhash", .integer)
                t.column("qc_status", .text)
                t.column("qc_reason", .text)
                t.column("qc_checks", .blob)
                t.column("metadata", .blob)
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("last_error", .text)
                t.column("updated_at", .datetime).notNull()
                t.uniqueKey(["execution_id", "idx"])
            }
            try db.create(table: "steps") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("execution_id", .text).notNull().references("executions", onDelete: .cascade)
                t.column("item_id", .integer).references("items", onDelete: .cascade)
                t.column("stage", .text).notNull()
                t.column("status", .text).notNull()
                t.column("priority", .integer).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("not_before", .datetime).notNull()
                t.column("lease_owner", .text)
                t.column("lease_expires", .datetime)
                t.column("created_at", .datetime).notNull()
                t.column("started_at", .datetime)
                t.column("finished_at", .datetime)
                t.column("last_error", .text)
            }
            // One step per (execution, item, stage): barriers insert with OR IGNORE and never double.
            try db.execute(sql: """
                CREATE UNIQUE INDEX steps_once ON steps(execution_id, stage, IFNULL(item_id, -1));
                CREATE INDEX steps_queue ON steps(stage, status, priority DESC, id);
                CREATE INDEX steps_owner ON steps(lease_owner) WHERE status = 'leased';
                """)
            try db.create(table: "events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("ts", .datetime).notNull()
                t.column("level", .text).notNull()
                t.column("job", .text).notNull().indexed()
                t.column("execution", .text)
                t.column("item", .integer)
                t.column("stage", .text)
                t.column("event", .text).notNull()
                t.column("message", .text).notNull()
            }
        }
        migrator.registerMigration("v2-job-control") { db in
            try db.alter(table: "executions") { t in
                t.add(column: "cancelled_at", .datetime)
            }
            // `jobs list --since`, `status` throughput and `review list` read by these.
            try db.create(index: "jobs_created", on: "jobs", columns: ["created_at"])
            try db.create(index: "items_status", on: "items", columns: ["status", "execution_id"])
            try db.create(index: "steps_finished", on: "steps", columns: ["finished_at"])
        }
        migrator.registerMigration("v3-fewer-step-indexes") { db in
            // No query filters steps by `finished_at` (status throughput counts items and jobs),
            // and every closed step paid for keeping it (issue 13).
            try db.drop(index: "steps_finished")
        }
        migrator.registerMigration("v4-color-signature") { db in
            // The duplicate check compares colour as well as shape (issue 17); rows made before
            // keep NULL and are compared by shape alone.
            try db.alter(table: "items") { t in
                t.add(column: "color_hash", .integer)
            }
        }
        migrator.registerMigration("v5-step-usage") { db in
            // Every provider call of a step, kept with the step whatever its outcome (issue 17).
            try db.alter(table: "steps") { t in
                t.add(column: "usage", .blob)
            }
        }
        return migrator
    }
}
