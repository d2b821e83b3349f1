/// Decides which names in `inbox/` are manifests worth looking at (DESIGN §2).
///
/// Writers that are not atomic leave partial files behind under names like `x.yaml.tmp`,
/// `x.json.part` or `.x.yaml.swp`; editors leave `x.yaml~`. Those must never be claimed, or a
/// half-written manifest would be parsed and fail. The rule is therefore a whitelist: only
/// `*.json`, `*.yaml` and `*.yml` (any case), never a dotfile, never anything that looks
/// like a temporary or backup name.
public enum ManifestFileFilter {
    /// The manifest extensions, lower-case and without the dot.
    public static let extensions = ["json", "yaml", "yml"]

    /// Suffixes of in-progress or backup copies, rejected even though the whitelist
    /// would already reject them, so the intent is written down.
    static let temporaryExtensions: Set<String> = ["tmp", "part", "partial"]

    /// True when `fileName` (a bare name, not a path) is a manifest candidate.
    public static func isCandidate(_ fileName: String) -> Bool {
        guard !fileName.isEmpty,
              !fileName.hasPrefix("."),          // dotfiles, ".", "..", Maildir-style ".tmp/"
              !fileName.hasSuffix("~"),          // editor backups
              !fileName.contains("/"),           // a path, not a name
              !fileName.unicodeScalars.contains("\u{0}")
        else { return false }
        guard let dot = fileName.lastIndex(of: ".") else { return false }
        let stem = fileName[..<dot]
        let ext = fileName[fileName.index(after: dot)...].lowercased()
        guard !stem.isEmpty else { return false }
        if temporaryExtensions.contains(ext) { return false }
        return extensions.contains(ext)
    }
}
