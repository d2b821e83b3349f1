/// One line of a source document, classified once so later passes agree on what is a heading.
///
/// `text` keeps its trailing `"\r"` (for CRLF input) so section text can be reassembled verbatim;
/// `bare` is the same line without it, used for every structural test (headings, fences, `---`,
/// `Keys:`). Lines inside fenced code blocks never get a `heading` and are marked `inFence`.
struct CardSourceLine: Sendable, Equatable {
    var text: String
    var heading: Heading?
    /// Inside a fenced code block, fence lines included: never structure, always text.
    var inFence = false

    struct Heading: Sendable, Equatable {
        /// 1 for `#`, 2 for `##`, … up to 6.
        var level: Int
        /// The heading text, trimmed, without the optional closing `#` sequence.
        var title: String
    }

    var bare: String { text.hasSuffix("\r") ? String(text.dropLast()) : text }

    var isBlank: Bool { text.allSatisfy(\.isWhitespace) }

    /// Splits on `"\n"` at the Unicode-scalar level (a Swift `Character` treats `"\r\n"` as one
    /// grapheme, so splitting on `Character("\n")` would miss CRLF line breaks), and classifies
    /// each line, tracking fenced code blocks across the whole document.
    static func lines(of text: String) -> [CardSourceLine] {
        var fence: Fence?
        var result: [CardSourceLine] = []
        for scalars in text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false) {
            var line = CardSourceLine(text: String(String.UnicodeScalarView(scalars)))
            let bare = line.bare
            if let open = fence {
                line.inFence = true
                if open.isClosed(by: bare) { fence = nil }
            } else if let opened = Fence(opening: bare) {
                line.inFence = true
                fence = opened
            } else {
                line.heading = atxHeading(bare)
            }
            result.append(line)
        }
        return result
    }

    /// A CommonMark ATX heading: up to three spaces of indent, 1–6 `#`, then a space, a tab or the
    /// end of the line. `#tag` and `text # text` are not headings. An optional closing run of `#`
    /// (preceded by whitespace) is dropped.
    static func atxHeading(_ line: String) -> Heading? {
        var rest = Substring(line)
        var indent = 0
        while rest.first == " ", indent < 4 { rest.removeFirst(); indent += 1 }
        guard indent <= 3 else { return nil }
        let level = rest.prefix(while: { $0 == "#" }).count
        guard (1...6).contains(level) else { return nil }
        rest = rest.dropFirst(level)
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" else { return nil }
        var title = trim(rest)
        let closing = title.reversed().prefix(while: { $0 == "#" }).count
        if closing > 0 {
            let before = title.dropLast(closing)
            if before.isEmpty || before.last == " " || before.last == "\t" {
                title = trim(before)
            }
        }
        return Heading(level: level, title: String(title))
    }

    /// Drops leading and trailing whitespace (kept here, not as a `Substring` extension, so it
    /// cannot collide with helpers elsewhere in the module).
    static func trim<S: StringProtocol>(_ text: S) -> Substring {
        let start = text.firstIndex(where: { !$0.isWhitespace }) ?? text.endIndex
        let end = text.lastIndex(where: { !$0.isWhitespace }).map { text.index(after: $0) } ?? start
        return Substring(text[start..<max(start, end)])
    }

    /// An open fenced code block: three or more backticks or tildes, indented at most three spaces.
    struct Fence: Sendable, Equatable {
        var marker: Character
        var length: Int

        init?(opening line: String) {
            let rest = line.drop(while: { $0 == " " })
            guard line.count - rest.count <= 3, let first = rest.first, first == "`" || first == "~"
            else { return nil }
            let length = rest.prefix(while: { $0 == first }).count
            guard length >= 3 else { return nil }
            // A backtick fence's info string may not contain backticks (that is inline code).
            if first == "`", rest.dropFirst(length).contains("`") { return nil }
            self.marker = first
            self.length = length
        }

        func isClosed(by line: String) -> Bool {
            let rest = line.drop(while: { $0 == " " })
            guard line.count - rest.count <= 3 else { return false }
            let run = rest.prefix(while: { $0 == marker }).count
            return run >= length && rest.dropFirst(run).allSatisfy(\.isWhitespace)
        }
    }
}
