import Foundation

/// AUTOMATIC1111's `parameters` PNG text ("infotext"), the format that A1111/Forge, ComfyUI
/// importers, Civitai and most image browsers read to show how an image was made:
///
/// ```
/// a watercolor tabby cat, soft light
/// Negative prompt: blurry, text
/// Steps: 20, Sampler: Euler a, CFG scale: 7, Seed: 42, Size: 768x432, Model: local
/// ```
///
/// Field values containing `,`, `:` or a newline are written as JSON strings, as A1111 itself
/// does, so that the last line still splits unambiguously.
public enum GenerationParameters {
    /// `settings` are the provider's fields (`Steps`, `Sampler`, …) in order, before `Seed`,
    /// `Size` and `Model`; a provider with no step count sends none, rather than `Steps: 0`.
    public static func a1111Text(prompt: String, negative: String, settings: [(name: String, value: String)],
                                 seed: UInt32, width: Int, height: Int, model: String) -> String {
        var fields: [(String, String)] = settings.filter { !$0.value.isEmpty }.map { ($0.name, $0.value) }
        fields.append(("Seed", String(seed)))
        fields.append(("Size", "\(width)x\(height)"))
        if !model.isEmpty { fields.append(("Model", model)) }

        var lines = [prompt]
        if !negative.isEmpty { lines.append("Negative prompt: " + negative) }
        lines.append(fields.map { "\($0.0): \(quote($0.1))" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// Reads infotext back, following A1111's own parser: the last line holds the fields when it
    /// has at least three `Key: value` entries; lines from `Negative prompt:` on are the negative
    /// prompt; everything before is the prompt. Quoted values are unquoted.
    public static func parse(_ text: String) -> (prompt: String, negative: String, fields: [String: String]) {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        while lines.last?.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty == true { lines.removeLast() }
        var fields: [String: String] = [:]
        if let last = lines.last {
            let parsed = parseFields(last)
            if parsed.count >= 3 {
                fields = Dictionary(parsed, uniquingKeysWith: { first, _ in first })
                lines.removeLast()
            }
        }
        var promptLines: [String] = []
        var negativeLines: [String] = []
        var inNegative = false
        for line in lines {
            if !inNegative, line.hasPrefix("Negative prompt:") {
                inNegative = true
                negativeLines.append(String(line.dropFirst("Negative prompt:".count)).trimmingCharacters(in: .whitespacesAndNewlines))
            } else if inNegative {
                negativeLines.append(line)
            } else {
                promptLines.append(line)
            }
        }
        return (promptLines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines),
                negativeLines.joined(separator: "\n").trimmingCharacters(in: .whitespacesAndNewlines),
                fields)
    }

    // MARK: Helpers

    /// `7.0` → `7`, `7.5` → `7.5` (A1111 examples show whole CFG scales without a decimal).
    public static func formatNumber(_ value: Double) -> String {
        if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    /// A1111's `quote()`: plain when safe, otherwise a JSON string.
    static func quote(_ value: String) -> String {
        guard value.contains(where: { $0 == "," || $0 == ":" || $0 == "\n" || $0 == "\"" }) else { return value }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }

    /// Splits `Key: value, Key: "quoted, value", …` into pairs.
    static func parseFields(_ line: String) -> [(String, String)] {
        let chars = Array(line)
        var result: [(String, String)] = []
        var i = 0
        while i < chars.count {
            while i < chars.count, chars[i] == " " || chars[i] == "," { i += 1 }
            guard i < chars.count else { break }
            let keyStart = i
            while i < chars.count, chars[i] != ":", chars[i] != "," { i += 1 }
            guard i < chars.count, chars[i] == ":" else {
                // Not a `Key: value` entry: skip to the next comma.
                while i < chars.count, chars[i] != "," { i += 1 }
                continue
            }
            let key = String(chars[keyStart..<i]).trimmingCharacters(in: .whitespacesAndNewlines)
            i += 1
            while i < chars.count, chars[i] == " " { i += 1 }
            var value = ""
            if i < chars.count, chars[i] == "\"" {
                i += 1
                while i < chars.count, chars[i] != "\"" {
                    if chars[i] == "\\", i + 1 < chars.count {
                        i += 1
                        switch chars[i] {
                        case "n": value.append("\n")
                        case "r": value.append("\r")
                        case "t": value.append("\t")
                        case "u" where i + 4 < chars.count:
                            guard var code = UInt32(String(chars[(i + 1)...(i + 4)]), radix: 16) else { break }
                            i += 4
                            // Python's json.dumps writes characters outside the BMP as a surrogate pair.
                            if (0xD800...0xDBFF).contains(code), i + 6 < chars.count, chars[i + 1] == "\\", chars[i + 2] == "u",
                               let low = UInt32(String(chars[(i + 3)...(i + 6)]), radix: 16), (0xDC00...0xDFFF).contains(low) {
                                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                                i += 6
                            }
                            if let scalar = Unicode.Scalar(code) { value.unicodeScalars.append(scalar) }
                        default: value.append(chars[i])
                        }
                    } else {
                        value.append(chars[i])
                    }
                    i += 1
                }
                i += 1 // closing quote
                while i < chars.count, chars[i] != "," { i += 1 }
            } else {
                let start = i
                while i < chars.count, chars[i] != "," { i += 1 }
                value = String(chars[start..<i]).trimmingCharacters(in: .whitespacesAndNewlines)
            }
            if !key.isEmpty { result.append((key, value)) }
        }
        return result
    }
}
