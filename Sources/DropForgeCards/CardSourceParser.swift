/// Turns a source document into a ``CardSource`` in two passes: first cut the lines into blocks
/// at `#`/`##` headings, then read each block the way its section wants (text, greetings, tags,
/// lore). The rules are documented on ``CardSource``.
struct CardSourceParser {
    let lines: [CardSourceLine]
    /// Used to join repeated sections, so CRLF documents stay CRLF throughout.
    let lineBreak: String

    init(text: String) {
        var text = text
        if text.unicodeScalars.first == "\u{FEFF}" { text.unicodeScalars.removeFirst() }
        lines = CardSourceLine.lines(of: text)
        lineBreak = lines.first.map { $0.text.hasSuffix("\r") } == true ? "\r\n" : "\n"
    }

    /// Where the lines under the current heading go.
    private enum Target {
        case preamble
        case section(CardSourceSection)
        case skipped
    }

    func parse() -> CardSource {
        var source = CardSource()
        var preamble: [CardSourceLine] = []
        var sections: [(CardSourceSection, [CardSourceLine])] = []
        var target = Target.preamble
        var named = false

        for line in lines {
            switch line.heading {
            case let heading? where heading.level == 1:
                if named {
                    source.unmatchedSections.append(Self.label(level: 1, heading.title))
                    target = .skipped
                } else {
                    named = true
                    source.name = heading.title.isEmpty ? nil : heading.title
                    target = .preamble
                }
            case let heading? where heading.level == 2:
                if let section = CardSourceSection(heading: heading.title) {
                    sections.append((section, []))
                    target = .section(section)
                } else {
                    source.unmatchedSections.append(Self.label(level: 2, heading.title))
                    target = .skipped
                }
            default:
                switch target {
                case .preamble: preamble.append(line)
                case .section: sections[sections.count - 1].1.append(line)
                case .skipped: break
                }
            }
        }

        for (section, body) in sections {
            switch section {
            case .field(let field):
                guard let text = Self.text(of: body[...]) else { continue }
                source.fields[field] = source.fields[field].map { $0 + lineBreak + lineBreak + text } ?? text
            case .alternateGreetings:
                source.alternateGreetings += Self.greetings(in: body)
            case .tags:
                for tag in Self.tags(in: body)
                where !source.tags.contains(where: { $0.lowercased() == tag.lowercased() }) {
                    source.tags.append(tag)
                }
            case .lore:
                source.lore += Self.loreEntries(in: body)
            }
        }

        source.preamble = Self.text(of: preamble[...])
        if source.fields[.description] == nil, let preamble = source.preamble {
            source.fields[.description] = preamble
        }
        return source
    }

    /// How an unmatched heading is reported: with its marker, so `# Other` and `## Other` differ.
    static func label(level: Int, _ title: String) -> String {
        let marker = String(repeating: "#", count: level)
        return title.isEmpty ? marker : "\(marker) \(title)"
    }

    // MARK: - Text

    /// The lines verbatim, without the blank lines around them and without the final line's
    /// `"\r"` (that belongs to the line break after the field); `nil` when nothing is left.
    static func text(of lines: ArraySlice<CardSourceLine>) -> String? {
        guard let first = lines.firstIndex(where: { !$0.isBlank }),
              let last = lines.lastIndex(where: { !$0.isBlank }) else { return nil }
        var kept = lines[first...last].map(\.text)
        kept[kept.count - 1] = lines[last].bare
        return kept.joined(separator: "\n")
    }

    /// Cuts a section at its `###` subheadings: the lines before the first one (`lead`), then
    /// each subheading's title with the lines under it (`parts`, empty when there are none).
    static func subsections(of body: [CardSourceLine])
        -> (lead: ArraySlice<CardSourceLine>, parts: [(title: String, lines: ArraySlice<CardSourceLine>)]) {
        let starts = body.indices.filter { body[$0].heading?.level == 3 }
        let lead = body[..<(starts.first ?? body.endIndex)]
        let parts = starts.enumerated().map { offset, start in
            let end = offset + 1 < starts.count ? starts[offset + 1] : body.endIndex
            return (title: body[start].heading?.title ?? "", lines: body[(start + 1)..<end])
        }
        return (lead, parts)
    }

