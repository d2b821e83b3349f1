import Foundation
import OrderedCollections
import DropForgeJSON

/// A character card (TavernAI V1, Character Card V2 or V3) kept as the JSON its author wrote.
///
/// Why a JSON tree and not a Codable struct: cards travel between SillyTavern, RisuAI and other
/// apps that each add their own keys (`extensions` at every level, V1 leftovers at the root).
/// A card read here and written back must import there unchanged, so nothing is decoded into
/// fixed fields: reads go through lenient accessors and writes change values in place, keeping
/// key order, unknown keys and number literals exactly as they were.
public struct CharacterCard: Sendable, Equatable {
    /// Which card format the JSON is.
    public enum Spec: String, Sendable, Codable, CaseIterable {
        /// Flat TavernAI fields at the root, no `spec`.
        case v1
        /// `chara_card_v2`: fields under `data`, with `character_book`.
        case v2
        /// `chara_card_v3`: V2 plus assets, nicknames, dates, group greetings.
        case v3

        /// The `spec` value, e.g. `chara_card_v3` (nil for V1).
        public var specName: String? {
            switch self {
            case .v1: nil
            case .v2: "chara_card_v2"
            case .v3: "chara_card_v3"
            }
        }

        /// The `spec_version` written for this spec.
        public var version: String? {
            switch self {
            case .v1: nil
            case .v2: "2.0"
            case .v3: "3.0"
            }
        }
    }

    /// The whole card as written (always an object).
    public private(set) var json: JSONValue

    /// Wraps a JSON object; throws when `json` is not one or does not look like a card.
    public init(json: JSONValue) throws {
        guard case .object(let root) = json else {
            throw CardError("a character card must be a JSON object, not \(json.typeName)")
        }
        if let data = root["data"], data.objectValue == nil, !data.isNull,
           root["spec"]?.stringValue?.hasPrefix("chara_card_") == true {
            throw CardError("the card's 'data' must be an object, not \(data.typeName)")
        }
        self.json = json
        guard spec != .v1 || root["name"] != nil || root["char_name"] != nil || root["description"] != nil
                || root["first_mes"] != nil else {
            throw CardError("this JSON is not a character card (no 'spec', 'data', 'name' or 'first_mes')")
        }
    }

    /// Parses card JSON bytes, refusing more than `maxBytes` before parsing.
    public static func parse(_ data: Data, maxBytes: Int = CardLimits.defaultCardJSONBytes) throws -> CharacterCard {
        guard data.count <= maxBytes else {
            throw CardError("card JSON is \(data.count) bytes, over the \(maxBytes)-byte limit")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(data)
        } catch let error as JSONParseError {
            throw CardError("card JSON is not valid: \(error)")
        }
        return try CharacterCard(json: value)
    }

    /// Detected from `spec` (and, failing that, from the shape: a `data` object means V2).
    public var spec: Spec {
        let name = json["spec"]?.stringValue?.lowercased() ?? ""
        if name == "chara_card_v3" { return .v3 }
        if name == "chara_card_v2" { return .v2 }
        if json["data"]?.objectValue != nil, json["data"]?["name"] != nil { return .v2 }
        return .v1
    }

    /// The object holding the card fields: `data` for V2/V3, the root for V1.
    public var fields: OrderedDictionary<String, JSONValue> {
        (spec == .v1 ? json.objectValue : json["data"]?.objectValue) ?? [:]
    }

    /// A field read leniently: strings as they are, numbers as their literal (real cards have
    /// `character_version: 1.2`), booleans as `true`/`false`; nil for absent, null, lists, objects.
    public func text(_ key: String) -> String? {
        switch fields[key] {
        case .string(let text): text
        case .number(let literal): literal
        case .bool(let flag): flag ? "true" : "false"
        default: nil
        }
    }

    /// The character's name (`char_name` in some TavernAI-era cards).
    public var name: String {
        text("name") ?? json["char_name"]?.stringValue ?? ""
    }

    /// A list of strings read leniently: a single string is a one-item list, non-strings in a
    /// list are skipped, null or absent is empty.
    public func strings(_ key: String) -> [String] {
        switch fields[key] {
        case .string(let text): text.isEmpty ? [] : [text]
        case .array(let values): values.compactMap(\.stringValue)
        default: []
        }
    }

    /// The lorebook, if the card has one (`character_book: null` counts as none).
    public var book: JSONValue? {
        guard let book = fields["character_book"], book.objectValue != nil else { return nil }
        return book
    }

