import Foundation
import OrderedCollections
import DropForgeJSON
import DropForgeCards

/// Builds the card a `kind: card` job starts from (the parameters stage).
///
/// Precedence per field: an explicit `fields:` value, else the input card's value when it is
/// meaningful (see `isPlaceholder`), else the source material's section. Fields still empty
/// afterwards are left for the card writer of the generate stage. Tags are the union of the
/// input card's and the source's; lorebook entries are the input card's (unless
/// `book.keep: false`), then the source's `## Lore` entries, then the manifest's `book.entries`,
/// skipping any whose keys repeat an earlier entry's.
public struct CardPlanner {
    public var settings: CardSettings
    public var jobName: String

    public init(settings: CardSettings, jobName: String) {
        self.settings = settings
        self.jobName = jobName
    }

    /// What the planner made, with notes for the job log.
    public struct Result: Sendable {
        public var card: CharacterCard
        public var warnings: [String]
    }

    /// Merges `input` (the input card, any spec), the source and the overrides into a V3 card.
    public func plan(input: CharacterCard?) throws -> Result {
        var warnings: [String] = []
        let source = settings.source.map(CardSource.parse) ?? CardSource()
        for section in source.unmatchedSections {
            warnings.append("source section '\(section)' matches no card field and was skipped")
        }
        var card = try input?.converted(to: .v3) ?? Self.emptyCard()
        // An input card may lack fields the V3 spec requires; they are added, empty, at the end.
        for (key, value) in Self.emptyCard().fields where card.fields[key] == nil {
            card.setField(key, value)
        }

        let given: [String: String] = Dictionary(
            source.fields.map { ($0.key.rawValue, $0.value) }, uniquingKeysWith: { first, _ in first })
        for key in Self.textFields where !Self.isMeaningful(card.text(key)) {
            if let value = given[key] { card.setField(key, .string(value)) }
        }
        if !Self.isMeaningful(card.name) {
            card.setField("name", .string(source.name ?? Self.displayName(jobName)))
        }
        if card.strings("alternate_greetings").isEmpty, !source.alternateGreetings.isEmpty {
            card.setField("alternate_greetings", .array(source.alternateGreetings.map(JSONValue.string)))
        }
        card.setField("tags", .array(Self.union(card.strings("tags"), source.tags).map(JSONValue.string)))

        if !settings.book.keep, card.book != nil {
            var book = card.book!
            book["entries"] = .array([])
            card.setField("character_book", book)
        }
        let added = source.lore.map { CardBookEntry(keys: $0.keys.isEmpty ? [$0.name ?? ""] : $0.keys, content: $0.content, name: $0.name) }
            + settings.book.entries
        card = Self.adding(added, to: card, bookName: settings.book.name, warnings: &warnings)

        for value in settings.fields {
            if let list = value.list {
                card.setField(value.key, .array(list.map(JSONValue.string)))
            } else if let text = value.text {
                card.setField(value.key, .string(text))
            }
        }
        return Result(card: card, warnings: warnings)
    }

    /// `card` with `added` appended to its lorebook (made when missing), its existing entries
    /// completed to the V3 shape. An entry whose keys repeat an earlier entry's is skipped with a
    /// warning; new entries take ids no earlier entry uses, as apps import entries by id.
    public static func adding(_ added: [CardBookEntry], to card: CharacterCard, bookName: String? = nil) -> CharacterCard {
        var warnings: [String] = []
        return adding(added, to: card, bookName: bookName, warnings: &warnings)
    }

    static func adding(_ added: [CardBookEntry], to card: CharacterCard, bookName: String?, warnings: inout [String]) -> CharacterCard {
        var entries = card.bookEntries.map(completedEntry)
        for entry in added {
            let keys = Set(entry.keys.map { $0.lowercased() })
            if entries.contains(where: { Set(($0["keys"]?.arrayValue ?? []).compactMap { $0.stringValue?.lowercased() }) == keys }) {
                warnings.append("lorebook entry '\(entry.name ?? entry.keys.joined(separator: ", "))' repeats the keys of an earlier entry and was skipped")
                continue
            }
            let nextID = entries.compactMap { $0["id"]?.intValue }.max().map { $0 + 1 } ?? 0
            entries.append(bookEntry(entry, id: max(nextID, entries.count)))
        }
        guard !entries.isEmpty || card.book != nil else { return card }
        var card = card
        var book = card.book ?? .object(["name": .string(""), "extensions": .object([:]), "entries": .array([])])
        book["entries"] = .array(entries)
        if let bookName { book["name"] = .string(bookName) }
        if book["extensions"]?.objectValue == nil { book["extensions"] = .object([:]) }
        card.setField("character_book", book)
        return card
    }

