import Foundation

/// A card read from a file of any of the three containers: a PNG (text chunks), bare JSON, or
/// a CHARX zip. The container is told by the file's first bytes, never by its extension.
public struct CardFile: Sendable {
    public enum Container: String, Sendable, Codable { case png, json, charx }

    public var card: CharacterCard
    public var container: Container
    /// For PNGs: every `chara`/`ccv3` chunk found, in file order.
    public var chunks: [FoundCardChunk]
    /// For PNGs: which chunk the card came from (`ccv3` wins over `chara`).
    public var chosenChunk: String?
    /// The files the card's asset URIs can point at: a CHARX's files besides `card.json`, a
    /// PNG's `chara-ext-asset_` chunks.
    public var assets: CardAssets
    /// The file's bytes (the PNG a card is embedded back into).
    public var bytes: Data

    /// Why SillyTavern and RisuAI will not see this PNG's card, or nil: they read only tEXt
    /// `chara`/`ccv3` chunks, and this card was found only in zTXt or iTXt ones.
    public var unseenByApps: String? {
        guard container == .png, !chunks.isEmpty else { return nil }
        let seen = chunks.contains { $0.chunkType == .tEXt && ["chara", "ccv3"].contains($0.keyword.lowercased()) }
        guard !seen else { return nil }
        let kinds = Set(chunks.map(\.chunkType.rawValue)).sorted().joined(separator: " and ")
        return "the card is only in \(kinds) chunks; SillyTavern and RisuAI read tEXt only and will not see it "
            + "(`dropforge card embed` writes it as tEXt)"
    }

    static let pngSignature = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    static let zipSignature = Data([0x50, 0x4B, 0x03, 0x04])

    /// Reads `data`, enforcing `limits` (card JSON size, PNG chunk sizes, zip sizes) before
    /// allocating for any part.
    public static func read(_ data: Data, limits: CardLimits = CardLimits()) throws -> CardFile {
        if data.starts(with: pngSignature) {
            let payload = try CardPNG.readCardText(from: data, limits: limits.png)
            let card = try CharacterCard.parse(payload.json, maxBytes: limits.cardJSONBytes)
            return CardFile(card: card, container: .png, chunks: payload.found, chosenChunk: payload.keyword,
                            assets: try CardPNG.readAssets(from: data, limits: limits.png), bytes: data)
        }
        if data.starts(with: zipSignature) {
            var zipLimits = CharXLimits.standard
            zipLimits.maxCardBytes = limits.cardJSONBytes
            let archive = try CharX.read(data, limits: zipLimits)
            let card = try CharacterCard.parse(archive.cardJSON, maxBytes: limits.cardJSONBytes)
            return CardFile(card: card, container: .charx, chunks: [], chosenChunk: nil,
                            assets: CardAssets(files: archive.assets, cardEntryPath: archive.cardEntryPath), bytes: data)
        }
        let card = try CharacterCard.parse(data, maxBytes: limits.cardJSONBytes)
        return CardFile(card: card, container: .json, chunks: [], chosenChunk: nil, assets: CardAssets(), bytes: data)
    }

    /// Reads the file at `url`, refusing files too large to hold a card before reading them.
    public static func read(contentsOf url: URL, limits: CardLimits = CardLimits()) throws -> CardFile {
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        let cap = max(limits.png.maxDecodedBytes, limits.cardJSONBytes * 2)
        guard size <= cap else {
            throw CardError("\(url.lastPathComponent) is \(size) bytes, over the \(cap)-byte limit for a card file")
        }
        return try read(Data(contentsOf: url), limits: limits)
    }
}
