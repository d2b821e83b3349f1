import OrderedCollections

/// A lossless, order-preserving JSON value.
///
/// Why not `JSONSerialization`/`Codable`: character cards are written by SillyTavern with
/// JavaScript's `JSON.stringify`, and we must be able to read one and write it back
/// byte-for-byte. Foundation loses key order, rewrites numbers (`0.50` → `0.5`, `1` → `1.0`
/// or `true`) and Codable drops unknown keys. This model keeps:
/// - object members in document order (`OrderedDictionary`);
/// - number literals exactly as written (`.number("0.50")`), so they are re-emitted unchanged;
/// - every key, known or not (`extensions` must survive a round trip).
///
/// Equality: the synthesized `==` is structural and literal — `.number("1.0") != .number("1")`
/// and member order matters. Use ``semanticallyEquals(_:)`` to compare by meaning.
/// Note that Swift `String ==` compares canonically equivalent strings as equal
/// (precomposed "é" == "e" + U+0301); byte identity is only guaranteed by the writer.
public enum JSONValue: Sendable, Equatable, Hashable {
    case object(OrderedDictionary<String, JSONValue>)
    case array([JSONValue])
    case string(String)
    /// The number literal exactly as written, e.g. `"0.50"`, `"1e3"`, `"-0"`.
    /// The writer emits it verbatim, so it must be a valid JSON number.
    case number(String)
    case bool(Bool)
    case null
}

// MARK: - Building numbers

extension JSONValue {
    /// An integer number; written in plain decimal, as JavaScript would.
    public static func number(_ i: Int) -> JSONValue {
        .number(String(i))
    }

    /// A number formatted like JavaScript's `Number.prototype.toString` (which is what
    /// `JSON.stringify` uses), so values we compute look exactly like values SillyTavern writes:
    /// `1.0` → `"1"`, `0.5` → `"0.5"`, `1e21` → `"1e+21"`, `1e-7` → `"1e-7"`, `-0` → `"0"`.
    /// Non-finite values become `.null`, because that is what `JSON.stringify` writes for them.
    public static func number(_ d: Double) -> JSONValue {
        guard d.isFinite else { return .null }
        return .number(JSONValue.javaScriptNumberString(d))
    }

    /// Implements ECMA-262 Number::toString(10) on top of Swift's shortest round-trip digits
    /// (`Double.description` yields the same shortest digit string; only the layout differs).
    static func javaScriptNumberString(_ d: Double) -> String {
        if d == 0 { return "0" }  // also -0, which JS prints as "0"
        var text = d.description
        var negative = false
        if text.hasPrefix("-") {
            negative = true
            text.removeFirst()
        }
        // Split Swift's form "<int>[.<frac>][e<exp>]" into digits and a decimal point position.
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var intPart = mantissa
        var fracPart: Substring = ""
        if let dot = mantissa.firstIndex(of: ".") {
            intPart = mantissa[..<dot]
            fracPart = mantissa[mantissa.index(after: dot)...]
        }
        var digits = Array(intPart.utf8) + Array(fracPart.utf8)
        var point = intPart.count + exponent  // value = 0.digits × 10^point
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            point -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") {
            digits.removeLast()
        }
        if digits.isEmpty { return "0" }

        let k = digits.count
        let n = point
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if k <= n && n <= 21 {
            out += digits
            out += [UInt8](repeating: UInt8(ascii: "0"), count: n - k)
        } else if 0 < n && n <= 21 {
            out += digits[0..<n]
            out.append(UInt8(ascii: "."))
            out += digits[n...]
        } else if -6 < n && n <= 0 {
            out += Array("0.".utf8)
            out += [UInt8](repeating: UInt8(ascii: "0"), count: -n)
            out += digits
        } else {
            let e = n - 1
            out.append(digits[0])
            if k > 1 {
                out.append(UInt8(ascii: "."))
                out += digits[1...]
            }
            out.append(UInt8(ascii: "e"))
            out.append(e < 0 ? UInt8(ascii: "-") : UInt8(ascii: "+"))
            out += Array(String(abs(e)).utf8)
        }
        return String(decoding: out, as: UTF8.self)
    }
}

// MARK: - Accessors

extension JSONValue {
    /// Member lookup on an object; `nil` for a missing key or when this is not an object.
    ///
    /// Setting keeps an existing key at its position (so a round trip stays byte-identical
    /// apart from the changed value), appends a new key at the end, and removes the key
    /// when assigned `nil`. Assigning a value when `self` is not an object replaces `self`
    /// with a one-member object (handy for `character_book: null`); assigning `nil` then is
    /// a no-op.
    public subscript(key: String) -> JSONValue? {
        get {
            guard case .object(let members) = self else { return nil }
            return members[key]
        }
        set {
            guard case .object(var members) = self else {
                if let newValue { self = .object([key: newValue]) }
                return
            }
            self = .null  // drop our reference so `members` is uniquely owned (no copy)
            members[key] = newValue
            self = .object(members)
        }
    }

