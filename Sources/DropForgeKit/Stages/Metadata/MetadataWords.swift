/// Word lists and tokenising shared by the offline metadata writer. Kept apart from the writer
/// so the lists can grow without touching the logic.
enum MetadataWords {
    /// English function words: never a title word or a tag on their own.
    static let stopWords: Set<String> = [
        "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "from", "by",
        "with", "without", "into", "onto", "over", "under", "about", "above", "below", "between", "through",
        "as", "is", "are", "was", "were", "be", "been", "being", "it", "its", "this", "that", "these", "those",
        "his", "her", "their", "our", "your", "my", "he", "she", "they", "we", "you", "i", "me", "him", "them",
        "very", "so", "too", "some", "any", "each", "every", "all", "no", "not", "near", "while", "there",
        "has", "have", "had", "do", "does", "did", "can", "will", "just", "than", "then", "up", "down", "out",
        "off", "against", "during", "before", "after", "behind", "beside", "among", "around", "upon", "via",
    ]

    /// Prompt-engineering fillers that say nothing about the picture's subject.
    static let styleFillers: Set<String> = [
        "masterpiece", "best", "quality", "high", "highly", "detailed", "detail", "details", "ultra", "hyper",
        "hd", "uhd", "hdr", "4k", "8k", "16k", "trending", "artstation", "deviantart", "pixiv", "octane",
        "render", "rendered", "rendering", "unreal", "engine", "sharp", "focus", "intricate", "award",
        "winning", "award-winning", "professional", "stunning", "amazing", "beautiful", "gorgeous", "epic",
        "resolution", "hi-res", "highres", "absurdres", "realistic", "photorealistic", "hyperrealistic",
        "style", "styled", "image", "picture", "photo", "cinematic", "dramatic", "lighting", "vibrant",
        "sharp-focus", "ultra-detailed", "hyper-detailed", "high-quality", "best-quality",
    ]

    /// A word is meaningful when it is not a stop word, not a filler and not just a number.
    static func isMeaningful(_ word: String) -> Bool {
        let lower = word.lowercased()
        guard lower.count > 1 else { return false }
        if stopWords.contains(lower) || styleFillers.contains(lower) { return false }
        return !lower.allSatisfy { $0.isNumber || $0 == "-" || $0 == "." }
    }

    /// Words of a text: letters and digits, keeping inner hyphens and apostrophes (`hand-drawn`, `cat's`).
    static func words(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        func flush() {
            while let last = current.last, last == "-" || last == "'" || last == "’" { current.removeLast() }
            if !current.isEmpty { result.append(current) }
            current = ""
        }
        for ch in text {
            if ch.isLetter || ch.isNumber {
                current.append(ch)
            } else if (ch == "-" || ch == "'" || ch == "’") && !current.isEmpty {
                current.append(ch)
            } else {
                flush()
            }
        }
        flush()
        return result
    }

    /// Comma/semicolon/period-separated clauses of a prompt, trimmed, non-empty.
    static func clauses(_ text: String) -> [String] {
        text.split(whereSeparator: { ",;.|\n".contains($0) })
            .map { $0.split(whereSeparator: { $0.isWhitespace }).joined(separator: " ") }
            .filter { !$0.isEmpty }
    }

    /// `hand-drawn cat` → `Hand-Drawn Cat`.
    static func titleCased(_ word: String) -> String {
        word.split(separator: "-", omittingEmptySubsequences: false)
            .map { part in part.prefix(1).uppercased() + part.dropFirst().lowercased() }
            .joined(separator: "-")
    }
}
