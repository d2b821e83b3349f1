/// Why JSON text was rejected, and where: the byte `offset` (0-based, from the start of the
/// input, BOM included) plus a human `line`/`column` (1-based; the column counts Unicode
/// characters, not bytes) so a user can find the spot in an editor.
public struct JSONParseError: Error, CustomStringConvertible, Equatable, Sendable {
    public var message: String
    public var offset: Int
    public var line: Int
    public var column: Int

    public init(message: String, offset: Int, line: Int, column: Int) {
        self.message = message
        self.offset = offset
        self.line = line
        self.column = column
    }

    /// e.g. `line 3, column 14: expected ',' or '}' after an object member`
    public var description: String { "line \(line), column \(column): \(message)" }
}
