import Foundation
import OrderedCollections

/// Checks a JSON value against the subset of JSON Schema that reply schemas use (issue 4: "the
/// returned JSON is always validated against the schema"), because a server may ignore
/// `response_format` entirely, or only honour JSON mode, and even strict servers can be wrong.
///
/// Keywords checked:
/// - `type`: `object`, `array`, `string`, `number`, `integer`, `boolean`, `null`, or a list of them
///   (`["string", "null"]`); `integer` accepts any integral number (`3`, `3.0`, `1e2`);
/// - objects: `properties`, `required`, `additionalProperties` (`false`, or a schema for the extra
///   members);
/// - arrays: `items` (one schema for every element), `minItems`, `maxItems`;
/// - strings: `minLength`, `maxLength` (counted in Unicode scalars, as JSON Schema counts code points);
/// - numbers: `minimum`, `maximum` (inclusive);
/// - any value: `enum` (compared by meaning, so `1` matches `1.0`); and the boolean schemas `true`
///   (anything) and `false` (nothing).
///
/// Every other keyword (`$ref`, `anyOf`, `pattern`, `format`, `description`, …) is ignored rather
/// than rejected: the schemas are ours, written for OpenAI's strict mode, and a reply that passes
/// the checked subset is usable by the stages. A keyword with a malformed value (`minItems: "x"`) is
/// ignored too.
///
/// Problems carry JSONPath-style locations: `$.tags[3]: expected a string, found a number`.
public struct JSONSchemaValidator: Sendable {
    /// One way the value breaks the schema.
    public struct Problem: Sendable, Equatable, CustomStringConvertible {
        /// Where: `$`, `$.tags[3]`, `$["odd key"]`.
        public var path: String
        public var message: String

        public init(path: String, message: String) {
            self.path = path
            self.message = message
        }

        public var description: String { "\(path): \(message)" }
    }

    public let schema: JSONValue

    public init(schema: JSONValue) {
        self.schema = schema
    }

    /// Every problem found, in document order; empty when `value` conforms.
    public func validate(_ value: JSONValue) -> [Problem] {
        var problems: [Problem] = []
        Self.check(value, against: schema, path: "$", into: &problems)
        return problems
    }

    public static func validate(_ value: JSONValue, against schema: JSONValue) -> [Problem] {
        JSONSchemaValidator(schema: schema).validate(value)
    }

    // MARK: Checking

    private static func check(_ value: JSONValue, against schema: JSONValue, path: String, into problems: inout [Problem]) {
        switch schema {
        case .bool(true): return
        case .bool(false):
            problems.append(Problem(path: path, message: "no value is allowed here"))
            return
        case .object: break
        default: return  // not a schema we understand: nothing to check
        }
        if let types = declaredTypes(schema["type"]), !types.contains(where: { matches(value, type: $0) }) {
            problems.append(Problem(path: path, message: "expected \(describe(types)), found \(found(value, wanted: types))"))
            return  // the type-specific keywords would only repeat the same complaint
        }
        if let options = schema["enum"]?.arrayValue, !options.contains(where: { $0.semanticallyEquals(value) }) {
            let listed = options.prefix(10).map { JSONWriter.compact($0) }.joined(separator: ", ")
            let more = options.count > 10 ? ", …" : ""
            problems.append(Problem(path: path, message: "expected one of \(listed)\(more), found \(JSONWriter.compact(value).prefix(60))"))
        }
        switch value {
        case .object(let members): checkObject(members, schema, path, &problems)
        case .array(let elements): checkArray(elements, schema, path, &problems)
        case .string(let text): checkString(text, schema, path, &problems)
        case .number: checkNumber(value, schema, path, &problems)
        case .bool, .null: break
        }
    }

    private static func checkObject(_ members: OrderedDictionary<String, JSONValue>, _ schema: JSONValue,
                                    _ path: String, _ problems: inout [Problem]) {
        let properties = schema["properties"]?.objectValue ?? [:]
        for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[key] == nil {
            problems.append(Problem(path: child(path, key), message: "required property is missing"))
        }
        for (key, member) in members {
            if let propertySchema = properties[key] {
                check(member, against: propertySchema, path: child(path, key), into: &problems)
            } else if let extra = schema["additionalProperties"] {
                if extra == .bool(false) {
                    problems.append(Problem(path: child(path, key), message: "unexpected property (the schema allows no others)"))
                } else {
                    check(member, against: extra, path: child(path, key), into: &problems)
                }
            }
        }
    }

