/// Keywords as a table: an inline list or a .txt file gives one column named "keyword"; a .csv file gives its header row and rows.
public struct KeywordTable: Codable, Sendable, Equatable {
    public var headers: [String]
    public var rows: [[String]]
    public init(headers: [String], rows: [[String]]) { self.headers = headers; self.rows = rows }
    public static func list(_ keywords: [String]) -> KeywordTable { KeywordTable(headers: ["keyword"], rows: keywords.map { [$0] }) }
}
