import DropForgeCore

/// Status, stage and code values in SQL text, taken from their enums: a misspelt status no
/// longer compiles, and `grep` for a case finds its queries.
///
/// They go into the statement as literals (`status = 'leased'`) rather than as bound
/// parameters, for the query planner: SQLite uses a partial index (`steps_owner … WHERE
/// status = 'leased'`) only when the query's own text implies the index's condition, and a
/// `?` never does. The values are the enums' fixed raw values, so there is nothing to escape.
extension RawRepresentable where RawValue == String {
    /// `'leased'`.
    public var sqlLiteral: String {
        precondition(!rawValue.contains("'"), "an SQL literal from an enum never holds a quote")
        return "'\(rawValue)'"
    }
}

extension Sequence where Element: RawRepresentable, Element.RawValue == String {
    /// `('approved', 'rejected', 'failed')`, for `IN`.
    public var sqlList: String { "(" + map(\.sqlLiteral).joined(separator: ", ") + ")" }
}

extension ItemStatus {
    /// An item in one of these is finished: nothing more runs for it in this execution.
    public static let terminal: [ItemStatus] = [.approved, .rejected, .failed]
}

extension JobStatus {
    /// Published, one way or another (``isFinished``).
    public static let finished: [JobStatus] = [.completed, .failed, .cancelled]
}

/// `%` and `_` in what people type are meant literally, in a `LIKE` pattern with `\\` as its escape.
package func likeEscaped(_ text: String) -> String {
    text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
        .replacingOccurrences(of: "_", with: "\\_")
}
