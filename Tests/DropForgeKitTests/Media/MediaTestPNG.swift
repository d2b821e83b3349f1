import Foundation

/// Hand-built PNG bytes for tests: lets tests craft files libpng would never
/// write (hostile sizes, other colour types, chunks after IDAT) with correct CRCs.
enum MediaTestPNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    private static let crcTable: [UInt32] = (0..<256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0..<8 { c = (c & 1) != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var c: UInt32 = 0xFFFF_FFFF
        for b in bytes { c = crcTable[Int((c ^ UInt32(b)) & 0xFF)] ^ (c >> 8) }
        return c ^ 0xFFFF_FFFF
    }

    static func be32(_ v: UInt32) -> [UInt8] {
        [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
    }

    static func chunk(_ type: String, _ data: [UInt8]) -> [UInt8] {
        let typeBytes = Array(type.utf8)
        return be32(UInt32(data.count)) + typeBytes + data + be32(crc32(typeBytes + data))
    }

    static func ihdr(width: UInt32, height: UInt32, bitDepth: UInt8, colorType: UInt8, interlace: UInt8 = 0) -> [UInt8] {
        chunk("IHDR", be32(width) + be32(height) + [bitDepth, colorType, 0, 0, interlace])
    }

    /// A zlib stream using stored (uncompressed) deflate blocks.
    static func zlibStored(_ data: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x78, 0x01]
        var offset = 0
        repeat {
            let n = min(65535, data.count - offset)
            let final: UInt8 = offset + n >= data.count ? 1 : 0
            out.append(final)
            out += [UInt8(n & 0xFF), UInt8(n >> 8), UInt8(~n & 0xFF), UInt8((~n >> 8) & 0xFF)]
            out += data[offset..<offset + n]
            offset += n
        } while offset < data.count
        var a: UInt32 = 1, b: UInt32 = 0
        for byte in data { a = (a + UInt32(byte)) % 65521; b = (b + a) % 65521 }
        return out + be32(b << 16 | a)
    }

    /// A complete PNG from raw scanlines (each row prefixed by filter byte 0 here).
    static func file(width: UInt32, height: UInt32, bitDepth: UInt8, colorType: UInt8,
                     rows: [[UInt8]], interlace: UInt8 = 0, extraBeforeIDAT: [[UInt8]] = [], extraAfterIDAT: [[UInt8]] = []) -> Data {
        var raw: [UInt8] = []
        for row in rows { raw.append(0); raw += row }
        var bytes = signature + ihdr(width: width, height: height, bitDepth: bitDepth, colorType: colorType, interlace: interlace)
        for extra in extraBeforeIDAT { bytes += extra }
        bytes += chunk("IDAT", zlibStored(raw))
        for extra in extraAfterIDAT { bytes += extra }
        bytes += chunk("IEND", [])
        return Data(bytes)
    }

    /// (type, offset of the length field) of every chunk in a PNG.
    static func chunks(in data: Data) -> [(type: String, offset: Int, length: Int)] {
        let bytes = [UInt8](data)
        var result: [(String, Int, Int)] = []
        var offset = 8
        while offset + 8 <= bytes.count {
            let length = Int(bytes[offset]) << 24 | Int(bytes[offset + 1]) << 16 | Int(bytes[offset + 2]) << 8 | Int(bytes[offset + 3])
            let type = String(decoding: bytes[offset + 4..<offset + 8], as: UTF8.self)
            result.append((type, offset, length))
            offset += 12 + length
        }
        return result
    }
}
