import Foundation
import DropForgePostgres
import DropForgeStore

/// Reading and writing the store's records by their columns (``PostgresRowCoding``).
extension PostgresConnection {
    func fetch<T: Decodable>(_ type: T.Type, _ sql: String, _ values: (any PostgresValue)?...) throws -> [T] {
        try PostgresRowCoding.decode(type, from: query(sql, values))
    }

    func fetchOne<T: Decodable>(_ type: T.Type, _ sql: String, _ values: (any PostgresValue)?...) throws -> T? {
        try PostgresRowCoding.decode(type, from: query(sql, values)).first
    }

    /// The first column of the first row, as text (nil: no row, or NULL).
    func scalar(_ sql: String, _ values: (any PostgresValue)?...) throws -> String? {
        try query(sql, values).rows.first?.first ?? nil
    }

    func count(_ sql: String, _ values: (any PostgresValue)?...) throws -> Int {
        Int(try query(sql, values).rows.first?.first.flatMap { $0 } ?? "0") ?? 0
    }

    /// Inserts the record into `table` (a nil `id` is left to the identity column) and returns
    /// the row as stored; nil with `onConflictDoNothing` when a unique key already had it.
    @discardableResult
    func insert<T: Codable>(_ record: T, into table: String, onConflictDoNothing: Bool = false) throws -> T? {
        let fields = try PostgresRowCoding.encode(record).filter { $0.column != "id" || $0.value != nil }
        let placeholders = fields.indices.map { "$\($0 + 1)" }.joined(separator: ", ")
        let sql = "INSERT INTO \(table) (\(fields.map(\.column).joined(separator: ", "))) VALUES (\(placeholders))"
            + (onConflictDoNothing ? " ON CONFLICT DO NOTHING" : "") + " RETURNING *"
        return try PostgresRowCoding.decode(T.self, from: query(sql, text: fields.map(\.value))).first
    }

    /// Replaces every column of the row whose `id` is the record's.
    func update<T: Encodable>(_ record: T, in table: String) throws {
        let fields = try PostgresRowCoding.encode(record)
        guard let id = fields.first(where: { $0.column == "id" })?.value else { return }
        let others = fields.filter { $0.column != "id" }
        let assignments = others.enumerated().map { "\($1.column) = $\($0 + 2)" }.joined(separator: ", ")
        try query("UPDATE \(table) SET \(assignments) WHERE id = $1", text: [id] + others.map(\.value))
    }
}
