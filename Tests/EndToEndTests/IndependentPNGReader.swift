import Foundation

/// A PNG chunk reader written from the PNG specification (ISO/IEC 15948, W3C PNG 3rd ed. §5,
/// §11.3.4) for the end-to-end tests, deliberately sharing no code with dropforge's own parser
/// (no DropForgeKit types): what dropforge writes is checked by a second, independent reading.
///
/// It checks the 8-byte signature, walks the chunks (4-byte big-endian length, 4-byte type,
/// data, 4-byte CRC-32 over type and data), verifies every CRC with its own table, requires
/// IHDR first and IEND last with nothing after it, and decodes `tEXt` (keyword, NUL, Latin-1
/// text). `zTXt` and `iTXt` are listed as chunks with their keyword only: dropforge writes its
/// cards as `tEXt`, and inflating is not needed to check that.
enum IndependentPNGReader {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    struct Chunk: Equatable {
        /// The four ASCII letters, e.g. `IHDR`.
        var type: String
        var data: Data
        /// Byte offset of the chunk's length field in the file.
        var offset: Int
    }

    /// A `tEXt` chunk: keyword and its Latin-1 text.
    struct TextEntry: Equatable {
        var keyword: String
        var text: String
        /// Index of its chunk in `read(_:)`'s list.
        var chunkIndex: Int
    }

    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// The CRC-32 of ISO 3309 / ITU-T V.42 (reflected polynomial 0xEDB88320), as PNG uses it.
    static let crcTable: [UInt32] = (0..<256).map { n in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32<S: Sequence>(_ bytes: S) -> UInt32 where S.Element == UInt8 {
        var c: UInt32 = 0xFFFF_FFFF
        for byte in bytes { c = crcTable[Int((c ^ UInt32(byte)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    private static func bigEndian(_ bytes: [UInt8], _ at: Int) -> UInt32 {
        UInt32(bytes[at]) << 24 | UInt32(bytes[at + 1]) << 16 | UInt32(bytes[at + 2]) << 8 | UInt32(bytes[at + 3])
    }

    /// Every chunk in file order, after checking signature, lengths, CRCs, IHDR first, IEND last.
    static func read(_ data: Data) throws -> [Chunk] {
        let bytes = [UInt8](data)
        guard bytes.count >= 8, Array(bytes[0..<8]) == signature else { throw Failure("not a PNG: bad signature") }
        var chunks: [Chunk] = []
        var offset = 8
        while offset < bytes.count {
            guard offset + 12 <= bytes.count else { throw Failure("truncated chunk header at \(offset)") }
            let length = Int(bigEndian(bytes, offset))
            guard length <= 0x7FFF_FFFF else { throw Failure("chunk length over 2^31-1 at \(offset)") }
            let typeBytes = Array(bytes[(offset + 4)..<(offset + 8)])
            guard typeBytes.allSatisfy({ (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) }) else {
                throw Failure("chunk type is not four ASCII letters at \(offset)")
            }
            let type = String(decoding: typeBytes, as: UTF8.self)
            let end = offset + 8 + length
            guard end + 4 <= bytes.count else { throw Failure("\(type) at \(offset) runs past the end of the file") }
            let stored = bigEndian(bytes, end)
            let computed = crc32(bytes[(offset + 4)..<end])
            guard stored == computed else {
                throw Failure("CRC mismatch in \(type) at \(offset): stored \(String(stored, radix: 16)), computed \(String(computed, radix: 16))")
            }
            chunks.append(Chunk(type: type, data: Data(bytes[(offset + 8)..<end]), offset: offset))
            offset = end + 4
            if type == "IEND" { break }
        }
        guard chunks.first?.type == "IHDR", chunks.first?.data.count == 13 else { throw Failure("IHDR is not the first chunk") }
        guard chunks.last?.type == "IEND", chunks.last?.data.isEmpty == true else { throw Failure("no IEND chunk at the end") }
        guard offset == bytes.count else { throw Failure("\(bytes.count - offset) bytes after IEND") }
        guard chunks.contains(where: { $0.type == "IDAT" }) else { throw Failure("no IDAT chunk") }
        return chunks
    }

    /// Width and height from IHDR.
    static func size(_ chunks: [Chunk]) -> (width: Int, height: Int) {
        let ihdr = [UInt8](chunks[0].data)
        return (Int(bigEndian(ihdr, 0)), Int(bigEndian(ihdr, 4)))
    }

    /// The `tEXt` entries, checked: a 1–79 byte Latin-1 keyword, one NUL, then Latin-1 text
    /// without further NULs.
    static func textEntries(_ chunks: [Chunk]) throws -> [TextEntry] {
        var entries: [TextEntry] = []
        for (index, chunk) in chunks.enumerated() where chunk.type == "tEXt" {
            let bytes = [UInt8](chunk.data)
            guard let nul = bytes.firstIndex(of: 0) else { throw Failure("tEXt without a NUL separator") }
            guard (1...79).contains(nul) else { throw Failure("tEXt keyword of \(nul) bytes") }
            let keywordBytes = bytes[0..<nul]
            guard keywordBytes.allSatisfy({ (0x20...0x7E).contains($0) || (0xA1...0xFF).contains($0) }) else {
                throw Failure("tEXt keyword has a character outside Latin-1 printable")
            }
            let textBytes = bytes[(nul + 1)...]
            guard !textBytes.contains(0) else { throw Failure("tEXt text contains a NUL") }
            // Latin-1: each byte is the code point of the same value.
            let latin1 = { (slice: ArraySlice<UInt8>) in String(String.UnicodeScalarView(slice.map { Unicode.Scalar($0) })) }
            entries.append(TextEntry(keyword: latin1(keywordBytes), text: latin1(textBytes), chunkIndex: index))
        }
        return entries
    }

    /// The keyword of each `zTXt`/`iTXt` chunk (listed, not inflated), with its chunk type.
    static func otherTextKeywords(_ chunks: [Chunk]) -> [(type: String, keyword: String)] {
        chunks.filter { $0.type == "zTXt" || $0.type == "iTXt" }.map { chunk in
            let bytes = [UInt8](chunk.data)
            let nul = bytes.firstIndex(of: 0) ?? bytes.count
            return (chunk.type, String(decoding: bytes[0..<nul], as: UTF8.self))
        }
    }

    /// The JSON object a card text chunk carries: standard base64 (Foundation) of UTF-8 JSON.
    static func cardJSON(_ text: String) throws -> [String: Any] {
        guard let decoded = Data(base64Encoded: text) else { throw Failure("card chunk is not strict base64") }
        guard let object = try JSONSerialization.jsonObject(with: decoded) as? [String: Any] else {
            throw Failure("card chunk is not a JSON object")
        }
        return object
    }
}