    /// Text fields the source can give, in card order.
    static let textFields = ["description", "personality", "scenario", "first_mes", "mes_example",
                             "creator_notes", "system_prompt", "post_history_instructions"]

    /// A new V3 card with every required field, empty, in the order SillyTavern writes them.
    static func emptyCard() -> CharacterCard {
        let data: OrderedDictionary<String, JSONValue> = [
            "name": "", "description": "", "personality": "", "scenario": "", "first_mes": "", "mes_example": "",
            "creator_notes": "", "system_prompt": "", "post_history_instructions": "", "alternate_greetings": [],
            "tags": [], "creator": "", "character_version": "", "extensions": .object([:]), "group_only_greetings": [],
        ]
        // swiftlint:disable:next force_try
        return try! CharacterCard(json: .object(["spec": "chara_card_v3", "spec_version": "3.0", "data": .object(data)]))
    }

    /// A lorebook entry in the V3 shape (V2 readers ignore `use_regex`).
    static func bookEntry(_ entry: CardBookEntry, id: Int) -> JSONValue {
        var object: OrderedDictionary<String, JSONValue> = [
            "keys": .array(entry.keys.map(JSONValue.string)),
            "content": .string(entry.content),
            "extensions": .object([:]),
            "enabled": .bool(entry.enabled),
            "insertion_order": .number(entry.insertionOrder ?? 100),
            "case_sensitive": .bool(entry.caseSensitive ?? false),
            "use_regex": .bool(false),
            "constant": .bool(entry.constant ?? false),
            "name": .string(entry.name ?? entry.keys.first ?? ""),
            "comment": .string(entry.name ?? entry.keys.first ?? ""),
            "selective": .bool(!(entry.secondaryKeys ?? []).isEmpty),
            "secondary_keys": .array((entry.secondaryKeys ?? []).map(JSONValue.string)),
            "position": .string(entry.position ?? "before_char"),
        ]
        object["id"] = .number(id)
        return .object(object)
    }

    /// A kept lorebook entry with the fields the V3 spec requires added when missing (real
    /// cards often lack `extensions` or `insertion_order`); present values are never changed.
    static func completedEntry(_ entry: JSONValue) -> JSONValue {
        guard entry.objectValue != nil else { return entry }
        var entry = entry
        let defaults: [(String, JSONValue)] = [("keys", .array([])), ("content", ""), ("extensions", .object([:])),
                                               ("enabled", true), ("insertion_order", .number(100)), ("use_regex", false)]
        for (key, value) in defaults where entry[key] == nil { entry[key] = value }
        return entry
    }

    /// True when `text` carries content: not empty and not a placeholder.
    static func isMeaningful(_ text: String?) -> Bool {
        guard let text else { return false }
        return !isPlaceholder(text)
    }

    /// Placeholder text that card templates leave behind: blank, `TBD`, `TODO`, `N/A`, `none`,
    /// `null`, `placeholder`, `...`, `-`, `?`, and a short label wholly in `<…>`, `[…]` or `{{…}}`
    /// such as `<description>`, `[insert description here]` or `{{description}}` — only words,
    /// so W++-style content like `[Bob's persona: brave, loyal]` is content, and so is `{{char}}`.
    public static func isPlaceholder(_ text: String) -> Bool {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return true }
        let words: Set<String> = ["tbd", "todo", "n/a", "na", "none", "null", "placeholder", "...", "…", "-", "?",
                                  "lorem ipsum", "to be written", "fill me in"]
        if words.contains(trimmed.lowercased()) { return true }
        let wrapped = [("<", ">"), ("[", "]"), ("{{", "}}")].contains { open, close in
            guard trimmed.count > open.count + close.count, trimmed.count <= 60,
                  trimmed.hasPrefix(open), trimmed.hasSuffix(close) else { return false }
            return trimmed.dropFirst(open.count).dropLast(close.count)
                .allSatisfy { $0.isLetter || $0.isNumber || " _-'’".contains($0) }
        }
        return wrapped && !["{{char}}", "{{user}}"].contains(trimmed.lowercased())
    }

    /// `captain-lin` → `Captain Lin`: a readable name from a job name.
    static func displayName(_ jobName: String) -> String {
        jobName.split(whereSeparator: { $0 == "-" || $0 == "_" || $0 == "." })
            .map { $0.prefix(1).uppercased() + $0.dropFirst() }
            .joined(separator: " ")
    }

    /// `first` then the items of `second` not already there (case-insensitively).
    static func union(_ first: [String], _ second: [String]) -> [String] {
        var seen = Set<String>()
        return (first + second).filter { seen.insert($0.lowercased()).inserted }
    }
}
