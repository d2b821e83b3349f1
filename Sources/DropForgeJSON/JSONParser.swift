import Foundation
import OrderedCollections

/// A strict RFC 8259 JSON parser that produces a lossless ``JSONValue``.
///
/// Why our own parser: Foundation's `JSONSerialization` loses key order and number literals,
/// which makes byte-exact round trips of character cards impossible.
///
/// Grammar: strict RFC 8259 — no comments, trailing commas, single quotes, `NaN`/`Infinity`,
/// leading zeros or raw control characters in strings. Two leniencies: a leading UTF-8 BOM
/// is skipped, and whitespace around the value is allowed.
///
/// Semantics follow JavaScript's `JSON.parse` where it matters for round trips:
/// - duplicate keys: the last value wins, at the position of the first occurrence;
/// - number literals are kept verbatim (`"0.50"` stays `"0.50"`).
///
/// A lone UTF-16 surrogate escape (`"\ud83d"` without its partner, which JavaScript strings
/// allow and cards cut mid-emoji carry) cannot live in a Swift `String`. It is kept as a
/// stand-in from the top of the private use plane, U+10F800 + (unit − 0xD800), which
/// ``JSONWriter`` writes back as the same escape, so the card round-trips as written (issue 16).
/// The cost: text that really holds U+10F800–U+10FFFF is written as surrogate escapes.
///
/// Invalid UTF-8 is an error rather than being replaced, so corrupt cards are reported
/// instead of silently altered. Nesting deeper than `maxDepth` is an error; containers are
/// tracked on an explicit heap stack, not by recursion, so hostile input cannot overflow the
/// stack while parsing. Keep `maxDepth` modest all the same: the writer, `==` and Swift's
/// freeing of nested values recurse (512 levels fit a 512 KiB thread stack, even in debug).
///
/// Speed: works on raw bytes with an index; strings without escapes are built straight from
/// the byte slice, escaped ones through one reused scratch buffer.
public struct JSONParser {
    /// Where lone surrogates U+D800–U+DFFF are kept: U+10F800–U+10FFFF.
    public static let loneSurrogateBase: UInt32 = 0x10F800

    public static func parse(_ data: Data, maxDepth: Int = 512) throws -> JSONValue {
        try data.withUnsafeBytes { raw in
            try parse(buffer: raw.bindMemory(to: UInt8.self), maxDepth: maxDepth)
        }
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 512) throws -> JSONValue {
        try bytes.withUnsafeBufferPointer { try parse(buffer: $0, maxDepth: maxDepth) }
    }

    public static func parse(_ text: String, maxDepth: Int = 512) throws -> JSONValue {
        var text = text
        return try text.withUTF8 { try parse(buffer: $0, maxDepth: maxDepth) }
    }

    static func parse(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int) throws -> JSONValue {
        var reader = Reader(bytes: buffer, maxDepth: maxDepth)
        return try reader.parseDocument()
    }
}

extension JSONParser {
    /// The parsing state machine over one input buffer.
    struct Reader {
        let bytes: UnsafeBufferPointer<UInt8>
        let maxDepth: Int
        var index = 0
        /// Reused for strings with escapes, so we do not allocate per string.
        var scratch: [UInt8] = []

        init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
            self.bytes = bytes
            self.maxDepth = maxDepth
        }

        mutating func parseDocument() throws -> JSONValue {
            if hasBOM { index = 3 }
            skipWhitespace()
            let value = try parseValue()
            skipWhitespace()
            if index < bytes.count {
                throw failure("unexpected \(describe(index)) after the JSON value", at: index)
            }
            return value
        }

        var hasBOM: Bool {
            bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF
        }

        // MARK: Values

