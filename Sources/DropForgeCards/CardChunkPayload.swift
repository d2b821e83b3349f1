import Foundation
import DropForgeMedia

/// What `CardPNG.readCardText` found: the winning card's JSON bytes and where it came from,
/// plus every card chunk in the file so `card inspect` can show shadowed or broken ones.
public struct CardChunkPayload: Sendable, Equatable {
    /// The card JSON as UTF-8 bytes (base64 already decoded), not yet parsed.
    public var json: Data
    /// The keyword as found in the file, e.g. "chara", "CHARA" or "ccv3".
    public var keyword: String
    public var chunkType: PNGTextChunk.Kind
    /// Every `chara`/`ccv3` text chunk, in file order (the winner included).
    public var found: [FoundCardChunk]

    public init(json: Data, keyword: String, chunkType: PNGTextChunk.Kind, found: [FoundCardChunk]) {
        self.json = json
        self.keyword = keyword
        self.chunkType = chunkType
        self.found = found
    }
}

/// One `chara` or `ccv3` text chunk seen in a PNG.
public struct FoundCardChunk: Sendable, Equatable {
    /// As found in the file (case kept).
    public var keyword: String
    public var chunkType: PNGTextChunk.Kind
    /// Byte offset of the chunk's frame (its length field) in the file.
    public var offset: Int
    /// Bytes of JSON the chunk decodes to; nil when it could not be decoded.
    public var decodedByteCount: Int?
    /// Why it could not be decoded (only a losing chunk can have one without failing the read).
    public var problem: String?

    public init(keyword: String, chunkType: PNGTextChunk.Kind, offset: Int, decodedByteCount: Int?, problem: String? = nil) {
        self.keyword = keyword
        self.chunkType = chunkType
        self.offset = offset
        self.decodedByteCount = decodedByteCount
        self.problem = problem
    }

    /// "chara" or "ccv3": the keyword lowercased.
    public var name: String { keyword.lowercased() }
}
