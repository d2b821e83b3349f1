import Foundation
import OrderedCollections
import DropForgeJSON

/// Checks a card strictly against its spec (Character Card V2 / V3, or the TavernAI V1 fields).
///
/// Reading is lenient everywhere else; this is the one strict place (`card validate`, and the
/// quality stage of card jobs). Each departure is reported with its JSON path, so a user can
/// find it: `$.data.alternate_greetings: expected an array of strings, found a string`.
public enum CardValidator {
    public struct Issue: Sendable, Equatable, Codable, CustomStringConvertible {
        public enum Severity: String, Sendable, Codable { case error, warning }
        public var severity: Severity
        public var path: String
        public var message: String

        public init(severity: Severity, path: String, message: String) {
            self.severity = severity
            self.path = path
            self.message = message
        }

        public var description: String { "\(severity.rawValue): \(path): \(message)" }

        /// A departure SillyTavern or RisuAI themselves write (their V3 cards lack
        /// `group_only_greetings`, their books `extensions`): every app reads such a card.
        public var isWhatAppsWrite: Bool {
            guard severity == .error, message.hasPrefix("missing") else { return false }
            return CardValidator.writtenByApps.contains { path.range(of: $0, options: .regularExpression) != nil }
        }
    }

    /// Paths of the required keys that cards from SillyTavern and RisuAI leave out.
    static let writtenByApps = [#"^\$\.data\.group_only_greetings$"#, #"^\$\.data\.character_book\.extensions$"#,
                                #"^\$\.data\.character_book\.entries\[\d+\]\.extensions$"#]

    /// `issues` with the departures apps write (``Issue/isWhatAppsWrite``) as warnings that say so.
    public static func lenient(_ issues: [Issue]) -> [Issue] {
        issues.map { issue in
            guard issue.isWhatAppsWrite else { return issue }
            return Issue(severity: .warning, path: issue.path, message: issue.message + "; SillyTavern and RisuAI write cards without it")
        }
    }

    /// The issues of `card` against `spec` (default: the card's own). Errors break the spec;
    /// warnings are keys the spec does not name outside `extensions` (kept, but other apps may
    /// ignore them).
    public static func validate(_ card: CharacterCard, as spec: CharacterCard.Spec? = nil) -> [Issue] {
        var checker = Checker()
        let target = spec ?? card.spec
        let root = card.json.objectValue ?? [:]
        switch target {
        case .v1:
            checker.checkFields(root, path: "$", required: v1Fields, known: [])
        case .v2, .v3:
            checker.expect(root["spec"], equals: target.specName!, path: "$.spec")
            checker.expect(root["spec_version"], equals: target.version!, path: "$.spec_version")
            guard let data = root["data"]?.objectValue else {
                checker.error("$.data", root["data"] == nil ? "missing" : "expected an object, found \(root["data"]!.typeName)")
                break
            }
            checker.checkFields(data, path: "$.data", required: target == .v3 ? v3Fields : v2Fields,
                                known: target == .v3 ? v3Optional : v2Optional)
            if let book = data["character_book"], !book.isNull {
                checker.checkBook(book, path: "$.data.character_book", v3: target == .v3)
            }
            if target == .v3 { checker.checkV3Extras(data) }
        }
        return checker.issues
    }

    /// The V1 (TavernAI) fields; all strings.
    static let v1Fields: [(String, FieldType)] = ["name", "description", "personality", "scenario", "first_mes", "mes_example"]
        .map { ($0, .string) }

    static let v2Fields: [(String, FieldType)] = v1Fields + [
        ("creator_notes", .string), ("system_prompt", .string), ("post_history_instructions", .string),
        ("alternate_greetings", .strings), ("tags", .strings), ("creator", .string),
        ("character_version", .string), ("extensions", .object),
    ]
    static let v2Optional: [(String, FieldType)] = [("character_book", .object)]
    static let v3Fields: [(String, FieldType)] = v2Fields + [("group_only_greetings", .strings)]
    static let v3Optional: [(String, FieldType)] = v2Optional + [
        ("assets", .array), ("nickname", .string), ("creator_notes_multilingual", .object), ("source", .strings),
        ("creation_date", .number), ("modification_date", .number),
    ]

    enum FieldType {
        case string, strings, object, array, number, bool

        var name: String {
            switch self {
            case .string: "a string"
            case .strings: "an array of strings"
            case .object: "an object"
            case .array: "an array"
            case .number: "a number"
            case .bool: "a boolean"
            }
        }

        func accepts(_ value: JSONValue) -> Bool {
            switch (self, value) {
            case (.string, .string), (.object, .object), (.array, .array), (.number, .number), (.bool, .bool): true
            case (.strings, .array(let items)): items.allSatisfy { $0.stringValue != nil }
            default: false
            }
        }
    }

    struct Checker {
        var issues: [Issue] = []

        mutating func error(_ path: String, _ message: String) {
            issues.append(Issue(severity: .error, path: path, message: message))
        }

        mutating func warning(_ path: String, _ message: String) {
            issues.append(Issue(severity: .warning, path: path, message: message))
        }

        mutating func expect(_ value: JSONValue?, equals expected: String, path: String) {
            guard let value else { return error(path, "missing (expected \"\(expected)\")") }
            if value.stringValue != expected {
                error(path, "expected \"\(expected)\", found \(describe(value))")
            }
        }

        mutating func checkType(_ value: JSONValue?, _ type: FieldType, path: String, required: Bool) {
            guard let value else {
                if required { error(path, "missing (expected \(type.name))") }
                return
            }
            if !type.accepts(value) { error(path, "expected \(type.name), found \(describe(value))") }
        }

        mutating func checkFields(_ object: OrderedDictionary<String, JSONValue>, path: String,
                                  required: [(String, FieldType)], known: [(String, FieldType)]) {
            for (key, type) in required { checkType(object[key], type, path: "\(path).\(key)", required: true) }
            for (key, type) in known { checkType(object[key], type, path: "\(path).\(key)", required: false) }
            guard path != "$" else { return }  // V1 roots carry app keys (avatar, chat, ...) by tradition.
            let names = Set((required + known).map(\.0))
            for key in object.keys where !names.contains(key) {
                warning("\(path).\(key)", "not a field of the spec; tool-specific data belongs in extensions")
            }
        }

        mutating func checkBook(_ book: JSONValue, path: String, v3: Bool) {
            guard let object = book.objectValue else { return error(path, "expected an object or null, found \(describe(book))") }
            let fields: [(String, FieldType)] = [("name", .string), ("description", .string), ("scan_depth", .number),
                                                 ("token_budget", .number), ("recursive_scanning", .bool)]
            for (key, type) in fields { checkType(object[key], type, path: "\(path).\(key)", required: false) }
            checkType(object["extensions"], .object, path: "\(path).extensions", required: true)
            guard let entries = object["entries"]?.arrayValue else {
                return checkType(object["entries"], .array, path: "\(path).entries", required: true)
            }
            for (index, entry) in entries.enumerated() {
                checkEntry(entry, path: "\(path).entries[\(index)]", v3: v3)
            }
        }

        mutating func checkEntry(_ entry: JSONValue, path: String, v3: Bool) {
            guard let object = entry.objectValue else { return error(path, "expected an object, found \(describe(entry))") }
            var required: [(String, FieldType)] = [("keys", .strings), ("content", .string), ("extensions", .object),
                                                   ("enabled", .bool), ("insertion_order", .number)]
            if v3 { required.append(("use_regex", .bool)) }
            let optional: [(String, FieldType)] = [("case_sensitive", .bool), ("name", .string), ("priority", .number),
                                                   ("id", .number), ("comment", .string), ("selective", .bool),
                                                   ("secondary_keys", .strings), ("constant", .bool)]
            for (key, type) in required { checkType(object[key], type, path: "\(path).\(key)", required: true) }
            for (key, type) in optional { checkType(object[key], type, path: "\(path).\(key)", required: false) }
            if let position = object["position"] {
                let text = position.stringValue
                if text != "before_char" && text != "after_char" {
                    error("\(path).position", "expected \"before_char\" or \"after_char\", found \(describe(position))")
                }
            }
        }

        mutating func checkV3Extras(_ data: OrderedDictionary<String, JSONValue>) {
            if let assets = data["assets"]?.arrayValue {
                for (index, asset) in assets.enumerated() {
                    let path = "$.data.assets[\(index)]"
                    guard let object = asset.objectValue else { error(path, "expected an object, found \(describe(asset))"); continue }
                    for key in ["type", "uri", "name", "ext"] {
                        checkType(object[key], .string, path: "\(path).\(key)", required: true)
                    }
                }
            }
            if let notes = data["creator_notes_multilingual"]?.objectValue {
                for (language, text) in notes where text.stringValue == nil {
                    error("$.data.creator_notes_multilingual.\(language)", "expected a string, found \(describe(text))")
                }
            }
        }

        func describe(_ value: JSONValue) -> String {
            switch value {
            case .string(let text): "the string \"\(text.prefix(40))\(text.count > 40 ? "…" : "")\""
            case .number(let literal): "the number \(literal)"
            case .bool(let flag): "\(flag)"
            case .null: "null"
            case .array: "an array"
            case .object: "an object"
            }
        }
    }
}
