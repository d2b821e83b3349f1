import Foundation

/// A prompt template from `params.template` (or `params.negative`), filled once per item.
///
/// Placeholders:
/// - `{keyword}` — the keyword row's first column;
/// - `{name}` — the value of the variable `name` from `params.vars`;
/// - `${{Header}}` — the column `Header` of a CSV keyword row (exact, case-sensitive match);
///   `{Header}` works too when a header of that exact spelling exists.
///
/// Lookup order for `{x}`: `keyword`, then variables, then CSV columns.
///
/// Anything else in braces is ordinary text and is kept verbatim — `{ }`, JSON snippets, and
/// double braces such as `{{user}}` / `{{char}}` (character-card macros that a text provider
/// must see unchanged). Only the `${{…}}` form is read inside double braces.
/// A brace-enclosed *identifier* with no value is an error rather than silently staying in the
/// prompt, because it is almost always a typo in a variable name.
///
/// After filling, runs of whitespace (including newlines) collapse to one space and the result
/// is trimmed, so empty values and multi-line YAML templates give clean one-line prompts.
public struct PromptTemplate: Sendable, Equatable {
    public var text: String
    /// Which manifest field this came from, used in error messages (`template`, `negative`).
    public var field: String

    public init(_ text: String, field: String = "template") {
        self.text = text
        self.field = field
    }

    /// Fills the template. `keyword` is nil when the job has no keywords at all.
    public func fill(keyword: String?, vars: [String: String], columns: [String: String] = [:]) throws -> String {
        try render(keyword: keyword, vars: vars, columns: columns) { throw $0 }
    }

    /// Every placeholder that would have no value with these names, without stopping at the
    /// first: what `validate` and intake report before any item runs.
    public func problems(keyword: String?, vars: [String: String], columns: [String: String] = [:]) -> [ParameterError] {
        var found: [ParameterError] = []
        _ = render(keyword: keyword, vars: vars, columns: columns) { found.append($0) }
        return found
    }

    /// Fills the template; `unknown` decides what a placeholder with no value does (throw, or
    /// be noted and kept verbatim).
    private func render(keyword: String?, vars: [String: String], columns: [String: String],
                        unknown: (ParameterError) throws -> Void) rethrows -> String {
        let chars = Array(text)
        var out = ""
        var i = 0
        func known() -> String {
            var names: [String] = keyword == nil ? [] : ["keyword"]
            names += vars.keys.sorted()
            names += columns.keys.sorted().filter { !names.contains($0) }
            return names.isEmpty ? "(none)" : names.joined(separator: ", ")
        }
        while i < chars.count {
            let c = chars[i]
            // ${{Header}}: a CSV column.
            if c == "$", i + 2 < chars.count, chars[i + 1] == "{", chars[i + 2] == "{",
               let close = Self.find(["}", "}"], in: chars, from: i + 3) {
                let name = String(chars[(i + 3)..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
                if let value = columns[name] {
                    out += value
                } else {
                    let headers = columns.keys.sorted()
                    try unknown(ParameterError(field, "placeholder ${{\(name)}} names no keyword column; known columns: \(headers.isEmpty ? "(none — keywords are not a CSV table)" : headers.joined(separator: ", "))"))
                    out += String(chars[i...(close + 1)])
                }
                i = close + 2
                continue
            }
            // {{…}}: left alone (card macros such as {{user}}).
            if c == "{", i + 1 < chars.count, chars[i + 1] == "{" {
                if let close = Self.find(["}", "}"], in: chars, from: i + 2) {
                    out += String(chars[i...(close + 1)])
                    i = close + 2
                } else {
                    out += "{{"
                    i += 2
                }
                continue
            }
            // {name}
            if c == "{", let close = Self.closingBrace(in: chars, from: i + 1) {
                let name = String(chars[(i + 1)..<close])
                if let value = lookup(name, keyword: keyword, vars: vars, columns: columns) {
                    out += value
                    i = close + 1
                    continue
                }
                if Self.isIdentifier(name) {
                    try unknown(ParameterError(field, "placeholder {\(name)} has no value; known names: \(known())"))
                }
            }
            out.append(c)
            i += 1
        }
        return out.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
    }

    /// The identifier placeholders the template mentions (`{x}` and `${{x}}`), in order, unique.
    /// Useful for validating a manifest before any item runs.
    public var placeholders: [String] {
        var names: [String] = []
        let chars = Array(text)
        var i = 0
        while i < chars.count {
            if chars[i] == "$", i + 2 < chars.count, chars[i + 1] == "{", chars[i + 2] == "{",
               let close = Self.find(["}", "}"], in: chars, from: i + 3) {
                let name = String(chars[(i + 3)..<close]).trimmingCharacters(in: .whitespacesAndNewlines)
                if !names.contains(name) { names.append(name) }
                i = close + 2
            } else if chars[i] == "{", i + 1 < chars.count, chars[i + 1] == "{" {
                i = (Self.find(["}", "}"], in: chars, from: i + 2).map { $0 + 2 }) ?? (i + 2)
            } else if chars[i] == "{", let close = Self.closingBrace(in: chars, from: i + 1),
                      Self.isIdentifier(String(chars[(i + 1)..<close])) {
                let name = String(chars[(i + 1)..<close])
                if !names.contains(name) { names.append(name) }
                i = close + 1
            } else {
                i += 1
            }
        }
        return names
    }

    private func lookup(_ name: String, keyword: String?, vars: [String: String], columns: [String: String]) -> String? {
        if name == "keyword", let keyword { return keyword }
        return vars[name] ?? columns[name]
    }

    /// Letters/underscore first, then letters, digits, `_` or `-` (YAML keys like `art-style`).
    static func isIdentifier(_ s: String) -> Bool {
        guard let first = s.first, first.isLetter || first == "_" else { return false }
        return s.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
    }

    /// Index of the `}` closing a single-brace group, or nil if another `{` or a newline comes first.
    private static func closingBrace(in chars: [Character], from start: Int) -> Int? {
        var j = start
        while j < chars.count {
            switch chars[j] {
            case "}": return j
            case "{", "\n": return nil
            default: j += 1
            }
        }
        return nil
    }

    private static func find(_ pattern: [Character], in chars: [Character], from start: Int) -> Int? {
        guard pattern.count <= chars.count else { return nil }
        var j = start
        while j + pattern.count <= chars.count {
            if Array(chars[j..<(j + pattern.count)]) == pattern { return j }
            j += 1
        }
        return nil
    }
}
