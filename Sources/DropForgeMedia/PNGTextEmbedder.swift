import Foundation
import PNGShim

/// Adds text chunks to an encoded PNG without touching its pixels: the chunks are spliced in
/// just before `IEND`. The metadata stage uses it so an image is never re-encoded, and the
/// IDAT written by the generator stays byte-for-byte what it was.
public enum PNGTextEmbedder {
    /// Why text could not be spliced in; the pipeline files them as `png_invalid` and `png_text`.
    public enum Failure: Error, Equatable, Sendable {
        /// The PNG itself is broken (its frame or a CRC): the checked walk's message.
        case invalidPNG(String)
        /// A keyword or text PNG cannot carry.
        case invalidText(String)
    }

    static let signature: [UInt8] = PNGChunkReader.signature

    /// Inserts `chunks` (as `tEXt` when the text is Latin-1, else uncompressed `iTXt`) before IEND.
    /// The file is walked with `PNGChunkReader`, so a broken frame or CRC is refused too.
    public static func insert(_ chunks: [(keyword: String, text: String)], into png: Data) throws -> Data {
        let frames: [PNGChunkReader.Frame]
        do {
            frames = try PNGChunkReader.frames(in: png)
        } catch let error as PNGError {
            throw Failure.invalidPNG(error.message)
        }
        // The reader always ends with IEND (or throws).
        let iend = png.startIndex + frames[frames.count - 1].offset
        var output = Data()
        output.reserveCapacity(png.count + 1024)
        output.append(png[png.startIndex..<iend])
        for (keyword, text) in chunks {
            output.append(contentsOf: try chunk(keyword: keyword, text: text))
        }
        output.append(png[iend...])
        return output
    }

    static func chunk(keyword: String, text: String) throws -> [UInt8] {
        // The same keyword and text rules libpng applies when it writes (no NUL, printable keyword).
        do {
            try PNGTextChunk.automatic(keyword: keyword, text: text).validate()
        } catch {
            throw Failure.invalidText("cannot write PNG text '\(keyword)': \(error)")
        }
        guard let key = keyword.data(using: .isoLatin1), (1...79).contains(key.count) else {
            throw Failure.invalidText("PNG text keyword '\(keyword)' must be 1–79 Latin-1 characters")
        }
        var body = [UInt8](key)
        body.append(0)
        let type: String
        if let latin1 = text.data(using: .isoLatin1) {
            type = "tEXt"
            body.append(contentsOf: latin1)
        } else {
            // iTXt: keyword NUL, compression flag 0, method 0, empty language NUL, empty translation NUL, UTF-8.
            type = "iTXt"
            body.append(contentsOf: [0, 0, 0, 0])
            body.append(contentsOf: Array(text.utf8))
        }
        return frame(type: type, body: body)
    }

    /// A chunk with its length and CRC (the layout lives in `PNGChunkWriter.appendFrame`).
    static func frame(type: String, body: [UInt8]) -> [UInt8] {
        var out = Data()
        body.withUnsafeBytes { PNGChunkWriter.appendFrame(type: type, body: $0, to: &out) }
        return [UInt8](out)
    }
}

/// The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320), computed by zlib's `crc32`
/// (through the shim) because every chunk of every file read is checked.
public enum CRC32 {
    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        if let crc = bytes.withContiguousStorageIfAvailable({ checksum(UnsafeRawBufferPointer($0)) }) {
            return crc
        }
        return Array(bytes).withUnsafeBytes { checksum($0) }
    }

    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        update(0, bytes)
    }

    /// Continues a running CRC (start from 0), so type and data need not be contiguous.
    public static func update(_ crc: UInt32, _ bytes: UnsafeRawBufferPointer) -> UInt32 {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return crc }
        return dfz_crc32(crc, base.assumingMemoryBound(to: UInt8.self), bytes.count)
    }
}
