import Foundation
import Yams

/// Which file is being read and which error code its problems carry.
struct DocumentContext: Sendable {
    let file: String
    let code: String
    /// Set for a manifest: checks record their problems here and go on (`collecting`), so one
    /// run reports them all. nil (config, profiles): the first problem is thrown.
    var problems: ProblemCollector? = nil
}

/// A strict, positioned view over one composed YAML/JSON node.
///
/// Yams' own decoding is lenient in ways manifests must not be (`yes` is a boolean, `1.5`
/// truncates, unknown keys vanish), so models read their fields through this type instead. It
/// knows its dotted field path and its line/column, so every error it throws is positioned.
///
/// Scalar rules: quoted and block scalars are always strings; plain scalars are null (`~`,
/// `null`, empty), booleans (`true`/`false` only), integers (`[-+]?[0-9]+`), other numbers, or
/// strings. String fields also accept plain numbers verbatim (`id: 20261121`).
struct DocumentNode {
    let node: Node
    /// Dotted path from the document root, e.g. `params.vars.style[1]`; empty for the root.
    let field: String
    let context: DocumentContext

    var position: ManifestPosition? {
        node.mark.map { ManifestPosition(line: $0.line, column: $0.column) }
    }

    func error(_ message: String) -> ManifestError {
        ManifestError(file: context.file, line: position?.line, column: position?.column,
                      field: field.isEmpty ? nil : field, message: message, code: context.code)
    }

    /// Runs one field's check. In a manifest (a context with a collector) its problem is
    /// recorded and the field left unset, so the rest of the file is still checked.
    func collecting<T>(_ read: () throws -> T?) throws -> T? {
        guard let problems = context.problems else { return try read() }
        return try problems.collecting(read)
    }

    /// Reports a problem that does not stop the reading of this node: recorded in a manifest,
    /// thrown elsewhere.
    func report(_ problem: ManifestError) throws {
        guard let problems = context.problems else { throw problem }
        problems.add(problem)
    }

    func child(_ node: Node, key: String) -> DocumentNode {
        DocumentNode(node: node, field: field.isEmpty ? key : "\(field).\(key)", context: context)
    }

    func child(_ node: Node, index: Int) -> DocumentNode {
        DocumentNode(node: node, field: "\(field)[\(index)]", context: context)
    }

    // MARK: Scalar classification

    enum ScalarKind: Equatable {
        case null, bool(Bool), integer(String), number, string(String)
    }