        /// Parses one value, containers included, with an explicit stack instead of recursion:
        /// nesting then costs heap, not thread stack, however deep the input goes.
        mutating func parseValue() throws -> JSONValue {
            var isObjectStack: [Bool] = []  // one entry per open container
            var arrays: [[JSONValue]] = []
            var objects: [OrderedDictionary<String, JSONValue>] = []
            var keys: [String] = []  // the key awaiting its value, per open object

            while true {
                // A value starts at `index` (whitespace already skipped).
                guard index < bytes.count else {
                    throw failure("unexpected end of input, expected a value", at: index)
                }
                var value: JSONValue
                let opener = bytes[index]
                if opener == UInt8(ascii: "{") || opener == UInt8(ascii: "[") {
                    if isObjectStack.count >= maxDepth {
                        throw failure("nesting deeper than \(maxDepth) levels", at: index)
                    }
                    index += 1
                    skipWhitespace()
                    let isObject = opener == UInt8(ascii: "{")
                    let closer = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    if index < bytes.count, bytes[index] == closer {
                        index += 1
                        value = isObject ? .object([:]) : .array([])
                    } else {
                        isObjectStack.append(isObject)
                        if isObject {
                            objects.append([:])
                            keys.append(try parseKey())
                        } else {
                            arrays.append([])
                        }
                        continue
                    }
                } else {
                    value = try parseScalar()
                }

                // Attach the finished value to its container; close containers as they end.
                while true {
                    guard let isObject = isObjectStack.last else { return value }
                    if isObject {
                        // JavaScript semantics for duplicates: first position, last value.
                        objects[objects.count - 1].updateValue(value, forKey: keys.removeLast())
                    } else {
                        arrays[arrays.count - 1].append(value)
                    }
                    skipWhitespace()
                    let closer = isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")
                    let expected = isObject ? "expected ',' or '}' after an object member"
                                            : "expected ',' or ']' after an array element"
                    guard index < bytes.count else {
                        throw failure("unexpected end of input, \(expected)", at: index)
                    }
                    let b = bytes[index]
                    if b == UInt8(ascii: ",") {
                        let comma = index
                        index += 1
                        skipWhitespace()
                        if index < bytes.count, bytes[index] == closer {
                            throw failure("trailing comma before '\(UnicodeScalar(closer))' is not allowed", at: comma)
                        }
                        if isObject { keys.append(try parseKey()) }
                        break  // on to the next value
                    } else if b == closer {
                        index += 1
                        isObjectStack.removeLast()
                        value = isObject ? .object(objects.removeLast()) : .array(arrays.removeLast())
                    } else {
                        throw failure(expected, at: index)
                    }
                }
            }
        }

