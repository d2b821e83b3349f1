import PNGShim

/// How a PNG is compressed: zlib's level and the row filters libpng may choose from.
///
/// Two presets, because the images dropforge draws itself are written far more often than
/// they are kept: `.fast` (level 1, the Sub filter) is about 8× faster than `.standard`
/// (level 6, every filter tried on every row — libpng's defaults) for procedural images
/// about 9 % larger. Measured in docs/performance.md. Images from a real provider are never
/// re-encoded, so their bytes stay whatever the provider sent.
public struct PNGEncoding: Sendable, Equatable {
    public enum Filters: Sendable, Equatable {
        /// libpng tries all five filters on each row and keeps the best (slow, smallest at high levels).
        case adaptive
        /// Every row uses Sub: cheap, and on drawn gradients as good as adaptive at level 1.
        case sub
    }

    /// zlib's level, 0–9.
    public var compressionLevel: Int
    public var filters: Filters

    public init(compressionLevel: Int, filters: Filters) {
        self.compressionLevel = max(0, min(9, compressionLevel))
        self.filters = filters
    }

    /// libpng's defaults.
    public static let standard = PNGEncoding(compressionLevel: 6, filters: .adaptive)
    /// For images dropforge draws: procedural renders and contact sheets.
    public static let fast = PNGEncoding(compressionLevel: 1, filters: .sub)

    /// The filters as libpng's `PNG_FILTER_*` mask.
    public var libpngFilterMask: Int32 {
        switch filters {
        case .adaptive: return Int32(DFPNG_FILTERS_ALL)
        case .sub: return Int32(DFPNG_FILTER_SUB)
        }
    }
}
