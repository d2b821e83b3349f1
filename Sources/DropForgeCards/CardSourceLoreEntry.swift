/// One lorebook entry written in the `## Lore` section of a source document.
///
/// An entry with keys but empty `content` is kept on purpose: the card writer may be asked to
/// generate the text for those keys.
public struct CardSourceLoreEntry: Sendable, Equatable {
    /// A label for the entry (the `###` heading, or its first key); `nil` when there is none.
    public var name: String?
    /// The words that trigger the entry, in the order written, duplicates (case-insensitive) dropped.
    public var keys: [String]
    /// The entry text, verbatim apart from the blank lines around it.
    public var content: String

    public init(name: String? = nil, keys: [String] = [], content: String = "") {
        self.name = name
        self.keys = keys
        self.content = content
    }
}