    private static func checkArray(_ elements: [JSONValue], _ schema: JSONValue, _ path: String, _ problems: inout [Problem]) {
        if let minimum = schema["minItems"]?.intValue, elements.count < minimum {
            problems.append(Problem(path: path, message: "expected at least \(count(minimum, "item")), found \(elements.count)"))
        }
        if let maximum = schema["maxItems"]?.intValue, elements.count > maximum {
            problems.append(Problem(path: path, message: "expected at most \(count(maximum, "item")), found \(elements.count)"))
        }
        if let itemSchema = schema["items"] {
            for (index, element) in elements.enumerated() {
                check(element, against: itemSchema, path: "\(path)[\(index)]", into: &problems)
            }
        }
    }

    private static func checkString(_ text: String, _ schema: JSONValue, _ path: String, _ problems: inout [Problem]) {
        let length = text.unicodeScalars.count
        if let minimum = schema["minLength"]?.intValue, length < minimum {
            problems.append(Problem(path: path, message: "expected at least \(count(minimum, "character")), found \(length)"))
        }
        if let maximum = schema["maxLength"]?.intValue, length > maximum {
            problems.append(Problem(path: path, message: "expected at most \(count(maximum, "character")), found \(length)"))
        }
    }

    private static func checkNumber(_ value: JSONValue, _ schema: JSONValue, _ path: String, _ problems: inout [Problem]) {
        guard let number = value.numberValue else { return }
        if let minimum = schema["minimum"], let bound = minimum.numberValue, number < bound {
            problems.append(Problem(path: path, message: "expected a number >= \(JSONWriter.compact(minimum)), found \(JSONWriter.compact(value))"))
        }
        if let maximum = schema["maximum"], let bound = maximum.numberValue, number > bound {
            problems.append(Problem(path: path, message: "expected a number <= \(JSONWriter.compact(maximum)), found \(JSONWriter.compact(value))"))
        }
    }

    // MARK: Types and wording

    private static let knownTypes: Set<String> = ["object", "array", "string", "number", "integer", "boolean", "null"]

    /// The `type` keyword as a list, or nil when absent or not understood (then any type passes).
    private static func declaredTypes(_ keyword: JSONValue?) -> [String]? {
        let names: [String]
        switch keyword {
        case .string(let name)?: names = [name]
        case .array(let list)?: names = list.compactMap(\.stringValue)
        default: return nil
        }
        let known = names.filter { knownTypes.contains($0) }
        return known.isEmpty ? nil : known
    }

    private static func matches(_ value: JSONValue, type: String) -> Bool {
        switch (type, value) {
        case ("object", .object), ("array", .array), ("string", .string), ("number", .number),
             ("boolean", .bool), ("null", .null):
            return true
        case ("integer", .number):
            guard let number = value.numberValue, number.isFinite else { return false }
            return number.rounded(.towardZero) == number
        default:
            return false
        }
    }

    private static func describe(_ types: [String]) -> String {
        let phrases = types.map(article)
        guard phrases.count > 1 else { return phrases[0] }
        return phrases.dropLast().joined(separator: ", ") + " or " + phrases.last!
    }

    private static func article(_ type: String) -> String {
        switch type {
        case "null": return "null"
        case "object", "array", "integer": return "an \(type)"
        default: return "a \(type)"
        }
    }

    /// What the value is, for "found …": a non-integral number where an integer was wanted says so.
    private static func found(_ value: JSONValue, wanted types: [String]) -> String {
        if case .number(let literal) = value, types.contains("integer") {
            return "a non-integral number (\(literal))"
        }
        return article(value.typeName)
    }

    private static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    /// `$.name` for identifier-like keys, `$["odd key"]` otherwise.
    static func child(_ path: String, _ key: String) -> String {
        let identifier = !key.isEmpty && key.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == "-")
        } && !(key.unicodeScalars.first.map { CharacterSet.decimalDigits.contains($0) } ?? false)
        return identifier ? "\(path).\(key)" : "\(path)[\(JSONWriter.compact(.string(key)))]"
    }
}
