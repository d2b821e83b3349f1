import Foundation

/// Rules for zip entry names in CHARX files: which are unsafe, which are junk, which is the card.
enum CharXEntryPath {
    /// Rejects names that could escape an extraction folder: empty, NUL, absolute (`/x`, `\x`),
    /// drive-letter (`C:x`) or with a `..` component. Backslashes count as separators because
    /// Windows tools write them and Windows extractors honour them.
    static func validate(_ path: String) throws {
        if path.isEmpty || path.contains("\0") { throw CharXError.unsafePath(path) }
        if path.hasPrefix("/") || path.hasPrefix("\\") { throw CharXError.unsafePath(path) }
        let components = path.split(omittingEmptySubsequences: false) { $0 == "/" || $0 == "\\" }
        if components.contains(where: { $0 == ".." }) { throw CharXError.unsafePath(path) }
        if let first = components.first, first.count >= 2, first.dropFirst().first == ":",
           first.first?.isLetter == true {
            throw CharXError.unsafePath(path)
        }
    }

    /// macOS Finder junk: the `__MACOSX/` resource-fork folder and AppleDouble `._name` files.
    static func isJunk(_ path: String) -> Bool {
        if path.hasPrefix("__MACOSX/") { return true }
        let name = path.split(separator: "/").last.map(String.init) ?? path
        return name.hasPrefix("._")
    }

    /// True for `card.json` at the root or `<folder>/card.json` (case-sensitive, whole name).
    static func isCardName(_ path: String) -> Bool {
        path == CharX.cardEntryName || path.hasSuffix("/" + CharX.cardEntryName)
    }
}
