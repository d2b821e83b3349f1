import Foundation

/// Serialises chunks back into a PNG file: the signature, then each chunk framed as
/// length, type, data and CRC.
///
/// Why: editing a card rewrites only its text chunks; every other chunk goes back out
/// with the same bytes, so the pixels are never re-encoded.
public enum PNGChunkWriter {
    /// The whole file. Throws when a type is not four ASCII letters or a chunk is over 2^31-1 bytes.
    public static func write(_ chunks: [PNGChunk]) throws -> Data {
        var out = Data()
        out.reserveCapacity(8 + chunks.reduce(0) { $0 + $1.data.count + 12 })
        out.append(contentsOf: PNGChunkReader.signature)
        for chunk in chunks {
            try append(chunk, to: &out)
        }
        return out
    }

    /// Appends one framed chunk.
    public static func append(_ chunk: PNGChunk, to out: inout Data) throws {
        let type = Array(chunk.type.utf8)
        guard type.count == 4, type.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
            throw PNGError("cannot write a PNG chunk of type \"\(chunk.type)\": a type is four ASCII letters")
        }
        guard chunk.data.count <= 0x7FFF_FFFF else {
            throw PNGError("cannot write the \(chunk.type) chunk: \(chunk.data.count) bytes is over the PNG limit of 2^31-1")
        }
        chunk.data.withUnsafeBytes { appendFrame(type: chunk.type, body: $0, to: &out) }
    }

    /// Length (big-endian), type, body, then the CRC of type and body. The caller has checked
    /// the type and the length; `PNGTextEmbedder.frame` uses this too.
    static func appendFrame(type: String, body: UnsafeRawBufferPointer, to out: inout Data) {
        let typeBytes = Array(type.utf8)
        out.append(contentsOf: bigEndian(UInt32(body.count)))
        out.append(contentsOf: typeBytes)
        if !body.isEmpty {
            out.append(body.bindMemory(to: UInt8.self))
        }
        var crc = typeBytes.withUnsafeBytes { CRC32.update(0, $0) }
        crc = CRC32.update(crc, body)
        out.append(contentsOf: bigEndian(crc))
    }

    private static func bigEndian(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }
}
