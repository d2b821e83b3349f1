import Foundation

/// Size and count limits applied while reading a CHARX file (DESIGN §9).
///
/// CHARX files come from strangers on the internet; a few hundred bytes of deflate can claim to
/// be gigabytes. These limits are checked against the sizes the zip declares *and* against the
/// bytes actually produced while inflating, because declared sizes can lie.
public struct CharXLimits: Sendable, Equatable {
    /// Largest `card.json` accepted (card JSON ≤ 16 MiB in DESIGN §9).
    public var maxCardBytes: Int
    /// Largest single asset accepted.
    public var maxAssetBytes: Int
    /// Largest total of card plus assets, uncompressed.
    public var maxTotalBytes: Int
    /// Most entries (files, directories, junk) the archive may list.
    public var maxEntries: Int

    public init(maxCardBytes: Int = 16 << 20, maxAssetBytes: Int = 64 << 20,
                maxTotalBytes: Int = 256 << 20, maxEntries: Int = 1000) {
        self.maxCardBytes = maxCardBytes
        self.maxAssetBytes = maxAssetBytes
        self.maxTotalBytes = maxTotalBytes
        self.maxEntries = maxEntries
    }

    /// 16 MiB card, 64 MiB per asset, 256 MiB in total, 1000 entries.
    public static let standard = CharXLimits()
}
