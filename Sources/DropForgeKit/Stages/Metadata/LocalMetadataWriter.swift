/// The offline `local` metadata writer: derives a title, a description and tags from an item's
/// prompt, keyword and variable values with fixed rules — no model, no randomness — so the same
/// item always gets the same metadata and seeded runs stay reproducible.
///
/// - Title: the prompt's meaningful words (stop words and prompt fillers such as "masterpiece",
///   "8k", "highly detailed" dropped) taken clause by clause, Title Case, 3–12 words (usually at
///   most 8), no punctuation at the end. Short prompts borrow the keyword and values.
/// - Description: the prompt tidied into a sentence (filler-only clauses removed), followed by a
///   neutral "Themes include …" sentence built from the tags while under 150 characters; cut at a
///   word boundary (with "…") when over 250. A prompt too thin to reach 150 characters gets a
///   plain closing sentence rather than invented detail.
/// - Tags: at most 15, lower-case, unique: the keyword and its words first, then variable/CSV
///   values (sorted by name so dictionary order never matters), then the remaining meaningful
///   prompt words.
public struct LocalMetadataWriter: Sendable {
    public static let maxTags = 15
    public static let descriptionRange = 150...250

    public init() {}

    public func write(prompt: String, keyword: String, values: [String: String]) -> ImageMetadata {
        let tags = makeTags(prompt: prompt, keyword: keyword, values: values)
        return ImageMetadata(title: makeTitle(prompt: prompt, keyword: keyword, values: values),
                             description: makeDescription(prompt: prompt, tags: tags),
                             tags: tags)
    }

    // MARK: Title

    func makeTitle(prompt: String, keyword: String, values: [String: String]) -> String {
        var words: [String] = []
        func add(_ word: String) {
            if !words.contains(where: { $0.lowercased() == word.lowercased() }) { words.append(word) }
        }
        for clause in MetadataWords.clauses(prompt) {
            let clauseWords = MetadataWords.words(clause).filter(MetadataWords.isMeaningful)
            let fresh = clauseWords.filter { w in !words.contains { $0.lowercased() == w.lowercased() } }
            if words.count >= 3 && words.count + fresh.count > 8 { break }
            for word in fresh where words.count < 8 { add(word) }
        }
        if words.count < 3 {
            let extra = [keyword] + values.keys.sorted().compactMap { values[$0] }
            for word in extra.flatMap(MetadataWords.words).filter(MetadataWords.isMeaningful) where words.count < 3 {
                add(word)
            }
        }
        if words.count < 3 {
            // Nothing more to say about the subject: finish with an honest generic noun phrase.
            for word in (words.isEmpty ? ["Untitled", "Digital", "Artwork"] : ["Digital", "Artwork"]) where words.count < 3 {
                add(word)
            }
        }
        return words.prefix(12).map(MetadataWords.titleCased).joined(separator: " ")
    }

    // MARK: Description

    func makeDescription(prompt: String, tags: [String]) -> String {
        let range = Self.descriptionRange
        let clauses = MetadataWords.clauses(prompt).filter { clause in
            MetadataWords.words(clause).contains(where: MetadataWords.isMeaningful)
        }
        var text = ""
        if !clauses.isEmpty {
            let body = clauses.joined(separator: ", ")
            text = body.prefix(1).uppercased() + body.dropFirst() + "."
        }
        if text.count < range.lowerBound, !tags.isEmpty {
            let lower = text.lowercased()
            // Skip words already covered by a multi-word tag ("tabby" after "tabby cat"), and list
            // tags the prompt sentence does not spell out first: they say something new.
            var distinct: [String] = []
            for tag in tags where !distinct.contains(where: { $0.split(separator: " ").contains(Substring(tag)) }) {
                distinct.append(tag)
            }
            let pool = distinct.filter { !lower.contains($0) } + distinct.filter { lower.contains($0) }
            var listed: [String] = []
            for tag in pool {
                listed.append(tag)
                if (text + " " + featureSentence(listed)).count >= range.lowerBound { break }
            }
            while listed.count > 1, (text + " " + featureSentence(listed)).count > range.upperBound { listed.removeLast() }
            text = text.isEmpty ? featureSentence(listed) : text + " " + featureSentence(listed)
        }
        if text.count < range.lowerBound {
            let closing = "Generated from a text prompt and described automatically from its words."
            text = text.isEmpty ? closing : text + " " + closing
        }
        return truncated(text, to: range.upperBound)
    }

    private func featureSentence(_ tags: [String]) -> String {
        guard let last = tags.last else { return "" }
        let list = tags.count == 1 ? last : tags.dropLast().joined(separator: ", ") + " and " + last
        return "Themes include " + list + "."
    }

    private func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        var cut = String(text.prefix(limit - 1))
        if let space = cut.lastIndex(where: { $0.isWhitespace }) { cut = String(cut[..<space]) }
        while let last = cut.last, !(last.isLetter || last.isNumber) { cut.removeLast() }
        return cut + "…"
    }

    // MARK: Tags

    func makeTags(prompt: String, keyword: String, values: [String: String]) -> [String] {
        var tags: [String] = []
        func add(_ candidate: String) {
            guard tags.count < Self.maxTags, let tag = Self.cleanTag(candidate), !tags.contains(tag) else { return }
            tags.append(tag)
        }
        for part in Self.pieces(keyword) { add(part) }
        for word in MetadataWords.words(keyword) { add(word) }
        for key in values.keys.sorted() {
            for piece in Self.pieces(values[key] ?? "") {
                let words = MetadataWords.words(piece)
                if words.count <= 3 && piece.count <= 32 { add(piece) } else { words.forEach { add($0) } }
            }
        }
        for word in MetadataWords.words(prompt) { add(word) }
        return tags
    }

    private static func pieces(_ text: String) -> [String] {
        text.split(whereSeparator: { ",;|\n".contains($0) }).map(String.init)
    }

    /// Lower-cases, keeps only words, trims stop words at either end; nil when nothing meaningful is left.
    static func cleanTag(_ text: String) -> String? {
        var words = MetadataWords.words(text.lowercased())
        while let first = words.first, !MetadataWords.isMeaningful(first) { words.removeFirst() }
        while let last = words.last, !MetadataWords.isMeaningful(last) { words.removeLast() }
        guard !words.isEmpty else { return nil }
        return words.joined(separator: " ")
    }
}