    /// Element lookup on an array; `nil` when out of range or when this is not an array.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: OrderedDictionary<String, JSONValue>? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let b) = self { return b }
        return nil
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The number's value as a `Double` (the literal parsed the way JavaScript would).
    public var numberValue: Double? {
        guard case .number(let literal) = self else { return nil }
        return Double(literal)
    }

    /// The number as an `Int` when it is integral and fits (`"3"`, `"3.0"`, `"1e2"`).
    public var intValue: Int? {
        guard case .number(let literal) = self else { return nil }
        if let i = Int(literal) { return i }
        guard let d = Double(literal), d.rounded() == d,
              d >= -9_223_372_036_854_775_808.0, d < 9_223_372_036_854_775_808.0 else { return nil }
        return Int(d)
    }

    /// The JSON type name as JavaScript/JSON Schema users know it, for error messages
    /// ("expected string, got number").
    public var typeName: String {
        switch self {
        case .object: return "object"
        case .array: return "array"
        case .string: return "string"
        case .number: return "number"
        case .bool: return "boolean"
        case .null: return "null"
        }
    }
}

// MARK: - Semantic equality

extension JSONValue {
    /// Equality by meaning, as a JSON consumer would see it: numbers compare by `Double`
    /// value (`"1.0"` equals `"1"`, `"-0"` equals `"0"`), objects compare as key sets with
    /// no regard to order, arrays element by element, strings by Unicode scalars (no
    /// normalization — JavaScript does not normalize either).
    public func semanticallyEquals(_ other: JSONValue) -> Bool {
        switch self {
        case .object(let a):
            guard case .object(let b) = other else { return false }
            return JSONValue.membersSemanticallyEqual(a, b)
        case .array(let a):
            guard case .array(let b) = other else { return false }
            return JSONValue.elementsSemanticallyEqual(a, b)
        default:
            return scalarSemanticallyEquals(other)
        }
    }

    func scalarSemanticallyEquals(_ other: JSONValue) -> Bool {
        switch (self, other) {
        case (.string(let a), .string(let b)):
            return a.unicodeScalars.elementsEqual(b.unicodeScalars)
        case (.number(let a), .number(let b)):
            if let x = Double(a), let y = Double(b) { return x == y }
            return a == b
        case (.bool(let a), .bool(let b)):
            return a == b
        case (.null, .null):
            return true
        default:
            return false
        }
    }

    // Separate functions keep the recursive frame small (deep values, small thread stacks).
    static func membersSemanticallyEqual(_ a: OrderedDictionary<String, JSONValue>,
                                         _ b: OrderedDictionary<String, JSONValue>) -> Bool {
        guard a.count == b.count else { return false }
        for i in a.keys.indices {
            guard let otherValue = b[a.keys[i]], a.values[i].semanticallyEquals(otherValue) else { return false }
        }
        return true
    }

    static func elementsSemanticallyEqual(_ a: [JSONValue], _ b: [JSONValue]) -> Bool {
        guard a.count == b.count else { return false }
        for i in a.indices where !a[i].semanticallyEquals(b[i]) { return false }
        return true
    }
}

// MARK: - Literals

extension JSONValue: ExpressibleByStringLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
}

extension JSONValue: ExpressibleByBooleanLiteral {
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

extension JSONValue: ExpressibleByIntegerLiteral {
    public init(integerLiteral value: Int) { self = .number(value) }
}

extension JSONValue: ExpressibleByFloatLiteral {
    /// Formatted like JavaScript (`1.0` → `"1"`); write `.number("1.0")` to keep a literal.
    public init(floatLiteral value: Double) { self = .number(value) }
}

extension JSONValue: ExpressibleByArrayLiteral {
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
}

extension JSONValue: ExpressibleByDictionaryLiteral {
    /// Keeps the literal's order; a repeated key keeps its first position and last value,
    /// like a JavaScript object literal.
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        var members = OrderedDictionary<String, JSONValue>(minimumCapacity: elements.count)
        for (key, value) in elements { members[key] = value }
        self = .object(members)
    }
}

extension JSONValue: CustomStringConvertible {
    /// Compact JSON, as `JSON.stringify` would print it.
    public var description: String { JSONWriter.compact(self) }
}
