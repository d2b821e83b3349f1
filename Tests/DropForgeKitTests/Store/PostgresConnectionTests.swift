import Foundation
import XCTest
@testable import DropForgePostgres

/// The libpq layer against a real PostgreSQL: the throwaway cluster `make test` starts
/// (`scripts/test-postgres`) and names in `DROPFORGE_TEST_POSTGRES_URL`. Run through plain
/// `swift test` without it, these tests are skipped and say so.
final class PostgresConnectionTests: XCTestCase {
    private func connect() throws -> PostgresConnection {
        guard let url = ProcessInfo.processInfo.environment["DROPFORGE_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw XCTSkip("no test PostgreSQL: run `make test`, which starts one (scripts/test-postgres)")
        }
        return try PostgresConnection(url: url)
    }

    func testParametersAreBoundAndRowsComeBackAsText() throws {
        let db = try connect()
        XCTAssertGreaterThanOrEqual(db.serverVersion, 150000)
        let table = "t_\(UUID().uuidString.prefix(8).lowercased())"
        try db.execute("CREATE TEMP TABLE \(table) (id bigserial PRIMARY KEY, name text, note text)")
        let inserted = try db.execute("INSERT INTO \(table) (name, note) VALUES ($1, $2), ($3, $4)",
                                      ["o'brien; DROP TABLE x", nil, "猫", "two"])
        XCTAssertEqual(inserted.affected, 2)
        let rows = try db.execute("SELECT id, name, note FROM \(table) ORDER BY id")
        XCTAssertEqual(rows.columns, ["id", "name", "note"])
        XCTAssertEqual(rows.rows, [["1", "o'brien; DROP TABLE x", nil], ["2", "猫", "two"]])
        XCTAssertEqual(try db.execute("UPDATE \(table) SET note = $1 WHERE note IS NULL", ["set"]).affected, 1)
    }

    func testServerErrorsCarryTheirSQLState() throws {
        let db = try connect()
        XCTAssertThrowsError(try db.execute("SELEC 1")) { error in
            let failure = error as? PostgresError
            XCTAssertEqual(failure?.sqlState, "42601", "\(error)")
            XCTAssertEqual(failure?.isTransient, false)
        }
        // The connection is still usable after a failed statement.
        XCTAssertEqual(try db.execute("SELECT $1::int + 1", ["41"]).rows, [["42"]])
        XCTAssertThrowsError(try db.execute("SELECT 1/0")) { error in
            XCTAssertEqual((error as? PostgresError)?.sqlState, "22012")
        }
    }

    func testAConnectionThatCannotBeMadeSaysWhyWithoutThePassword() throws {
        _ = try connect() // only where a test server exists, like the others
        XCTAssertThrowsError(try PostgresConnection(url: "postgresql://someone:s3cret-pw@127.0.0.1:1/none?connect_timeout=2")) { error in
            let failure = try? XCTUnwrap(error as? PostgresError)
            XCTAssertNil(failure?.sqlState)
            XCTAssertEqual(failure?.isTransient, true)
            XCTAssertFalse("\(error)".contains("s3cret-pw"), "\(error)")
        }
    }
}
