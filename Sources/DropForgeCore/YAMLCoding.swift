import Foundation
import Yams
import DropForgeJSON

/// YAML that says exactly what ``JSONCoding``'s JSON says: the value is encoded to JSON first
/// (sorted keys, ISO 8601 millisecond dates) and that tree is written as block-style YAML.
/// Encoding through `YAMLEncoder` directly would write dates to the nanosecond — float noise
/// after the milliseconds the store keeps — and differ from the JSON export.
public enum YAMLCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> String {
        let tree = try JSONParser.parse(JSONCoding.encode(value))
        // Unicode as is (not `\u03C3`), and long strings on one line, as in the JSON.
        return try Yams.serialize(node: node(tree), width: -1, allowUnicode: true)
    }

    private static func node(_ value: JSONValue) -> Node {
        switch value {
        case .object(let members): return Node(members.map { (.scalar($0.key.represented()), node($0.value)) })
        case .array(let values): return Node(values.map(node))
        // `represented()` quotes strings that would read back as something else (`'true'`, `'12'`).
        case .string(let text): return .scalar(text.represented())
        case .number(let literal): return Node(literal, Tag(literal.contains { ".eE".contains($0) } ? .float : .int))
        case .bool(let flag): return Node(flag ? "true" : "false", Tag(.bool))
        case .null: return Node("null", Tag(.null))
        }
    }
}
