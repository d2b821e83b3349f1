/// A `text[]` or `bigint[]` parameter (`{"a","b"}`), for `= ANY($1)`: one bound value however
/// many ids, so the statement's text — and its prepared plan — stays the same.
public struct PostgresArray: PostgresValue {
    public var postgresText: String

    public init(_ values: [String]) {
        postgresText = "{" + values.map { value in
            "\"" + value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
        }.joined(separator: ",") + "}"
    }

    public init(_ values: [Int64]) {
        postgresText = "{" + values.map(String.init).joined(separator: ",") + "}"
    }
}
