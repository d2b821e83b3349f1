import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia
@testable import DropForgeCore
@testable import DropForgeCards

final class PNGChunkReaderTests: XCTestCase {
    typealias T = ChunkTestPNG

    // MARK: Real files

    func testRealFixturesAreWalkedWithOffsets() throws {
        let megumin = try PNGChunkReader.chunks(in: try T.fixture("Megumin_v1.png"))
        XCTAssertEqual(megumin.first?.type, "IHDR")
        XCTAssertEqual(megumin.first?.offset, 8)
        XCTAssertEqual(megumin[1].type, "pHYs")
        XCTAssertEqual(megumin[1].offset, 33)
        XCTAssertEqual(megumin[1].data.count, 9)
        XCTAssertEqual(megumin.filter { $0.type == "IDAT" }.count, 37)
        XCTAssertEqual(megumin.suffix(2).map(\.type), ["tEXt", "IEND"])
        XCTAssertEqual(megumin.suffix(2).map(\.offset), [295_653, 298_315])

        let seraphina = try PNGChunkReader.chunks(in: try T.fixture("default_Seraphina.png"))
        XCTAssertEqual(seraphina.map(\.type), ["IHDR", "IDAT", "tEXt", "tEXt", "IEND"])
        XCTAssertEqual(seraphina.map(\.offset), [8, 33, 511_550, 531_720, 551_889])
        XCTAssertEqual(seraphina.map(\.data.count), [13, 511_505, 20_158, 20_157, 0])
        // Data is zero-indexed and starts right after the type.
        XCTAssertEqual(seraphina[3].data.startIndex, 0)
        XCTAssertEqual(seraphina[3].data.prefix(5), Data("ccv3\0".utf8))

        let flux = try PNGChunkReader.chunks(in: try T.fixture("default_FluxTheCat.png"))
        XCTAssertEqual(flux.map(\.type), ["IHDR", "IDAT", "tEXt", "IEND"])
    }

    func testWritingTheChunksBackGivesTheSameFile() throws {
        for name in ["Megumin_v1.png", "default_FluxTheCat.png", "default_Seraphina.png"] {
            let png = try T.fixture(name)
            XCTAssertEqual(try PNGChunkWriter.write(try PNGChunkReader.chunks(in: png)), png, name)
        }
        let built = T.png([T.tEXt("Title", Array("Owl".utf8))])
        XCTAssertEqual(try PNGChunkWriter.write(try PNGChunkReader.chunks(in: built)), built)
    }

    func testASliceOfALargerBufferIsReadFromItsOwnStart() throws {
        let built = T.png([T.tEXt("Title", Array("Owl".utf8))])
        let padded = Data([1, 2, 3]) + built + Data([9])
        let slice = padded[3..<(3 + built.count)]
        XCTAssertEqual(try PNGChunkReader.chunks(in: slice), try PNGChunkReader.chunks(in: built))
    }

