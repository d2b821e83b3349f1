import Foundation

/// What a `##` heading of a source document maps to.
///
/// Matching is case-insensitive and ignores surrounding/extra spaces and trailing colons, so
/// `## first MESSAGE:` is the first message. Each target also accepts its Character Card JSON key
/// (`first_mes`, `mes_example`, `alternate_greetings`, `character_book`, …) so people who think
/// in JSON keys are understood too. Anything else is reported in ``CardSource/unmatchedSections``.
enum CardSourceSection: Equatable, Sendable {
    case field(CardSourceField)
    case alternateGreetings
    case tags
    case lore

    /// Heading aliases (already normalised: lowercase, single spaces, no trailing colon).
    static let aliases: [String: CardSourceSection] = {
        var table: [String: CardSourceSection] = [:]
        func add(_ section: CardSourceSection, _ names: String...) {
            for name in names { table[name] = section }
        }
        add(.field(.description), "description")
        add(.field(.personality), "personality", "personality summary")
        add(.field(.scenario), "scenario")
        add(.field(.firstMessage), "first message", "greeting", "first mes", "first_mes")
        add(.field(.exampleMessages), "example messages", "example dialogue", "examples", "mes_example")
        add(.alternateGreetings, "alternate greetings", "alternate greeting", "alt greetings",
            "alternate_greetings")
        add(.field(.systemPrompt), "system prompt", "system_prompt")
        add(.field(.postHistoryInstructions), "post-history instructions", "post history instructions",
            "jailbreak", "post_history_instructions")
        add(.field(.creatorNotes), "creator notes", "creator's notes", "notes", "creator_notes")
        add(.tags, "tags")
        add(.lore, "lore", "lorebook", "world info", "character book", "character_book")
        return table
    }()

    /// The section a heading names, or `nil` when it names nothing we know.
    init?(heading: String) {
        guard let section = Self.aliases[Self.normalise(heading)] else { return nil }
        self = section
    }

    /// Lowercases, turns the typographic apostrophe (U+2019) into `'`, drops trailing colons and
    /// collapses runs of whitespace, so small typing differences still match.
    static func normalise(_ heading: String) -> String {
        var text = heading.lowercased().replacingOccurrences(of: "\u{2019}", with: "'")
        while let last = text.last, last == ":" || last.isWhitespace { text.removeLast() }
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }
}
