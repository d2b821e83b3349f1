import Foundation
@testable import DropForgeKit
@testable import DropForgeMedia

/// Builds small PNG files chunk by chunk for the chunk and card tests, with a CRC computed
/// independently of the library (a plain table CRC-32, not zlib's).
enum ChunkTestPNG {
    static let signature: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]

    static func crc(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0..<8 { crc = (crc & 1) != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    static func be32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    /// length, type, body, CRC.
    static func frame(_ type: String, _ body: [UInt8]) -> [UInt8] {
        let typed = Array(type.utf8) + body
        return be32(UInt32(body.count)) + typed + be32(crc(typed))
    }

    /// A 1×1 8-bit RGBA IHDR.
    static let ihdr = frame("IHDR", be32(1) + be32(1) + [8, 6, 0, 0, 0])
    /// One red pixel: filter byte 0 then RGBA, deflated.
    static var idat: [UInt8] { frame("IDAT", [UInt8](try! PNGZlib.deflate(Data([0, 255, 0, 0, 255])))) }
    static let iend = frame("IEND", [])

    /// Signature, IHDR, IDAT, the given chunks, IEND.
    static func png(_ chunks: [[UInt8]]) -> Data {
        Data(signature + ihdr + idat + chunks.flatMap { $0 } + iend)
    }

    static func tEXt(_ keyword: String, _ text: [UInt8]) -> [UInt8] {
        frame("tEXt", Array(keyword.utf8) + [0] + text)
    }

    static func zTXt(_ keyword: String, _ text: [UInt8]) -> [UInt8] {
        frame("zTXt", Array(keyword.utf8) + [0, 0] + [UInt8](try! PNGZlib.deflate(Data(text))))
    }

    static func iTXt(_ keyword: String, _ text: [UInt8], compressed: Bool, language: String = "", translated: String = "") -> [UInt8] {
        let payload = compressed ? [UInt8](try! PNGZlib.deflate(Data(text))) : text
        return frame("iTXt", Array(keyword.utf8) + [0, compressed ? 1 : 0, 0] + Array(language.utf8) + [0]
                     + Array(translated.utf8) + [0] + payload)
    }

    /// The chunk types of a PNG, in order, from the library's reader.
    static func types(_ png: Data) throws -> [String] {
        try PNGChunkReader.chunks(in: png).map(\.type)
    }

    /// A real-card fixture from Tests/DropForgeKitTests/Fixtures/real-cards.
    static func fixture(_ name: String) throws -> Data {
        try RealCards.data(name)
    }

    /// The message of the error `body` throws, or nil.
    static func message(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            return nil
        } catch let error as PNGError {
            return error.message
        } catch {
            return String(describing: error)
        }
    }
}
