import Foundation
import GRDB
import XCTest
@testable import DropForgePostgres
@testable import DropForgePostgresStore
@testable import DropForgeStore

/// The PostgreSQL store's schema on the test cluster: it applies once, has the SQLite store's
/// tables and columns (so the two stores cannot drift), and keeps one step per item and stage.
final class PostgresStoreSchemaTests: XCTestCase {
    private func migrated() throws -> (PostgresConnection, String) {
        guard let url = ProcessInfo.processInfo.environment["DROPFORGE_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw XCTSkip("no test PostgreSQL: run `make test`, which starts one (scripts/test-postgres)")
        }
        let schema = "s_\(UUID().uuidString.prefix(8).lowercased())"
        let db = try PostgresConnection(url: url)
        try db.run(script: "CREATE SCHEMA \(schema); SET search_path TO \(schema)")
        XCTAssertEqual(try PostgresStoreSchema.migrator.migrate(db), PostgresStoreSchema.migrations.map(\.name))
        XCTAssertEqual(try PostgresStoreSchema.migrator.migrate(db), [], "a second start applies nothing")
        return (db, schema)
    }

    func testEveryTableHasTheSQLiteStoresColumns() throws {
        let (db, schema) = try migrated()
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pg-schema-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        _ = try SQLiteJobStore(path: folder.appendingPathComponent("state.sqlite").path)
        let sqlite = try DatabaseQueue(path: folder.appendingPathComponent("state.sqlite").path)
        let tables = try sqlite.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE 'grdb_%'")
        }
        XCTAssertEqual(Set(tables), ["jobs", "executions", "items", "steps", "events"])
        for table in tables {
            let expected = try sqlite.read { db in try db.columns(in: table).map(\.name) }
            let columns = try db.execute("SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2",
                                         [schema, table]).rows.compactMap { $0.first ?? nil }
            XCTAssertEqual(Set(columns), Set(expected), "table \(table)")
        }
    }

    func testOneStepPerExecutionItemAndStage() throws {
        let (db, _) = try migrated()
        try db.run(script: """
            INSERT INTO jobs VALUES ('j', 'c~j.yaml', 'j.yaml', 'j', NULL, 'images', 1, 'queued', '\\x00', 'yaml', now(), now(), NULL);
            INSERT INTO executions (id, job_id, number, status, base_seed, quality_enabled, quality_barrier, metadata_enabled, created_at)
                VALUES ('j', 'j', 1, 'queued', 7, true, true, true, now());
            INSERT INTO items (execution_id, idx, plan, status, updated_at) VALUES ('j', 0, '\\x00', 'pending', now());
            """)
        let insert = """
            INSERT INTO steps (execution_id, item_id, stage, status, priority, not_before, created_at)
            VALUES ('j', $1, 'export', 'pending', 1, now(), now()) ON CONFLICT DO NOTHING RETURNING id
            """
        XCTAssertEqual(try db.execute(insert, [nil]).rows.count, 1, "the execution's export step")
        XCTAssertEqual(try db.execute(insert, [nil]).rows.count, 0, "a second one (two barriers crossing) is not made")
        XCTAssertEqual(try db.execute(insert, ["1"]).rows.count, 1, "an item's step is another row")
        XCTAssertThrowsError(try db.execute("INSERT INTO steps (execution_id, item_id, stage, status, priority, not_before, created_at) VALUES ('j', 1, 'export', 'pending', 1, now(), now())")) {
            XCTAssertEqual(($0 as? PostgresError)?.sqlState, "23505", "unique_violation")
        }
        try db.execute("DELETE FROM jobs WHERE id = 'j'")
        XCTAssertEqual(try db.execute("SELECT count(*) FROM steps").rows, [["0"]], "deleting the job removes its rows")
    }
}
