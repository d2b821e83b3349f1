import Foundation
import XCTest
@testable import DropForgePostgres

/// Migrations on the test cluster (see ``PostgresConnectionTests``): applied once, in order,
/// all-or-nothing per migration, and once only when several hosts start at the same moment.
final class PostgresMigratorTests: XCTestCase {
    private func url() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["DROPFORGE_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw XCTSkip("no test PostgreSQL: run `make test`, which starts one (scripts/test-postgres)")
        }
        return url
    }

    /// A schema of its own per test, so tests never see each other's tables.
    private func connection(schema: String) throws -> PostgresConnection {
        let db = try PostgresConnection(url: try url())
        try db.run(script: "CREATE SCHEMA IF NOT EXISTS \(schema); SET search_path TO \(schema)")
        return db
    }

    private func migrator(_ schema: String) -> PostgresMigrator {
        PostgresMigrator(migrations: [
            .init("v1", "CREATE TABLE things (id bigserial PRIMARY KEY, name text NOT NULL); CREATE INDEX things_name ON things(name)"),
            .init("v2", "ALTER TABLE things ADD COLUMN note text"),
        ], lockKey: Int64(abs(schema.hashValue % 1_000_000)))
    }

    func testMigrationsApplyOnceAndInOrder() throws {
        let schema = "m_\(UUID().uuidString.prefix(8).lowercased())"
        let db = try connection(schema: schema)
        XCTAssertEqual(try migrator(schema).migrate(db), ["v1", "v2"])
        XCTAssertEqual(try migrator(schema).migrate(db), [], "a second start applies nothing")
        try db.execute("INSERT INTO things (name, note) VALUES ($1, $2)", ["a", "b"])
        XCTAssertEqual(try db.execute("SELECT name, note FROM things").rows, [["a", "b"]])
    }

    func testAFailingMigrationLeavesNothingHalfDone() throws {
        let schema = "m_\(UUID().uuidString.prefix(8).lowercased())"
        let db = try connection(schema: schema)
        var broken = migrator(schema)
        broken.migrations.append(.init("v3", "ALTER TABLE things ADD COLUMN extra int; ALTER TABLE nowhere ADD COLUMN x int"))
        XCTAssertThrowsError(try broken.migrate(db)) { XCTAssertEqual(($0 as? PostgresError)?.sqlState, "42P01") }
        XCTAssertEqual(try db.execute("SELECT name FROM dropforge_migrations ORDER BY name").rows, [["v1"], ["v2"]])
        XCTAssertEqual(try db.execute("SELECT count(*) FROM information_schema.columns WHERE table_schema = $1 AND column_name = 'extra'",
                                      [schema]).rows, [["0"]], "v3's first statement was rolled back with it")
    }

    func testHostsStartingTogetherApplyEachMigrationOnce() throws {
        let schema = "m_\(UUID().uuidString.prefix(8).lowercased())"
        _ = try connection(schema: schema)
        let url = try url()
        let applied = Locked<[[String]]>([])
        let failures = Locked<[String]>([])
        let group = DispatchGroup()
        for _ in 0..<4 {
            group.enter()
            Thread.detachNewThread {
                defer { group.leave() }
                do {
                    let db = try PostgresConnection(url: url)
                    try db.run(script: "SET search_path TO \(schema)")
                    let names = try self.migrator(schema).migrate(db)
                    applied.modify { $0.append(names) }
                } catch {
                    failures.modify { $0.append("\(error)") }
                }
            }
        }
        XCTAssertEqual(group.wait(timeout: .now() + 30), .success)
        XCTAssertEqual(failures.value, [])
        XCTAssertEqual(applied.value.flatMap { $0 }.sorted(), ["v1", "v2"], "every migration exactly once")
    }
}
