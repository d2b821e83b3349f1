/// One PNG text chunk: a keyword and its text, plus which chunk type carries it.
///
/// PNG has three text chunk types: `tEXt` (Latin-1, stored as is), `zTXt`
/// (Latin-1, deflated) and `iTXt` (UTF-8, optionally deflated). `text` is always
/// a Swift `String`; the codec converts to Latin-1 or UTF-8 bytes by `kind`.
public struct PNGTextChunk: Sendable, Equatable, Codable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case tEXt, zTXt, iTXt
    }

    public var keyword: String
    public var text: String
    public var kind: Kind

    public init(keyword: String, text: String, kind: Kind) {
        self.keyword = keyword
        self.text = text
        self.kind = kind
    }

    /// Texts longer than this many Latin-1 bytes go in zTXt rather than tEXt.
    public static let compressionThreshold = 1024

    /// Picks the chunk type the way DESIGN §6 asks: Latin-1 text goes in tEXt
    /// (or zTXt when over 1024 bytes), anything else in iTXt, which is UTF-8.
    public static func automatic(keyword: String, text: String) -> PNGTextChunk {
        let kind: Kind
        if isLatin1(text) {
            kind = text.unicodeScalars.count > compressionThreshold ? .zTXt : .tEXt
        } else {
            kind = .iTXt
        }
        return PNGTextChunk(keyword: keyword, text: text, kind: kind)
    }

    /// True when every character has a Latin-1 (ISO 8859-1) code point.
    public static func isLatin1(_ string: String) -> Bool {
        string.unicodeScalars.allSatisfy { $0.value <= 0xFF }
    }

    /// Checks the PNG keyword rules: 1–79 Latin-1 characters, printable
    /// (32–126, 161–255), no leading, trailing or consecutive spaces.
    public static func validateKeyword(_ keyword: String) throws {
        let scalars = Array(keyword.unicodeScalars)
        guard !scalars.isEmpty, scalars.count <= 79 else {
            throw PNGError("PNG text keyword must be 1–79 characters, got \(scalars.count): \"\(keyword.prefix(100))\"")
        }
        for scalar in scalars {
            let v = scalar.value
            guard (32...126).contains(v) || (161...255).contains(v) else {
                throw PNGError("PNG text keyword \"\(keyword)\" contains a character that is not printable Latin-1 (U+\(String(v, radix: 16, uppercase: true)))")
            }
        }
        if scalars.first == " " || scalars.last == " " {
            throw PNGError("PNG text keyword \"\(keyword)\" must not start or end with a space")
        }
        if keyword.contains("  ") {
            throw PNGError("PNG text keyword \"\(keyword)\" must not contain consecutive spaces")
        }
    }

    /// Throws when this chunk cannot be written as requested.
    public func validate() throws {
        try PNGTextChunk.validateKeyword(keyword)
        if text.unicodeScalars.contains("\u{0}") {
            throw PNGError("PNG text for keyword \"\(keyword)\" contains a NUL character")
        }
        if kind != .iTXt && !PNGTextChunk.isLatin1(text) {
            throw PNGError("PNG text for keyword \"\(keyword)\" is not Latin-1, so it cannot go in \(kind.rawValue); use iTXt")
        }
    }
}