    /// Lorebook entries (0 when there is no book).
    public var bookEntries: [JSONValue] {
        book?["entries"]?.arrayValue ?? []
    }

    /// Sets a field in the card's field object (root for V1, `data` otherwise), in place when
    /// the key exists, appended when new; `nil` removes it.
    public mutating func setField(_ key: String, _ value: JSONValue?) {
        if spec == .v1 {
            json[key] = value
        } else {
            var data = json["data"] ?? .object([:])
            if data.objectValue == nil { data = .object([:]) }
            data[key] = value
            json["data"] = data
        }
    }

    /// Sets the root keys `spec` and `spec_version` in place (appended when missing) — exactly
    /// what SillyTavern does when it writes the same card as `chara` (V2) and `ccv3` (V3).
    /// Fields are left alone: V2 readers ignore V3-only fields, and nothing is lost.
    public func relabeled(as target: Spec) -> CharacterCard {
        guard let specName = target.specName, let version = target.version, spec != .v1 else { return self }
        var copy = self
        copy.json["spec"] = .string(specName)
        copy.json["spec_version"] = .string(version)
        return copy
    }

    /// The card as `target` without losing any text: V1 → V2 copies the flat fields into `data`
    /// (keeping the V1 keys at the root, as the V2 spec recommends for old readers) and adds
    /// the V2 fields with their empty defaults; V2 → V3 relabels and adds `group_only_greetings`;
    /// V3 → V2 relabels only (see `relabeled(as:)`). Converting to V1 is not offered.
    public func converted(to target: Spec) throws -> CharacterCard {
        switch (spec, target) {
        case (_, .v1):
            guard spec == .v1 else { throw CardError("cards are not converted down to V1; use v2") }
            return self
        case (.v1, _):
            return try upgradedFromV1().converted(to: target)
        case (.v2, .v3):
            var card = relabeled(as: .v3)
            card.ensureV3Fields()
            return card
        default:
            return relabeled(as: target)
        }
    }

    /// V1 → V2. `creatorcomment` (TavernAI) becomes `creator_notes`; a `tags` list is kept.
    private func upgradedFromV1() throws -> CharacterCard {
        let root = json.objectValue ?? [:]
        func string(_ key: String) -> JSONValue {
            switch root[key] {
            case .string(let text): .string(text)
            case .number(let literal): .string(literal)
            default: .string("")
            }
        }
        var data: OrderedDictionary<String, JSONValue> = [:]
        data["name"] = root["name"].flatMap { $0.stringValue.map(JSONValue.string) } ?? string("char_name")
        for key in ["description", "personality", "scenario", "first_mes", "mes_example"] { data[key] = string(key) }
        data["creator_notes"] = string("creatorcomment")
        data["system_prompt"] = .string("")
        data["post_history_instructions"] = .string("")
        data["tags"] = .array((root["tags"]?.arrayValue ?? []).filter { $0.stringValue != nil })
        data["creator"] = string("creator")
        data["character_version"] = string("character_version")
        data["alternate_greetings"] = .array([])
        data["extensions"] = .object([:])
        var upgraded = json
        upgraded["spec"] = .string("chara_card_v2")
        upgraded["spec_version"] = .string("2.0")
        upgraded["data"] = .object(data)
        return try CharacterCard(json: upgraded)
    }

    /// Adds the fields V3 requires that a V2 card lacks: `group_only_greetings`, and
    /// `use_regex: false` on lorebook entries (V2 keys are never regular expressions).
    private mutating func ensureV3Fields() {
        if fields["group_only_greetings"]?.arrayValue == nil {
            setField("group_only_greetings", .array([]))
        }
        guard var book = book, let entries = book["entries"]?.arrayValue else { return }
        book["entries"] = .array(entries.map { entry in
            guard entry.objectValue != nil, entry["use_regex"] == nil else { return entry }
            var entry = entry
            entry["use_regex"] = .bool(false)
            return entry
        })
        setField("character_book", book)
    }

    /// Compact UTF-8 JSON exactly as `JSON.stringify` writes it: the form embedded in PNGs.
    public var compactJSON: Data { JSONWriter.compactData(json) }

    /// Indented JSON for `cards/<name>.json` and `card extract`.
    public var prettyJSON: Data { Data((JSONWriter.pretty(json) + "\n").utf8) }
}
