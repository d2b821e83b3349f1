import Foundation

/// The parts of a CHARX file after reading: the card JSON bytes, untouched, and every asset.
///
/// The card JSON is kept as raw bytes so callers can hand it to the card decoder that keeps key
/// order and unknown keys; this type never re-encodes it.
public struct CharXArchive: Sendable {
    /// The bytes of the card entry, exactly as stored in the zip.
    public var cardJSON: Data
    /// Every other file in the archive, in archive order (macOS junk and directories left out).
    public var assets: [CharXAsset]
    /// Where the card was found: `card.json` normally, `MyChar/card.json` when a user zipped the
    /// folder instead of its contents.
    public var cardEntryPath: String

    public init(cardJSON: Data, assets: [CharXAsset], cardEntryPath: String = "card.json") {
        self.cardJSON = cardJSON
        self.assets = assets
        self.cardEntryPath = cardEntryPath
    }

    /// The asset an `embeded://` (or `embedded://`) URI from the card refers to, or nil.
    ///
    /// URIs are relative to the archive root in the V3 spec, but when the whole folder was zipped
    /// (`MyChar/card.json`) they are effectively relative to the card's folder, so that folder is
    /// tried second.
    public func asset(forURI uri: String) -> CharXAsset? {
        Self.asset(forURI: uri, in: assets, cardEntryPath: cardEntryPath)
    }

    /// ``asset(forURI:)`` over any list of files, for holders of a CHARX's files without the card.
    static func asset(forURI uri: String, in assets: [CharXAsset], cardEntryPath: String) -> CharXAsset? {
        guard let path = CharX.assetPath(fromURI: uri) else { return nil }
        if let exact = assets.first(where: { $0.path == path }) { return exact }
        guard let slash = cardEntryPath.lastIndex(of: "/") else { return nil }
        let prefixed = String(cardEntryPath[...slash]) + path
        return assets.first(where: { $0.path == prefixed })
    }
}