    // MARK: - Alternate greetings

    static func greetings(in body: [CardSourceLine]) -> [String] {
        let (lead, parts) = subsections(of: body)
        var blocks: [ArraySlice<CardSourceLine>] = []
        if parts.isEmpty {
            var start = body.startIndex
            for index in body.indices where body[index].bare == "---" && !body[index].inFence {
                blocks.append(body[start..<index])
                start = index + 1
            }
            blocks.append(body[start...])
        } else {
            blocks = [lead] + parts.map(\.lines)
        }
        return blocks.compactMap { text(of: $0) }
    }

    // MARK: - Tags

    static func tags(in body: [CardSourceLine]) -> [String] {
        var tags: [String] = []
        for line in body {
            let item = stripListMarker(CardSourceLine.trim(line.text))
            for piece in item.split(separator: ",") {
                let tag = String(CardSourceLine.trim(piece))
                if !tag.isEmpty, !tags.contains(where: { $0.lowercased() == tag.lowercased() }) {
                    tags.append(tag)
                }
            }
        }
        return tags
    }

    /// Drops a Markdown list marker (`-`, `*`, `+`, `1.`, `1)`) followed by whitespace, or a lone
    /// marker. "1.5" or "-x" are left alone: without the space they are not markers.
    static func stripListMarker(_ line: Substring) -> Substring {
        var rest = line
        if let first = rest.first, "-*+".contains(first) {
            rest = rest.dropFirst()
        } else {
            let digits = rest.prefix(while: \.isASCII).prefix(while: \.isNumber)
            let after = rest.dropFirst(digits.count)
            guard !digits.isEmpty, digits.count <= 9, let mark = after.first, mark == "." || mark == ")"
            else { return line }
            rest = after.dropFirst()
        }
        guard rest.isEmpty || rest.first?.isWhitespace == true else { return line }
        return CardSourceLine.trim(rest)
    }

    // MARK: - Lore

    static func loreEntries(in body: [CardSourceLine]) -> [CardSourceLoreEntry] {
        let (lead, parts) = subsections(of: body)
        let all = [(title: "", lines: lead)] + parts
        return all.compactMap { loreEntry(heading: $0.title, lines: $0.lines) }
    }

    static func loreEntry(heading: String, lines: ArraySlice<CardSourceLine>) -> CardSourceLoreEntry? {
        var entry = CardSourceLoreEntry(name: heading.isEmpty ? nil : heading)
        var lines = lines
        if let first = lines.firstIndex(where: { !$0.isBlank }), !lines[first].inFence,
           let keys = keysLine(lines[first].bare) {
            entry.keys = keys
            lines = lines[(first + 1)...]
        } else {
            entry.keys = splitKeys(heading)
            entry.name = entry.keys.first
        }
        entry.content = text(of: lines) ?? ""
        if entry.name == nil, entry.keys.isEmpty, entry.content.isEmpty { return nil }
        return entry
    }

    /// The keys of a `Keys: a, b` (or `Key: a`) line, or `nil` when the line is not one.
    static func keysLine(_ line: String) -> [String]? {
        let trimmed = CardSourceLine.trim(line)
        for prefix in ["keys:", "key:"] where trimmed.lowercased().hasPrefix(prefix) {
            return splitKeys(trimmed.dropFirst(prefix.count))
        }
        return nil
    }

    static func splitKeys<S: StringProtocol>(_ text: S) -> [String] {
        var keys: [String] = []
        for piece in text.split(separator: ",") {
            let key = String(CardSourceLine.trim(piece))
            if !key.isEmpty, !keys.contains(where: { $0.lowercased() == key.lowercased() }) {
                keys.append(key)
            }
        }
        return keys
    }
}