        /// Reads `"key" :` and the whitespace after it.
        mutating func parseKey() throws -> String {
            guard index < bytes.count else {
                throw failure("unexpected end of input, expected a string key", at: index)
            }
            guard bytes[index] == UInt8(ascii: "\"") else {
                throw failure("expected a string key in double quotes, found \(describe(index))", at: index)
            }
            let key = try parseString()
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                throw failure("expected ':' after an object key", at: index)
            }
            index += 1
            skipWhitespace()
            return key
        }

        /// Strings, numbers and literals; anything else is reported with a hint.
        mutating func parseScalar() throws -> JSONValue {
            switch bytes[index] {
            case UInt8(ascii: "\""): return .string(try parseString())
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
            case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); return .null
            case UInt8(ascii: "'"):
                throw failure("strings must use double quotes", at: index)
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"):
                throw failure("invalid literal '\(word(at: index))' (NaN, Infinity and bare words are not JSON)", at: index)
            default:
                throw failure("unexpected \(describe(index)) where a value was expected", at: index)
            }
        }

        mutating func expectLiteral(_ literal: StaticString) throws {
            let count = literal.utf8CodeUnitCount
            let expected = UnsafeBufferPointer(start: literal.utf8Start, count: count)
            guard index + count <= bytes.count,
                  bytes[index..<index + count].elementsEqual(expected) else {
                throw failure("invalid literal '\(word(at: index))'", at: index)
            }
            index += count
        }

        // MARK: Numbers

        /// Validates `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and returns the text.
        mutating func parseNumber() throws -> String {
            let start = index
            if bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard index < bytes.count, isDigit(bytes[index]) else {
                throw failure("expected a digit after '-'", at: index)
            }
            if bytes[index] == UInt8(ascii: "0") {
                index += 1
                if index < bytes.count, isDigit(bytes[index]) {
                    throw failure("leading zeros are not allowed in numbers", at: start)
                }
            } else {
                skipDigits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
                index += 1
                guard index < bytes.count, isDigit(bytes[index]) else {
                    throw failure("expected a digit after the decimal point", at: index)
                }
                skipDigits()
            }
            if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
                index += 1
                if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                    index += 1
                }
                guard index < bytes.count, isDigit(bytes[index]) else {
                    throw failure("expected a digit in the exponent", at: index)
                }
                skipDigits()
            }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }

        func isDigit(_ b: UInt8) -> Bool { b &- UInt8(ascii: "0") < 10 }

        mutating func skipDigits() {
            while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        }

        // MARK: Strings

        /// Fast path: no escapes, so the string is the byte slice itself.
        mutating func parseString() throws -> String {
            let open = index
            index += 1
            let start = index
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    let s = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                    index += 1
                    return s
                } else if b == UInt8(ascii: "\\") {
                    return try parseEscapedString(from: start, open: open)
                } else if b < 0x20 {
                    throw controlCharacter(b)
                } else if b < 0x80 {
                    index += 1
                } else {
                    try skipUTF8Scalar()
                }
            }
            throw failure("unterminated string", at: open)
        }

        /// Slow path: copy runs of plain bytes and decoded escapes into `scratch`.
        mutating func parseEscapedString(from start: Int, open: Int) throws -> String {
            scratch.removeAll(keepingCapacity: true)
            var run = start
            while index < bytes.count {
                let b = bytes[index]
                if b == UInt8(ascii: "\"") {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                    index += 1
                    return String(decoding: scratch, as: UTF8.self)
                } else if b == UInt8(ascii: "\\") {
                    scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[run..<index]))
                    try decodeEscape()
                    run = index
                } else if b < 0x20 {
                    throw controlCharacter(b)
                } else if b < 0x80 {
                    index += 1
                } else {
                    try skipUTF8Scalar()
                }
            }
            throw failure("unterminated string", at: open)
        }

        /// Decodes one escape at `index` (the backslash) into `scratch`.
        mutating func decodeEscape() throws {
            let backslash = index
            guard index + 1 < bytes.count else { throw failure("unterminated string", at: backslash) }
            let c = bytes[index + 1]
            index += 2
            let simple: UInt8?
            switch c {
            case UInt8(ascii: "\""): simple = 0x22
            case UInt8(ascii: "\\"): simple = 0x5C
            case UInt8(ascii: "/"): simple = 0x2F
            case UInt8(ascii: "b"): simple = 0x08
            case UInt8(ascii: "f"): simple = 0x0C
            case UInt8(ascii: "n"): simple = 0x0A
            case UInt8(ascii: "r"): simple = 0x0D
            case UInt8(ascii: "t"): simple = 0x09
            case UInt8(ascii: "u"): simple = nil
            default:
                throw failure("invalid escape '\\\(describeChar(c))' in string", at: backslash)
            }
            if let simple {
                scratch.append(simple)
                return
            }
            let unit = try hex4(escapeStart: backslash)
            var scalar: UInt32 = UInt32(unit)
            if (0xD800...0xDBFF).contains(unit) {
                // A high surrogate needs a following "\uDC00"–"\uDFFF"; otherwise it is lone.
                if index + 6 <= bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u"),
                   let low = hexValue(at: index + 2), (0xDC00...0xDFFF).contains(low) {
                    index += 6
                    scalar = 0x10000 + ((UInt32(unit) - 0xD800) << 10) + (UInt32(low) - 0xDC00)
                } else {
                    scalar = JSONParser.loneSurrogateBase + UInt32(unit - 0xD800)
                }
            } else if (0xDC00...0xDFFF).contains(unit) {
                scalar = JSONParser.loneSurrogateBase + UInt32(unit - 0xD800)
            }
            appendUTF8(scalar)
        }

        mutating func hex4(escapeStart: Int) throws -> UInt16 {
            guard let value = hexValue(at: index) else {
                throw failure("invalid \\u escape: expected 4 hex digits", at: escapeStart)
            }
            index += 4
            return value
        }

        func hexValue(at position: Int) -> UInt16? {
            guard position + 4 <= bytes.count else { return nil }
            var value: UInt16 = 0
            for i in position..<position + 4 {
                let b = bytes[i]
                let digit: UInt8
                switch b {
                case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = b - UInt8(ascii: "0")
                case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = b - UInt8(ascii: "a") + 10
                case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = b - UInt8(ascii: "A") + 10
                default: return nil
                }
                value = value << 4 | UInt16(digit)
            }
            return value
        }

        mutating func appendUTF8(_ scalar: UInt32) {
            switch scalar {
            case 0..<0x80:
                scratch.append(UInt8(scalar))
            case 0x80..<0x800:
                scratch.append(UInt8(0xC0 | scalar >> 6))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            case 0x800..<0x10000:
                scratch.append(UInt8(0xE0 | scalar >> 12))
                scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            default:
                scratch.append(UInt8(0xF0 | scalar >> 18))
                scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
                scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
                scratch.append(UInt8(0x80 | scalar & 0x3F))
            }
        }

        /// Validates one multi-byte UTF-8 sequence at `index` (Unicode table 3-7: no overlong
        /// forms, no surrogates, nothing above U+10FFFF) and steps over it.
        mutating func skipUTF8Scalar() throws {
            let lead = bytes[index]
            var secondRange: ClosedRange<UInt8> = 0x80...0xBF
            let length: Int
            switch lead {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; secondRange = 0xA0...0xBF
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; secondRange = 0x80...0x9F
            case 0xF0: length = 4; secondRange = 0x90...0xBF
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; secondRange = 0x80...0x8F
            default: throw invalidUTF8(at: index)
            }
            for k in 1..<length {
                let position = index + k
                guard position < bytes.count else { throw invalidUTF8(at: position) }
                let range: ClosedRange<UInt8> = k == 1 ? secondRange : 0x80...0xBF
                guard range.contains(bytes[position]) else { throw invalidUTF8(at: position) }
            }
            index += length
        }

        func invalidUTF8(at position: Int) -> JSONParseError {
            if position >= bytes.count {
                return failure("invalid UTF-8: truncated sequence at end of input", at: position)
            }
            return failure("invalid UTF-8 byte 0x\(hexByte(bytes[position])) in string", at: position)
        }

        func controlCharacter(_ b: UInt8) -> JSONParseError {
            failure("raw control character U+00\(hexByte(b)) in string must be escaped", at: index)
        }

        // MARK: Whitespace and errors

        mutating func skipWhitespace() {
            while index < bytes.count {
                switch bytes[index] {
                case 0x20, 0x0A, 0x0D, 0x09: index += 1
                default: return
                }
            }
        }

        /// The run of letters/digits at `position`, for "invalid literal 'NaN'" messages.
        func word(at position: Int) -> String {
            var end = position
            while end < bytes.count, end - position < 20 {
                let b = bytes[end]
                let isAlnum = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(b)
                    || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(b) || isDigit(b)
                guard isAlnum else { break }
                end += 1
            }
            if end == position { return describe(position) }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[position..<end]), as: UTF8.self)
        }

        func describe(_ position: Int) -> String {
            guard position < bytes.count else { return "end of input" }
            let b = bytes[position]
            if b >= 0x21 && b < 0x7F { return "'\(describeChar(b))'" }
            return "byte 0x\(hexByte(b))"
        }

        func describeChar(_ b: UInt8) -> String {
            b >= 0x21 && b < 0x7F ? String(UnicodeScalar(b)) : "0x" + hexByte(b)
        }

        func hexByte(_ b: UInt8) -> String {
            let digits = Array("0123456789ABCDEF".utf8)
            return String(decoding: [digits[Int(b >> 4)], digits[Int(b & 0xF)]], as: UTF8.self)
        }

        /// Builds the error, working out line and column only now (errors are rare).
        func failure(_ message: String, at offset: Int) -> JSONParseError {
            let end = min(offset, bytes.count)
            var line = 1
            var column = 1
            var i = hasBOM ? min(3, end) : 0
            while i < end {
                let b = bytes[i]
                if b == 0x0A {
                    line += 1
                    column = 1
                } else if b & 0xC0 != 0x80 {  // count characters, not continuation bytes
                    column += 1
                }
                i += 1
            }
            return JSONParseError(message: message, offset: offset, line: line, column: column)
        }
    }
}
