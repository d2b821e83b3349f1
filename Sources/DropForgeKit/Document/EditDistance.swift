import Foundation

/// Edit distance for "did you mean …?" hints on typos in keys and words.
enum EditDistance {
    /// Optimal-string-alignment distance: insertions, deletions, substitutions and swaps of two
    /// neighbouring letters (the commonest typo, `cuont`) each cost 1. Case is ignored.
    static func distance(_ a: String, _ b: String) -> Int {
        let a = Array(a.lowercased()), b = Array(b.lowercased())
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var d = [[Int]](repeating: [Int](repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }

    /// The closest candidate when it is close enough to be a plausible typo (a third of the
    /// word's length, at least 1, at most 3 edits); nil otherwise.
    static func suggestion(for word: String, among candidates: [String]) -> String? {
        guard word.count <= 200 else { return nil }
        let limit = min(3, max(1, word.count / 3))
        let scored = candidates.map { ($0, distance(word, $0)) }.filter { $0.1 <= limit }
        return scored.min(by: { $0.1 < $1.1 })?.0
    }
}
