import Foundation

/// One file stored next to `card.json` inside a CHARX archive (an icon, an emotion sprite, a
/// background, a sound…).
///
/// The path is the zip entry path exactly as it sits in the archive (for example
/// `assets/icon/image/main.png`), because that is what the card's `data.assets[].uri` points at
/// through `embeded://` URIs — see ``CharX/assetURI(forPath:)``.
public struct CharXAsset: Sendable, Equatable {
    /// The zip entry path, e.g. `assets/icon/image/main.png`.
    public var path: String
    /// The file's bytes, uncompressed.
    public var data: Data

    public init(path: String, data: Data) {
        self.path = path
        self.data = data
    }
}