    func testCRC32MatchesKnownValues() {
        XCTAssertEqual(CRC32.checksum(Array("IEND".utf8)), 0xAE42_6082)
        XCTAssertEqual(CRC32.checksum(Array("123456789".utf8)), 0xCBF4_3926)
        XCTAssertEqual(CRC32.checksum([UInt8]()), 0)
        let bytes = (0..<10_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        XCTAssertEqual(CRC32.checksum(bytes), T.crc(bytes))
        XCTAssertEqual(CRC32.checksum(bytes[100..<5000]), T.crc(Array(bytes[100..<5000])))
    }

    // MARK: Hostile files

    func testABadSignatureIsRejected() {
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: Data("GIF89a, not a png".utf8)) }, "not a PNG file (bad signature)")
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: Data()) }, "not a PNG file (bad signature)")
        var png = T.png([])
        png[1] = UInt8(ascii: "p")
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: png) }, "not a PNG file (bad signature)")
    }

    func testABrokenCRCNamesTheChunkAndOffset() throws {
        var png = try T.fixture("Megumin_v1.png")
        png[295_653 + 20] ^= 0x01   // a byte of the tEXt data
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: png) }, "CRC error in tEXt chunk at byte 295653")

        var built = T.png([T.tEXt("Title", Array("Owl".utf8))])
        let crcAt = 8 + 25 + T.idat.count + 8 + 9   // sig, IHDR, IDAT, tEXt header, body
        built[crcAt] ^= 0xFF
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: built) }, "CRC error in tEXt chunk at byte \(8 + 25 + T.idat.count)")
    }

    func testTheTruncationMessageSaysWhatIsMissing() {
        // sig (8) + IHDR (25) puts the next chunk at byte 33; it claims 5000 bytes, 12 follow.
        let png = Data(T.signature + T.ihdr + T.be32(5000) + Array("tEXt".utf8) + [UInt8](repeating: 0x41, count: 12))
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: png) },
                       "truncated PNG: the tEXt chunk at byte 33 claims 5000 bytes but only 12 remain")
    }

    func testEveryTruncationIsAnErrorNeverACrash() throws {
        let built = T.png([T.tEXt("chara", Array("eyJhIjoxfQ==".utf8)), T.zTXt("Comment", Array("hello".utf8))])
        XCTAssertNoThrow(try PNGChunkReader.chunks(in: built))
        for cut in 0..<built.count {
            let message = T.message { try PNGChunkReader.chunks(in: built.prefix(cut)) }
            XCTAssertNotNil(message, "cut at \(cut)")
            if cut >= 8 {
                XCTAssertTrue(message?.hasPrefix("truncated PNG") == true, "cut at \(cut): \(message ?? "")")
            }
        }
        let real = try T.fixture("default_Seraphina.png")
        for cut in [0, 7, 8, 9, 16, 32, 33, 40, 41, 511_550, 511_558, 531_719, 531_720, 551_888, 551_889, 551_897, real.count - 1] {
            XCTAssertThrowsError(try PNGChunkReader.chunks(in: real.prefix(cut)), "cut at \(cut)")
            XCTAssertThrowsError(try CardPNG.readCardText(from: real.prefix(cut)), "cut at \(cut)")
            XCTAssertThrowsError(try CardPNG.embed(chara: nil, ccv3: Data("{}".utf8), into: real.prefix(cut)), "cut at \(cut)")
        }
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: real.prefix(551_889)) },
                       "truncated PNG: the file ends at byte 551889 without an IEND chunk")
    }

    func testHugeChunkLengthsAreRefusedBeforeReading() {
        let claim = { (length: UInt32) in
            Data(T.signature + T.ihdr + T.be32(length) + Array("zTXt".utf8) + [1, 2, 3, 4, 5, 6, 7, 8])
        }
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: claim(0x7FFF_FFFF)) },
                       "the zTXt chunk at byte 33 is 2147483647 bytes, over the 67108864-byte limit")
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: claim(0xFFFF_FFFF)) },
                       "invalid PNG: the zTXt chunk at byte 33 claims 4294967295 bytes (over 2^31-1)")
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: claim(0x8000_0000)) },
                       "invalid PNG: the zTXt chunk at byte 33 claims 2147483648 bytes (over 2^31-1)")
        // With the size cap lifted, the spec maximum is still only a truncation, not a crash.
        var unlimited = PNGLimits.standard
        unlimited.maxChunkBytes = .max
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: claim(0x7FFF_FFFF), limits: unlimited) },
                       "truncated PNG: the zTXt chunk at byte 33 claims 2147483647 bytes but only 8 remain")
    }

    func testStructureRules() {
        // IHDR must come first.
        let noIHDR = Data(T.signature + T.frame("tEXt", Array("a\0b".utf8)) + T.ihdr + T.idat + T.iend)
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: noIHDR) }, "invalid PNG: the first chunk is tEXt, not IHDR")
        // The type must be four letters.
        let badType = Data(T.signature + T.ihdr + T.frame("ID4T", [1, 2]) + T.iend)
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: badType) },
                       "invalid PNG: the chunk at byte 33 has an invalid type (bytes 49 44 34 54)")
        // Bytes after IEND are ignored.
        let trailing = T.png([]) + Data("trailing garbage, even a fake chunk header".utf8)
        XCTAssertEqual(try PNGChunkReader.chunks(in: trailing).map(\.type), ["IHDR", "IDAT", "IEND"])
        // A file that stops cleanly between chunks but has no IEND.
        let noIEND = Data(T.signature + T.ihdr + T.idat)
        XCTAssertEqual(T.message { try PNGChunkReader.chunks(in: noIEND) },
                       "truncated PNG: the file ends at byte \(noIEND.count) without an IEND chunk")
    }

    func testTheEmbedderUsesTheCheckedWalk() throws {
        var png = T.png([])
        png[20] ^= 0x01   // inside IHDR
        XCTAssertThrowsError(try PNGTextEmbedder.insert([("Title", "x")], into: png)) {
            let error = StepError.classify($0)
            XCTAssertEqual(error.code, "png_invalid")
            XCTAssertEqual(error.message, "CRC error in IHDR chunk at byte 8")
        }
        // Otherwise unchanged: text before IEND, bytes after IEND kept.
        let trailing = T.png([]) + Data([1, 2, 3])
        let output = try PNGTextEmbedder.insert([("Title", "Owl")], into: trailing)
        XCTAssertEqual(output, T.png([T.tEXt("Title", Array("Owl".utf8))]) + Data([1, 2, 3]))
        XCTAssertEqual(PNGTextEmbedder.frame(type: "tEXt", body: Array("Title\0Owl".utf8)), T.tEXt("Title", Array("Owl".utf8)))
    }

    // MARK: Text chunks

    func testTextChunksDecode() throws {
        func decode(_ frame: [UInt8]) throws -> PNGTextChunk {
            let png = T.png([frame])
            let chunk = try PNGChunkReader.chunks(in: png).first { $0.isText }!
            return try PNGTextDecoder.decode(chunk)
        }
        XCTAssertEqual(try decode(T.tEXt("Title", [0x63, 0x61, 0x66, 0xE9])), PNGTextChunk(keyword: "Title", text: "café", kind: .tEXt))
        XCTAssertEqual(try decode(T.zTXt("Comment", [0x63, 0x61, 0x66, 0xE9])), PNGTextChunk(keyword: "Comment", text: "café", kind: .zTXt))
        for compressed in [false, true] {
            let decoded = try decode(T.iTXt("Keywords", Array("owl, 猫, 🦉".utf8), compressed: compressed, language: "ja", translated: "キーワード"))
            XCTAssertEqual(decoded, PNGTextChunk(keyword: "Keywords", text: "owl, 猫, 🦉", kind: .iTXt))
        }
        let chunk = try PNGChunkReader.chunks(in: T.png([T.iTXt("K", Array("x".utf8), compressed: true, language: "en", translated: "Kay")]))[2]
        let body = try PNGTextDecoder.body(of: chunk, maxTextBytes: 100)
        XCTAssertEqual(body.languageTag, "en")
        XCTAssertEqual(body.translatedKeyword, "Kay")
        XCTAssertTrue(body.compressed)
        XCTAssertEqual(PNGTextDecoder.keyword(of: chunk), "K")
        XCTAssertNil(PNGTextDecoder.keyword(of: PNGChunk(type: "IDAT", data: Data("K\0".utf8))))
    }

    func testBrokenTextChunksSayWhichChunk() throws {
        let idatLength = 8 + 25 + T.idat.count   // where the first extra chunk starts
        func message(_ frame: [UInt8], maxTextBytes: Int = 1000) throws -> String? {
            let chunk = try PNGChunkReader.chunks(in: T.png([frame]))[2]
            return T.message { try PNGTextDecoder.body(of: chunk, maxTextBytes: maxTextBytes) }
        }
        XCTAssertEqual(try message(T.iTXt("chara", [0xC3, 0x28], compressed: false)),
                       "the iTXt chunk 'chara' at byte \(idatLength): the text is not valid UTF-8")
        XCTAssertEqual(try message(T.iTXt("chara", [0xFF, 0xFE, 0x41], compressed: true)),
                       "the iTXt chunk 'chara' at byte \(idatLength): the text is not valid UTF-8")
        XCTAssertEqual(try message(T.frame("tEXt", Array("no separator".utf8))),
                       "the tEXt chunk at byte \(idatLength) has no NUL after its keyword (or the keyword is over 79 bytes)")
        XCTAssertEqual(try message(T.frame("zTXt", Array("ccv3\0".utf8) + [0] + [1, 2, 3, 4])),
                       "the zTXt chunk 'ccv3' at byte \(idatLength): compressed text is corrupt (incorrect header check)")
        XCTAssertEqual(try message(T.frame("zTXt", Array("ccv3\0".utf8) + [8] + [1, 2, 3, 4])),
                       "the zTXt chunk 'ccv3' at byte \(idatLength) uses unknown compression method 8")
        let deflated = [UInt8](try PNGZlib.deflate(Data(repeating: 0x41, count: 500)))
        XCTAssertEqual(try message(T.frame("zTXt", Array("ccv3\0".utf8) + [0] + deflated.dropLast(6))),
                       "the zTXt chunk 'ccv3' at byte \(idatLength): compressed text is truncated (the zlib stream ends early)")
        XCTAssertEqual(try message(T.zTXt("Comment", [UInt8](repeating: 0x41, count: 1001))),
                       "the zTXt chunk 'Comment' at byte \(idatLength): decompressed text is over the 1000-byte limit")
        XCTAssertNil(try message(T.zTXt("Comment", [UInt8](repeating: 0x41, count: 1000))))
        XCTAssertEqual(try message(T.tEXt("Comment", [UInt8](repeating: 0x41, count: 1001))),
                       "the tEXt chunk 'Comment' at byte \(idatLength): text is 1001 bytes, over the 1000-byte limit")
    }

    // MARK: zlib

    func testInflateHonoursItsCapExactly() throws {
        let text = Data((0..<100_000).map { UInt8(truncatingIfNeeded: $0 % 251) })
        let deflated = try PNGZlib.deflate(text)
        XCTAssertEqual(try PNGZlib.inflate(deflated, maxOutput: 100_000), text)
        XCTAssertEqual(try PNGZlib.inflate(deflated, maxOutput: 10_000_000), text)
        XCTAssertEqual(T.message { try PNGZlib.inflate(deflated, maxOutput: 99_999) },
                       "decompressed text is over the 99999-byte limit")
        XCTAssertEqual(try PNGZlib.inflate(try PNGZlib.deflate(Data()), maxOutput: 0), Data())
        XCTAssertEqual(T.message { try PNGZlib.inflate(try PNGZlib.deflate(Data([1])), maxOutput: 0) },
                       "decompressed text is over the 0-byte limit")
        XCTAssertNotNil(T.message { try PNGZlib.inflate(Data(), maxOutput: 10) })
        for cut in stride(from: 0, to: deflated.count - 1, by: 97) {
            XCTAssertNotNil(T.message { try PNGZlib.inflate(deflated.prefix(cut), maxOutput: 1_000_000) }, "cut at \(cut)")
        }
    }

    func testADecompressionBombFailsFast() throws {
        let bomb = try PNGZlib.deflate(Data(count: 50 * 1024 * 1024))
        XCTAssertLessThan(bomb.count, 100_000)
        let started = Date()
        XCTAssertEqual(T.message { try PNGZlib.inflate(bomb, maxOutput: 16 * 1024 * 1024) },
                       "decompressed text is over the 16777216-byte limit")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        let png = T.png([T.frame("zTXt", Array("Comment\0".utf8) + [0] + [UInt8](bomb))])
        let chunk = try PNGChunkReader.chunks(in: png)[2]
        XCTAssertEqual(T.message { try PNGTextDecoder.decode(chunk) },
                       "the zTXt chunk 'Comment' at byte \(chunk.offset): decompressed text is over the 16777216-byte limit")
    }
}
