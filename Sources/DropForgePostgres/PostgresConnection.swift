import CPq
import Foundation
import Synchronization
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

    /// Requests sent to a server by this process (each one a network round trip): what
    /// `make bench` reports per job, since round trips decide how far hosts scale.
    public static let roundTrips = Atomic<Int>(0)

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
        // Dates are sent and read in this format (``PostgresValue``), whatever the server's defaults;
        // notices (`DROP … CASCADE` listing what went) would go to standard error.
        try run(script: "SET TimeZone TO 'UTC'; SET DateStyle TO ISO; SET client_min_messages TO warning")
    }

    deinit { PQfinish(connection) }

    /// True once libpq has seen the connection break (the server went away); it never recovers:
    /// ``PostgresSession`` opens a new one.
    public var isBroken: Bool { PQstatus(connection) == CONNECTION_BAD }

    /// Starts listening on `channel` (an identifier), for ``notifications(timeout:)``.
    public func listen(_ channel: String) throws {
        try execute("LISTEN \(channel)")
    }

    /// The payloads of notifications that arrived, waiting up to `timeout` seconds for the first
    /// (0: only what is there). Throws when the connection is lost, so a listener can reconnect.
    public func notifications(timeout: TimeInterval) throws -> [String] {
        var payloads = try drainNotifications()
        if payloads.isEmpty, timeout > 0 {
            var descriptor = pollfd(fd: PQsocket(connection), events: Int16(POLLIN), revents: 0)
            if poll(&descriptor, 1, Int32(timeout * 1000)) > 0 { payloads = try drainNotifications() }
        }
        return payloads
    }

    private func drainNotifications() throws -> [String] {
        guard PQconsumeInput(connection) == 1 else {
            throw PostgresError(sqlState: nil, message: Self.firstLine(PQerrorMessage(connection)))
        }
        var payloads: [String] = []
        while let notice = PQnotifies(connection) {
            payloads.append(String(cString: notice.pointee.extra))
            PQfreemem(notice)
        }
        return payloads
    }

    /// The server's version number (`150018` for 15.18).
    public var serverVersion: Int { Int(PQserverVersion(connection)) }

    /// Runs one statement with `$1, $2, …` bound to `values` (nil is SQL NULL) and returns its
    /// rows as text, the way the server sends them. The statement is prepared on this connection
    /// the first time its text is seen and reused after (the store's statements are constant
    /// text, their values always parameters), so the server parses and plans it once.
    @discardableResult
    public func query(_ sql: String, _ values: (any PostgresValue)?...) throws -> PostgresRows {
        try query(sql, values)
    }

    /// The same with the values in an array.
    @discardableResult
    public func query(_ sql: String, _ values: [(any PostgresValue)?]) throws -> PostgresRows {
        try query(sql, text: values.map { $0?.postgresText })
    }

    /// The same with the values already in the server's text format.
    @discardableResult
    public func query(_ sql: String, text parameters: [String?]) throws -> PostgresRows {
        guard let name = try prepare(sql) else { return try execute(sql, parameters) }
        Self.roundTrips.add(1, ordering: .relaxed)
        let result: OpaquePointer? = withCStrings(parameters) { values in
            PQexecPrepared(connection, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try rows(result)
    }

    /// Statement names by their SQL text; nil when the cache is full (then the text is sent each time).
    private var prepared: [String: String] = [:]
    private static let preparedLimit = 256

    private func prepare(_ sql: String) throws -> String? {
        if let name = prepared[sql] { return name }
        guard prepared.count < Self.preparedLimit else { return nil }
        let name = "s\(prepared.count)"
        Self.roundTrips.add(1, ordering: .relaxed)
        _ = try rows(PQprepare(connection, name, sql, 0, nil))
        prepared[sql] = name
        return name
    }

    /// Runs one statement with parameters already in the server's text format.
    @discardableResult
    public func execute(_ sql: String, _ parameters: [String?] = []) throws -> PostgresRows {
        Self.roundTrips.add(1, ordering: .relaxed)
        let result: OpaquePointer? = withCStrings(parameters) { values in
            PQexecParams(connection, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try rows(result)
    }

    private func rows(_ result: OpaquePointer?) throws -> PostgresRows {
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
        Self.roundTrips.add(1, ordering: .relaxed)
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
