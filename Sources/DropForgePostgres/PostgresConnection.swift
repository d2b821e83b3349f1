import CPq
#if canImport(Glibc)
import Glibc
#endif

/// One libpq connection, used by one thread at a time (libpq connections are not thread-safe;
/// the store to come keeps one per worker thread). Queries are sent with `PQexecParams`, so
/// values never become part of the SQL text.
///
/// Why libpq and not a Swift driver: it is the server's own client library (Debian `libpq-dev`),
/// it blocks the calling thread like every other store call here, and it speaks every detail of
/// the protocol — TLS, authentication, `LISTEN/NOTIFY` — that a hand-written one would have to.
public final class PostgresConnection {
    private let connection: OpaquePointer

    /// Connects with a libpq connection string or `postgres://` URI. The string is not kept.
    public init(url: String) throws {
        guard let connection = PQconnectdb(url) else {
            throw PostgresError(sqlState: nil, message: "out of memory")
        }
        guard PQstatus(connection) == CONNECTION_OK else {
            let message = Self.firstLine(PQerrorMessage(connection))
            PQfinish(connection)
            throw PostgresError(sqlState: nil, message: message)
        }
        self.connection = connection
    }

    deinit { PQfinish(connection) }

    /// The server's version number (`150018` for 15.18).
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// Runs one statement with `$1, $2, …` bound to `parameters` (nil is SQL NULL) and returns its
    /// rows as text, the way the server sends them.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        let result: OpaquePointer? = withCStrings(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        guard let result else { throw PostgresError(sqlState: nil, message: Self.firstLine(PQerrorMessage(connection))) }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK:
            return PostgresRows(result)
        default:
            throw Self.failure(result)
        }
    }

    /// Runs several statements separated by `;`, with no parameters (schema migrations): the
    /// simple-query protocol, which `execute`'s bound parameters cannot use.
    public func run(script sql: String) throws {
        guard let result = PQexec(connection, sql) else {
            throw PostgresError(sqlState: nil, message: Self.firstLine(PQerrorMessage(connection)))
        }
        defer { PQclear(result) }
        switch PQresultStatus(result) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return
        default:
            throw Self.failure(result)
        }
    }

    private static func failure(_ result: OpaquePointer) -> PostgresError {
        let state = PQresultErrorField(result, Int32(UInt8(ascii: "C"))).map { String(cString: $0) }
        return PostgresError(sqlState: state, message: firstLine(PQresultErrorMessage(result)))
    }

    private func withCStrings<T>(_ values: [String?], _ body: ([UnsafePointer<CChar>?]) -> T) -> T {
        let copies = values.map { $0.map { strdup($0) } ?? nil }
        defer { copies.forEach { free($0) } }
        return body(copies.map { $0.map { UnsafePointer($0) } })
    }

    static func firstLine(_ text: UnsafePointer<CChar>?) -> String {
        let message = text.map { String(cString: $0) } ?? "unknown error"
        return String(message.split(separator: "\n").first ?? "unknown error")
    }
}

/// The rows of one result, copied out of libpq's result as text.
public struct PostgresRows: Sendable {
    public var columns: [String]
    public var rows: [[String?]]
    /// Rows a command changed (`UPDATE … `: its count); 0 for a query.
    public var affected: Int

    init(_ result: OpaquePointer) {
        let width = Int(PQnfields(result))
        columns = (0..<width).map { String(cString: PQfname(result, Int32($0))) }
        rows = (0..<Int(PQntuples(result))).map { row in
            (0..<width).map { column in
                PQgetisnull(result, Int32(row), Int32(column)) == 1
                    ? nil : String(cString: PQgetvalue(result, Int32(row), Int32(column)))
            }
        }
        affected = Int(String(cString: PQcmdTuples(result))) ?? 0
    }
}
