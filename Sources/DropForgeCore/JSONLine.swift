import Foundation

/// One line of a `.jsonl` file with its keys in a fixed, documented order (JSONEncoder would
/// sort them or hash them); `nil` values are left out.
package enum JSONLine {
    package static func make(_ fields: KeyValuePairs<String, (any Encodable)?>) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        var parts: [String] = []
        for (key, value) in fields {
            guard let value, let data = try? encoder.encode(value) else { continue }
            parts.append("\"\(key)\":" + String(decoding: data, as: UTF8.self))
        }
        return Data(("{" + parts.joined(separator: ",") + "}\n").utf8)
    }
}
