import Foundation

/// One chunk of a PNG file as stored: its four-letter type, its data (without length or
/// CRC), and where its frame starts in the file.
///
/// Why a plain value: card reading and writing work on chunks as opaque bytes, so a
/// chunk that is not ours (IDAT, pHYs, iCCP…) passes through untouched.
public struct PNGChunk: Sendable, Equatable {
    /// Four ASCII letters, e.g. "IHDR", "tEXt".
    public var type: String
    /// The chunk data, indexed from 0.
    public var data: Data
    /// Byte offset of the chunk's length field in the file (0 for chunks not from a file).
    public var offset: Int

    public init(type: String, data: Data, offset: Int = 0) {
        self.type = type
        self.data = data
        self.offset = offset
    }

    /// True for tEXt, zTXt and iTXt.
    public var isText: Bool { PNGTextChunk.Kind(rawValue: type) != nil }
}
