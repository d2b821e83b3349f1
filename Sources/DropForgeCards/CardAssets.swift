import Foundation

/// The files a card's asset URIs can point at, as its container held them: a CHARX's files
/// (`embeded://assets/…`) and a PNG's RisuAI asset chunks (`__asset:N`, stored as tEXt
/// `chara-ext-asset_:N` holding base64). A bare JSON card holds none: its files, if any, are
/// inline `data:` URIs in the card itself.
public struct CardAssets: Sendable {
    /// A CHARX's files besides `card.json`, in archive order.
    public var files: [CharXAsset]
    /// Where `card.json` sat in the CHARX (`MyChar/card.json` when the folder was zipped).
    public var cardEntryPath: String
    /// A PNG's asset chunks by the key after `chara-ext-asset_:` (`"1"`, `"2"`…).
    public var chunks: [String: Data]
    /// Asset chunks that could not be decoded, by key, with why.
    public var brokenChunks: [String: String]

    public init(files: [CharXAsset] = [], cardEntryPath: String = CharX.cardEntryName,
                chunks: [String: Data] = [:], brokenChunks: [String: String] = [:]) {
        self.files = files
        self.cardEntryPath = cardEntryPath
        self.chunks = chunks
        self.brokenChunks = brokenChunks
    }

    /// How many files the container holds for the card.
    public var count: Int { files.count + chunks.count }

    /// The CHARX file an `embeded://` URI names, or nil.
    func file(forURI uri: String) -> CharXAsset? {
        CharXArchive.asset(forURI: uri, in: files, cardEntryPath: cardEntryPath)
    }
}
