import DropForgeCards
import Foundation

extension Limits {
    /// The configured limits as the card reader takes them.
    public var cardLimits: CardLimits { CardLimits(png: pngLimits, cardJSONBytes: cardJSONBytes) }
}

extension CardFile {
    /// Reads a card under the configured `limits`.
    public static func read(_ data: Data, limits: Limits) throws -> CardFile {
        try read(data, limits: limits.cardLimits)
    }

    /// Reads the card file at `url` under the configured `limits`.
    public static func read(contentsOf url: URL, limits: Limits) throws -> CardFile {
        try read(contentsOf: url, limits: limits.cardLimits)
    }
}
