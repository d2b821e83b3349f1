/// The card fields a source document names: the `source_material` / `source_file` of a
/// `kind: card` manifest, text or Markdown whose headings map to card fields.
///
/// Text fields are kept verbatim (inner line breaks, `{{char}}`/`{{user}}` placeholders,
/// `<START>` lines, non-ASCII, Markdown): only the blank lines around a section are trimmed.
///
/// Rules:
/// - The first level-1 heading (`# Name`) names the character. A later `# Other` heading is
///   reported in ``unmatchedSections`` as `"# Other"` and its text is skipped up to the next `##`.
/// - `##` headings map to fields, case-insensitively, ignoring trailing colons, extra spaces and
///   `’` vs `'`; each also accepts its card JSON key (`first_mes`, `character_book`, …):
///   Description; Personality (also "Personality summary"); Scenario; First message (also
///   "Greeting", "First mes"); Example messages (also "Example dialogue", "Examples");
///   Alternate greetings (also "Alternate greeting", "Alt greetings"); System prompt;
///   Post-history instructions (also "Post history instructions", "Jailbreak"); Creator notes
///   (also "Creator's notes", "Notes"); Tags; Lore (also "Lorebook", "World info",
///   "Character book"). Any other `##` heading is reported in ``unmatchedSections`` as
///   `"## Heading"` and its text is skipped.
/// - `###` and deeper headings are ordinary text, except in Alternate greetings and Lore.
/// - Alternate greetings: each `###` subheading starts one greeting (its text is only a label);
///   without any `###`, greetings are separated by lines that are exactly `---`; a single block
///   is one greeting. Text before the first `###` is a greeting too (nothing is silently lost).
///   Empty greetings are dropped.
/// - Tags: separated by commas or newlines; list markers (`-`, `*`, `+`, `1.`, `1)`) and
///   surrounding whitespace stripped; empties dropped; duplicates (case-insensitive) dropped,
///   keeping the first spelling.
/// - Lore: each `### heading` is one entry. The heading lists the entry's keys, separated by
///   commas (`### Kestrel, airship`), and the first key is its name. If the first non-blank line
///   of the entry is `Keys: a, b, c` (case-insensitive, `Key:` too), those are the keys and the
///   whole heading is the name. The rest is the content. Text before the first `###` is an entry
///   with no heading. Entries with no name, keys or content are dropped.
/// - An empty section leaves its field absent (not `""`), so "not given" and "given" differ.
///   A repeated section is appended to the earlier one, separated by a blank line.
/// - ``preamble`` is the text before the first `##` that is not the name heading (text under
///   `# Name`, or the whole text when there are no headings). It becomes the description when
///   there is no non-empty Description section, so a document without headings is all
///   description, and has no name.
/// - Headings follow CommonMark's ATX form: up to three spaces of indent, 1–6 `#`, then a space
///   or the end of the line; an optional closing `#` run is dropped. `#tag` or a `#` inside a
///   line is text. Lines inside fenced code blocks (```` ``` ```` or `~~~`) are never headings,
///   separators or `Keys:` lines. Setext headings (text underlined with `===` / `---`) are not
///   supported: they stay text (and `---` is a greeting separator).
/// - Line endings: the text is split on `"\n"`; a trailing `"\r"` is ignored when recognising
///   structure but kept in the text, so CRLF input yields CRLF inside multi-line fields (the
///   final line break of a field is not part of it). Old Mac `"\r"`-only text is one line.
///   A leading byte-order mark is dropped.
public struct CardSource: Sendable, Equatable {
    /// The character's name: the first `#` heading; `nil` when there is none (or it is empty).
    public var name: String?
    /// Free-text fields given by non-empty sections (plus the description from the preamble).
    public var fields: [CardSourceField: String]
    public var alternateGreetings: [String]
    public var tags: [String]
    public var lore: [CardSourceLoreEntry]
    /// Headings that map to nothing, as written with their markers (`"## Appearance"`,
    /// `"# Other"`), in document order; the caller reports them as warnings.
    public var unmatchedSections: [String]
    /// Text before the first `##` other than the name heading; `nil` when blank.
    public var preamble: String?

    public init(
        name: String? = nil,
        fields: [CardSourceField: String] = [:],
        alternateGreetings: [String] = [],
        tags: [String] = [],
        lore: [CardSourceLoreEntry] = [],
        unmatchedSections: [String] = [],
        preamble: String? = nil
    ) {
        self.name = name
        self.fields = fields
        self.alternateGreetings = alternateGreetings
        self.tags = tags
        self.lore = lore
        self.unmatchedSections = unmatchedSections
        self.preamble = preamble
    }

    /// Parses a source document. Never fails: anything it cannot place is either reported in
    /// ``unmatchedSections`` or kept as text.
    public static func parse(_ text: String) -> CardSource {
        CardSourceParser(text: text).parse()
    }
}
