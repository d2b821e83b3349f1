import Foundation
import OrderedCollections

/// Serializes ``JSONValue`` exactly the way JavaScript's `JSON.stringify` does.
///
/// Why exact: SillyTavern writes cards with `JSON.stringify(card)`; if we produce the same
/// bytes, a card we read and re-embed is byte-identical (and diffs stay clean). Rules:
/// - strings escape only `"`, `\`, and U+0000–U+001F (`\b \f \n \r \t`, others as `\u00xx`
///   with lowercase hex); `/`, non-ASCII and U+2028/U+2029 are written as raw UTF-8;
/// - a lone surrogate the parser kept (U+10F800–U+10FFFF, see ``JSONParser``) is written back
///   as its escape, `\ud83d`, as `JSON.stringify` writes a lone surrogate;
/// - numbers are written as their stored literal (that is what keeps `0.50` as `0.50`);
/// - objects keep member order.
/// Output is built in a `[UInt8]` buffer, appending unescaped runs in bulk.
public enum JSONWriter {
    /// `JSON.stringify(value)`: no whitespace at all.
    public static func compact(_ value: JSONValue) -> String {
        String(decoding: compactBytes(value), as: UTF8.self)
    }

    /// `JSON.stringify(value)` as UTF-8 bytes (what goes into a card's base64 text chunk).
    public static func compactData(_ value: JSONValue) -> Data {
        Data(compactBytes(value))
    }

    public static func compactBytes(_ value: JSONValue) -> [UInt8] {
        var buffer = Buffer()
        buffer.write(value, indent: 0, level: 0)
        return buffer.bytes
    }

    /// `JSON.stringify(value, null, indent)`: members on their own lines, `"key": value`,
    /// empty containers as `{}`/`[]`, no trailing newline. Like JavaScript, `indent` is
    /// clamped to 10 and an indent of 0 gives the compact form.
    public static func pretty(_ value: JSONValue, indent: Int = 2) -> String {
        String(decoding: prettyBytes(value, indent: indent), as: UTF8.self)
    }

    public static func prettyBytes(_ value: JSONValue, indent: Int = 2) -> [UInt8] {
        var buffer = Buffer()
        buffer.write(value, indent: min(max(indent, 0), 10), level: 0)
        return buffer.bytes
    }
}

extension JSONWriter {
    /// The growing output; `indent == 0` means compact.
    struct Buffer {
        var bytes: [UInt8] = []

        init() { bytes.reserveCapacity(4096) }

        /// Recursive, but the parser caps nesting at 512 and each level is kept to small
        /// frames (containers are written by their own functions).
        mutating func write(_ value: JSONValue, indent: Int, level: Int) {
            switch value {
            case .object(let members):
                writeObject(members, indent: indent, level: level)
            case .array(let elements):
                writeArray(elements, indent: indent, level: level)
            case .string(let s):
                writeString(s)
            case .number(let literal):
                bytes.append(contentsOf: literal.utf8)
            case .bool(let b):
                bytes.append(contentsOf: b ? Array("true".utf8) : Array("false".utf8))
            case .null:
                bytes.append(contentsOf: [0x6E, 0x75, 0x6C, 0x6C])  // null
            }
        }

        mutating func writeObject(_ members: OrderedDictionary<String, JSONValue>, indent: Int, level: Int) {
            if members.isEmpty {
                bytes.append(contentsOf: [0x7B, 0x7D])  // {}
                return
            }
            bytes.append(0x7B)
            for i in members.keys.indices {
                if i > 0 { bytes.append(0x2C) }
                newline(indent: indent, level: level + 1)
                writeString(members.keys[i])
                bytes.append(0x3A)  // :
                if indent > 0 { bytes.append(0x20) }
                write(members.values[i], indent: indent, level: level + 1)
            }
            newline(indent: indent, level: level)
            bytes.append(0x7D)
        }

        mutating func writeArray(_ elements: [JSONValue], indent: Int, level: Int) {
            if elements.isEmpty {
                bytes.append(contentsOf: [0x5B, 0x5D])  // []
                return
            }
            bytes.append(0x5B)
            for i in elements.indices {
                if i > 0 { bytes.append(0x2C) }
                newline(indent: indent, level: level + 1)
                write(elements[i], indent: indent, level: level + 1)
            }
            newline(indent: indent, level: level)
            bytes.append(0x5D)
        }

        mutating func newline(indent: Int, level: Int) {
            guard indent > 0 else { return }
            bytes.append(0x0A)
            bytes.append(contentsOf: repeatElement(0x20, count: indent * level))
        }

        mutating func writeString(_ string: String) {
            var string = string
            bytes.append(0x22)
            string.withUTF8 { utf8 in
                var run = 0
                var i = 0
                while i < utf8.count {
                    let b = utf8[i]
                    // U+10F800–U+10FFFF is F4 8F A0 80 … F4 8F BF BF in UTF-8.
                    if b == 0xF4, i + 3 < utf8.count, utf8[i + 1] == 0x8F, utf8[i + 2] >= 0xA0 {
                        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                        let scalar = (UInt32(utf8[i + 2] & 0x3F) << 6) | UInt32(utf8[i + 3] & 0x3F) | 0x10F000
                        appendSurrogateEscape(UInt16(0xD800 + scalar - JSONParser.loneSurrogateBase))
                        i += 4
                        run = i
                        continue
                    }
                    if b < 0x20 || b == 0x22 || b == 0x5C {
                        bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<i]))
                        appendEscape(b)
                        run = i + 1
                    }
                    i += 1
                }
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[run..<utf8.count]))
            }
            bytes.append(0x22)
        }

        mutating func appendSurrogateEscape(_ unit: UInt16) {
            let hex: [UInt8] = Array("0123456789abcdef".utf8)
            bytes.append(contentsOf: [0x5C, UInt8(ascii: "u")] + [12, 8, 4, 0].map { hex[Int((unit >> UInt16($0)) & 0xF)] })
        }

        mutating func appendEscape(_ b: UInt8) {
            bytes.append(0x5C)  // backslash
            switch b {
            case 0x22: bytes.append(0x22)
            case 0x5C: bytes.append(0x5C)
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            default:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            }
        }
    }
}