    /// nil when the node is not a scalar.
    var scalarKind: ScalarKind? {
        guard case .scalar(let scalar) = node else { return nil }
        let text = scalar.string
        if scalar.style != .plain && scalar.style != .any { return .string(text) }
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        default: break
        }
        if text.range(of: #"^[-+]?[0-9]+$"#, options: .regularExpression) != nil { return .integer(text) }
        if text.range(of: #"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$"#, options: .regularExpression) != nil
            || [".inf", ".Inf", ".INF", "-.inf", "+.inf", ".nan", ".NaN", ".NAN"].contains(text) {
            return .number
        }
        return .string(text)
    }

    var isNull: Bool { scalarKind == .null }

    /// "a string", "a list", ... for "expected X, found Y" messages.
    var foundDescription: String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            switch scalarKind {
            case .null: return "null"
            case .bool: return "a boolean"
            case .integer: return "an integer"
            case .number: return "a number (\(scalar.string))"
            case .string(let text):
                let shown = text.count > 40 ? String(text.prefix(40)) + "…" : text
                return "a string ('\(shown)')"
            case .none: return "a scalar"
            }
        }
    }

    func typeError(expected: String) -> ManifestError {
        error("expected \(expected), found \(foundDescription)")
    }

    // MARK: Typed readers

    func string() throws -> String {
        switch scalarKind {
        case .string(let text), .integer(let text): return text
        case .number:
            if case .scalar(let scalar) = node { return scalar.string }
            throw typeError(expected: "a string")
        default: throw typeError(expected: "a string")
        }
    }

    /// A string that is not empty after trimming whitespace; returned trimmed.
    func nonEmptyString() throws -> String {
        let text = try string().trimmingCharacters(in: .whitespacesAndNewlines)
        if text.isEmpty { throw error("must not be empty") }
        return text
    }

    func bool() throws -> Bool {
        if case .bool(let value) = scalarKind { return value }
        if case .string(let text) = scalarKind,
           ["yes", "no", "on", "off", "y", "n"].contains(text.lowercased()), !isQuoted {
            throw error("expected a boolean (true or false), found '\(text)'")
        }
        throw typeError(expected: "a boolean (true or false)")
    }

    private var isQuoted: Bool {
        if case .scalar(let scalar) = node { return scalar.style != .plain && scalar.style != .any }
        return false
    }

    func int(in range: ClosedRange<Int>? = nil) throws -> Int {
        guard case .integer(let text) = scalarKind else { throw typeError(expected: "an integer") }
        guard let value = Int(text.hasPrefix("+") ? String(text.dropFirst()) : text) else {
            throw error("\(text) is too large")
        }
        if let range { try check(value, in: range) }
        return value
    }

    /// A finite number (integers too) within `range`, e.g. `temperature: 0.7`.
    func number(in range: ClosedRange<Double>) throws -> Double {
        guard case .scalar(let scalar) = node, scalarKind == .number || { if case .integer = scalarKind { return true }; return false }(),
              let value = Double(scalar.string), value.isFinite else {
            throw typeError(expected: "a number")
        }
        guard range.contains(value) else {
            throw error("\(scalar.string) is outside \(range.lowerBound.formatted())…\(range.upperBound.formatted())")
        }
        return value
    }

    func check(_ value: Int, in range: ClosedRange<Int>) throws {
        if value > range.upperBound { throw error("\(value) is over the limit of \(range.upperBound)") }
        if value < range.lowerBound { throw error("\(value) is below the minimum of \(range.lowerBound)") }
    }

    /// One of a fixed set of words, e.g. `pick: sequential | random`.
    func oneOf<Value: RawRepresentable & CaseIterable>(_ type: Value.Type) throws -> Value where Value.RawValue == String {
        let allowed = Value.allCases.map(\.rawValue)
        guard case .string(let text) = scalarKind else {
            throw typeError(expected: "one of \(allowed.joined(separator: ", "))")
        }
        if let value = Value(rawValue: text) { return value }
        var message = "'\(text)' is not one of \(allowed.joined(separator: ", "))"
        if let suggestion = EditDistance.suggestion(for: text, among: allowed) {
            message += " (did you mean '\(suggestion)'?)"
        }
        throw error(message)
    }

    func list() throws -> [DocumentNode] {
        guard case .sequence(let sequence) = node else { throw typeError(expected: "a list") }
        return sequence.enumerated().map { child($0.element, index: $0.offset) }
    }

    func stringList() throws -> [String] {
        try list().map { try $0.nonEmptyString() }
    }

    /// A list of words from a fixed set, without repeats, in the order given.
    func subset<Value: RawRepresentable & CaseIterable>(of type: Value.Type) throws -> [Value] where Value.RawValue == String {
        var seen: [Value] = []
        for item in try list() {
            let value = try item.oneOf(type)
            if seen.contains(where: { $0.rawValue == value.rawValue }) {
                throw item.error("'\(value.rawValue)' is listed twice")
            }
            seen.append(value)
        }
        return seen
    }

    /// A mapping whose keys must come from `allowed`; unknown keys are errors with a suggestion.
    func mapping(allowed: [String]) throws -> DocumentMapping {
        guard case .mapping(let mapping) = node else { throw typeError(expected: "a mapping") }
        var entries: [DocumentMapping.Entry] = []
        for (keyNode, valueNode) in mapping {
            let keyView = DocumentNode(node: keyNode, field: field, context: context)
            guard case .scalar(let keyScalar) = keyNode else {
                throw keyView.error("keys must be plain names, found \(keyView.foundDescription)")
            }
            let key = keyScalar.string
            let value = child(valueNode, key: key)
            if !allowed.contains(key) {
                let keyAtField = DocumentNode(node: keyNode, field: value.field, context: context)
                var message = "unknown key '\(key)'"
                if let suggestion = EditDistance.suggestion(for: key, among: allowed) {
                    message += " (did you mean '\(suggestion)'?)"
                } else {
                    message += " (allowed: \(allowed.joined(separator: ", ")))"
                }
                try report(keyAtField.error(message))
                continue
            }
            entries.append(DocumentMapping.Entry(key: key, keyNode: DocumentNode(node: keyNode, field: value.field, context: context), value: value))
        }
        return DocumentMapping(node: self, entries: entries)
    }

    /// A mapping with free-form keys (e.g. `vars`, `providers`), in document order.
    func freeMapping() throws -> [(key: String, keyNode: DocumentNode, value: DocumentNode)] {
        guard case .mapping(let mapping) = node else { throw typeError(expected: "a mapping") }
        return try mapping.map { keyNode, valueNode in
            let keyView = DocumentNode(node: keyNode, field: field, context: context)
            guard case .scalar(let keyScalar) = keyNode else {
                throw keyView.error("keys must be plain names, found \(keyView.foundDescription)")
            }
            let value = child(valueNode, key: keyScalar.string)
            return (keyScalar.string, DocumentNode(node: keyNode, field: value.field, context: context), value)
        }
    }
}
