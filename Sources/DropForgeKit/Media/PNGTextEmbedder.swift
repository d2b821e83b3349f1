import Foundation

/// Adds text chunks to an encoded PNG without touching its pixels: the chunks are spliced in
/// just before `IEND`. The metadata stage uses it so an image is never re-encoded, and the
/// IDAT written by the generator stays byte-for-byte what it was.
public enum PNGTextEmbedder {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    /// Inserts `chunks` (as `tEXt` when the text is Latin-1, else uncompressed `iTXt`) before IEND.
    public static func insert(_ chunks: [(keyword: String, text: String)], into png: Data) throws -> Data {
        let bytes = [UInt8](png)
        guard bytes.count >= 20, Array(bytes[0..<8]) == signature else {
            throw StepError.permanent("png_invalid", "not a PNG file")
        }
        // Walk the chunks to find IEND; each is length(4) type(4) data crc(4).
        var offset = 8
        var iend: Int?
        while offset + 12 <= bytes.count {
            let length = Int(UInt32(bytes[offset]) << 24 | UInt32(bytes[offset + 1]) << 16
                             | UInt32(bytes[offset + 2]) << 8 | UInt32(bytes[offset + 3]))
            if bytes[offset + 4..<offset + 8].elementsEqual("IEND".utf8) {
                iend = offset
                break
            }
            offset += 12 + length
        }
        guard let iend else { throw StepError.permanent("png_invalid", "PNG has no IEND chunk") }
        var output = [UInt8]()
        output.reserveCapacity(bytes.count + 1024)
        output.append(contentsOf: bytes[0..<iend])
        for (keyword, text) in chunks {
            output.append(contentsOf: try chunk(keyword: keyword, text: text))
        }
        output.append(contentsOf: bytes[iend...])
        return Data(output)
    }

    static func chunk(keyword: String, text: String) throws -> [UInt8] {
        // The same keyword and text rules libpng applies when it writes (no NUL, printable keyword).
        do {
            try PNGTextChunk.automatic(keyword: keyword, text: text).validate()
        } catch {
            throw StepError.permanent("png_text", "cannot write PNG text '\(keyword)': \(error)")
        }
        guard let key = keyword.data(using: .isoLatin1), (1...79).contains(key.count) else {
            throw StepError.permanent("png_text", "PNG text keyword '\(keyword)' must be 1–79 Latin-1 characters")
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

    /// A chunk with its length and CRC.
    static func frame(type: String, body: [UInt8]) -> [UInt8] {
        var out = [UInt8]()
        let length = UInt32(body.count)
        out.append(contentsOf: [UInt8(length >> 24), UInt8((length >> 16) & 0xFF), UInt8((length >> 8) & 0xFF), UInt8(length & 0xFF)])
        let typed = Array(type.utf8) + body
        out.append(contentsOf: typed)
        let crc = CRC32.checksum(typed)
        out.append(contentsOf: [UInt8(crc >> 24), UInt8((crc >> 16) & 0xFF), UInt8((crc >> 8) & 0xFF), UInt8(crc & 0xFF)])
        return out
    }
}

/// The CRC-32 of PNG chunks (ISO 3309, polynomial 0xEDB88320).
public enum CRC32 {
    static let table: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    public static func checksum<C: Collection>(_ bytes: C) -> UInt32 where C.Element == UInt8 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes { crc = table[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        return crc ^ 0xFFFF_FFFF
    }
}
