import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia
@testable import DropForgeCards

final class CardPNGTests: XCTestCase {
    typealias T = ChunkTestPNG

    let v2 = Data(#"{"spec":"chara_card_v2","data":{"name":"Ann"}}"#.utf8)
    let v3 = Data(#"{"spec":"chara_card_v3","data":{"name":"Ann — the 3rd, 猫"}}"#.utf8)

    func b64(_ data: Data) -> [UInt8] { Array(data.base64EncodedString().utf8) }

    /// The decoded base64 payload of the first text chunk keyed `keyword` (exact case).
    func payload(_ png: Data, _ keyword: String) throws -> Data {
        let chunk = try PNGChunkReader.chunks(in: png).first { PNGTextDecoder.keyword(of: $0) == keyword }!
        return try CardPNG.base64Decode(lenient: try PNGTextDecoder.body(of: chunk, maxTextBytes: 1 << 26).text)
    }

    func name(_ json: Data) throws -> String? {
        let object = try JSONSerialization.jsonObject(with: json) as? [String: Any]
        return (object?["data"] as? [String: Any])?["name"] as? String ?? object?["name"] as? String
    }

    // MARK: Real cards

    func testRealFixturesReportTheirCardChunks() throws {
        let megumin = try CardPNG.readCardText(from: try T.fixture("Megumin_v1.png"))
        XCTAssertEqual(megumin.keyword, "chara")
        XCTAssertEqual(megumin.chunkType, .tEXt)
        XCTAssertEqual(megumin.found.map(\.keyword), ["chara"])
        XCTAssertEqual(megumin.found.first?.offset, 295_653)
        XCTAssertEqual(megumin.found.first?.decodedByteCount, megumin.json.count)
        XCTAssertEqual(try name(megumin.json), "Megumin")

        let flux = try CardPNG.readCardText(from: try T.fixture("default_FluxTheCat.png"))
        XCTAssertEqual(flux.found.map(\.keyword), ["chara"])
        XCTAssertEqual(try name(flux.json), "Flux the Cat")

        let seraphina = try CardPNG.readCardText(from: try T.fixture("default_Seraphina.png"))
        XCTAssertEqual(seraphina.found.map(\.keyword), ["chara", "ccv3"])
        XCTAssertEqual(seraphina.found.map(\.offset), [511_550, 531_720])
        XCTAssertEqual(seraphina.found.map(\.chunkType), [.tEXt, .tEXt])
        XCTAssertTrue(seraphina.found.allSatisfy { $0.problem == nil && ($0.decodedByteCount ?? 0) > 10_000 })
        XCTAssertEqual(seraphina.keyword, "ccv3", "ccv3 wins over chara")
        let object = try JSONSerialization.jsonObject(with: seraphina.json) as? [String: Any]
        XCTAssertEqual(object?["spec"] as? String, "chara_card_v3")
        XCTAssertEqual(try name(seraphina.json), "Seraphina")
    }

    func testEmbeddingSeraphinasOwnPayloadsGivesTheSameBytes() throws {
        let original = try T.fixture("default_Seraphina.png")
        let chara = try payload(original, "chara")
        let ccv3 = try CardPNG.readCardText(from: original).json
        XCTAssertEqual(ccv3, try payload(original, "ccv3"))

        XCTAssertEqual(try CardPNG.embed(chara: chara, ccv3: ccv3, into: original), original)

        let stripped = try CardPNG.embed(chara: nil, ccv3: nil, into: original)
        XCTAssertEqual(try T.types(stripped), ["IHDR", "IDAT", "IEND"])
        XCTAssertEqual(stripped.count, original.count - 20_170 - 20_169)
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: stripped) },
                       "no character card in this PNG (no chara or ccv3 text chunk)")
        XCTAssertEqual(try CardPNG.embed(chara: chara, ccv3: ccv3, into: stripped), original)
    }

    func testEmbedKeepsOtherChunksInPlace() throws {
        let megumin = try T.fixture("Megumin_v1.png")
        let output = try CardPNG.embed(chara: v2, ccv3: v3, into: megumin)
        let before = try PNGChunkReader.chunks(in: megumin)
        let after = try PNGChunkReader.chunks(in: output)
        XCTAssertEqual(Array(after.prefix(before.count - 2)), Array(before.prefix(before.count - 2)), "IHDR, pHYs and IDATs untouched")
        XCTAssertEqual(after[1].type, "pHYs")
        XCTAssertEqual(after.suffix(3).map(\.type), ["tEXt", "tEXt", "IEND"])
        XCTAssertEqual(after.suffix(3).map { PNGTextDecoder.keyword(of: $0) }, ["chara", "ccv3", nil])
        XCTAssertEqual(output.prefix(295_653), megumin.prefix(295_653))
        let read = try CardPNG.readCardText(from: output)
        XCTAssertEqual(read.json, v3)
        XCTAssertEqual(read.found.map(\.keyword), ["chara", "ccv3"])
        XCTAssertEqual(try payload(output, "chara"), v2)

        // Only ccv3: chara is removed, not kept.
        let only = try CardPNG.embed(chara: nil, ccv3: v3, into: megumin)
        XCTAssertEqual(try CardPNG.readCardText(from: only).found.map(\.keyword), ["ccv3"])
    }

    func testEmbedRemovesCardChunksOfEveryTypeAndCaseButNothingElse() throws {
        let other = T.tEXt("Comment", Array("chara".utf8))
        let charaLike = T.tEXt("character", Array("x".utf8))
        let png = T.png([
            T.zTXt("chara", b64(v2)), other, T.iTXt("CCV3", b64(v3), compressed: true),
            T.tEXt("Chara", b64(v2)), charaLike, T.iTXt("ccv3", Array(v3), compressed: false),
        ])
        let output = try CardPNG.embed(chara: v2, ccv3: v3, into: png)
        XCTAssertEqual(output, T.png([other, charaLike, T.tEXt("chara", b64(v2)), T.tEXt("ccv3", b64(v3))]))
    }

    /// SillyTavern and RisuAI read tEXt only: a card found only in zTXt/iTXt is read here, and
    /// reported as one they will not see (issue 16).
    func testACardOnlyInCompressedChunksIsReportedAsUnseenByApps() throws {
        let hidden = try CardFile.read(Data(T.png([T.zTXt("chara", b64(v2)), T.iTXt("ccv3", b64(v3), compressed: true)])))
        XCTAssertEqual(hidden.unseenByApps, "the card is only in iTXt and zTXt chunks; SillyTavern and RisuAI read tEXt only "
                       + "and will not see it (`dropforge card embed` writes it as tEXt)")
        XCTAssertNil(try CardFile.read(Data(T.png([T.zTXt("ccv3", b64(v3)), T.tEXt("chara", b64(v2))]))).unseenByApps)
        XCTAssertNil(try CardFile.read(v2).unseenByApps, "a JSON card is not in chunks at all")
    }

    // MARK: Which chunk wins

    func testTheRulesForChoosingAChunk() throws {
        func read(_ chunks: [[UInt8]]) throws -> CardChunkPayload { try CardPNG.readCardText(from: T.png(chunks)) }

        let onlyV3 = try read([T.tEXt("ccv3", b64(v3))])
        XCTAssertEqual(onlyV3.json, v3)
        XCTAssertEqual(onlyV3.keyword, "ccv3")

        for order in [[T.tEXt("chara", b64(v2)), T.tEXt("ccv3", b64(v3))], [T.tEXt("ccv3", b64(v3)), T.tEXt("chara", b64(v2))]] {
            let both = try read(order)
            XCTAssertEqual(both.json, v3, "ccv3 wins in either order")
            XCTAssertEqual(both.found.count, 2)
        }

        let other = Data(#"{"name":"Second"}"#.utf8)
        let twice = try read([T.tEXt("chara", b64(v2)), T.tEXt("chara", b64(other))])
        XCTAssertEqual(twice.json, v2, "the first chunk of a keyword wins")
        XCTAssertEqual(twice.found.map(\.decodedByteCount), [v2.count, other.count])

        let upper = try read([T.tEXt("CHARA", b64(v2))])
        XCTAssertEqual(upper.json, v2)
        XCTAssertEqual(upper.keyword, "CHARA")

        let zipped = try read([T.zTXt("chara", b64(v2))])
        XCTAssertEqual(zipped.json, v2)
        XCTAssertEqual(zipped.chunkType, .zTXt)

        // Non-ASCII JSON in iTXt: as base64 and as raw UTF-8 JSON, compressed or not.
        for compressed in [false, true] {
            for text in [b64(v3), Array(v3), Array("\n  ".utf8) + Array(v3)] {
                let card = try read([T.iTXt("ccv3", text, compressed: compressed, language: "en")])
                XCTAssertEqual(try name(card.json), "Ann — the 3rd, 猫")
                XCTAssertEqual(card.chunkType, .iTXt)
            }
        }
        // Raw JSON in tEXt: valid UTF-8 is kept, anything else is Latin-1.
        XCTAssertEqual(try read([T.tEXt("chara", Array(v3))]).json, v3)
        XCTAssertEqual(try read([T.tEXt("chara", Array(#"{"name":"caf"#.utf8) + [0xE9] + Array(#""}"#.utf8))]).json,
                       Data(#"{"name":"café"}"#.utf8))

        // A chunk with another keyword is ignored.
        XCTAssertEqual(try read([T.tEXt("chara2", b64(v3)), T.tEXt("chara", b64(v2))]).found.map(\.keyword), ["chara"])
    }

    func testLenientBase64() throws {
        let json = Data(#"{"name":"Ann","data":"~~~???>>>"}"#.utf8)   // base64 has + and /
        let standard = json.base64EncodedString()
        XCTAssertTrue(standard.contains("+") || standard.contains("/"))
        let unpadded = standard.replacingOccurrences(of: "=", with: "")
        let wrapped = stride(from: 0, to: unpadded.count, by: 7).map { i -> String in
            let start = unpadded.index(unpadded.startIndex, offsetBy: i)
            return String(unpadded[start..<(unpadded.index(start, offsetBy: 7, limitedBy: unpadded.endIndex) ?? unpadded.endIndex)])
        }.joined(separator: "\r\n ")
        let urlSafe = standard.replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
        for text in [standard, unpadded, "\n" + wrapped + "\n\t", urlSafe] {
            XCTAssertEqual(try CardPNG.base64Decode(lenient: Array(text.utf8)), json, text)
            XCTAssertEqual(try CardPNG.readCardText(from: T.png([T.tEXt("chara", Array(text.utf8))])).json, json, text)
        }
        for length in 0..<40 {
            let bytes = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 * 37 + 5) })
            XCTAssertEqual(try CardPNG.base64Decode(lenient: Array(bytes.base64EncodedString().utf8)), bytes)
            XCTAssertEqual(try CardPNG.base64Decode(lenient: bytes.base64EncodedString().utf8.filter { $0 != 61 }), bytes)
        }
        XCTAssertEqual(T.message { try CardPNG.base64Decode(lenient: Array("abc!".utf8)) }, "not valid base64 (invalid character at position 3)")
        XCTAssertEqual(T.message { try CardPNG.base64Decode(lenient: Array("ab=c".utf8)) }, "not valid base64 (data after '=' padding at position 3)")
        XCTAssertEqual(T.message { try CardPNG.base64Decode(lenient: Array("abcde".utf8)) },
                       "not valid base64 (it ends with a single leftover character)")
    }

    // MARK: Errors

    func testClearErrors() throws {
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: T.png([T.tEXt("Title", Array("x".utf8))])) },
                       "no character card in this PNG (no chara or ccv3 text chunk)")
        var text = b64(v3)
        text[17] = UInt8(ascii: "*")
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: T.png([T.tEXt("ccv3", text)])) },
                       "the ccv3 chunk is not valid base64 (invalid character at position 17)")
        // Strict: a broken winner is an error even when a valid chara is there...
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: T.png([T.tEXt("chara", b64(v2)), T.tEXt("ccv3", text)])) },
                       "the ccv3 chunk is not valid base64 (invalid character at position 17)")
        // ...while a broken loser is only reported.
        let card = try CardPNG.readCardText(from: T.png([T.tEXt("chara", text), T.tEXt("ccv3", b64(v3))]))
        XCTAssertEqual(card.json, v3)
        XCTAssertEqual(card.found.first?.decodedByteCount, nil)
        XCTAssertEqual(card.found.first?.problem, "the chara chunk is not valid base64 (invalid character at position 17)")

        XCTAssertEqual(T.message { try CardPNG.readCardText(from: T.png([T.iTXt("chara", [0x7B, 0xFF], compressed: false)])) },
                       "the iTXt chunk 'chara' at byte \(8 + 25 + T.idat.count): the text is not valid UTF-8")
    }

    func testCardSizeLimit() throws {
        var limits = PNGLimits.standard
        limits.maxCardBytes = 40
        let big = Data((#"{"name":""# + String(repeating: "a", count: 40) + #""}"#).utf8)
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: T.png([T.tEXt("chara", self.b64(big))]), limits: limits) },
                       "the chara card is \(big.count) bytes of JSON, over the 40-byte limit")
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: T.png([T.iTXt("chara", Array(big), compressed: true)]), limits: limits) },
                       "the chara card is \(big.count) bytes of JSON, over the 40-byte limit")
        let small = Data(#"{"name":"Ann"}"#.utf8)
        XCTAssertEqual(try CardPNG.readCardText(from: T.png([T.tEXt("chara", b64(small))]), limits: limits).json, small)
    }

    func testHostileFilesFailCleanly() throws {
        // A card zTXt that inflates to 50 MB: stopped at the text cap (max(16 MiB, 1.5 × 16 MiB)).
        let bomb = [UInt8](try PNGZlib.deflate(Data(count: 50 * 1024 * 1024)))
        let png = T.png([T.frame("zTXt", Array("chara\0".utf8) + [0] + bomb)])
        let started = Date()
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: png) },
                       "the zTXt chunk 'chara' at byte \(8 + 25 + T.idat.count): decompressed text is over the 25165824-byte limit")
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        // The bomb is never inflated when only removed.
        XCTAssertEqual(try CardPNG.embed(chara: v2, ccv3: nil, into: png), T.png([T.tEXt("chara", b64(v2))]))

        var broken = T.png([T.tEXt("chara", b64(v2))])
        broken[broken.count - 13] ^= 0x55   // the tEXt CRC
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: broken) }, "CRC error in tEXt chunk at byte \(8 + 25 + T.idat.count)")
        XCTAssertEqual(T.message { try CardPNG.embed(chara: v2, ccv3: nil, into: broken) }, "CRC error in tEXt chunk at byte \(8 + 25 + T.idat.count)")
        XCTAssertEqual(T.message { try CardPNG.readCardText(from: Data("{\"name\":\"not a png\"}".utf8)) }, "not a PNG file (bad signature)")

        let good = T.png([T.tEXt("chara", b64(v2)), T.zTXt("ccv3", b64(v3))])
        for cut in 0..<good.count {
            XCTAssertThrowsError(try CardPNG.readCardText(from: good.prefix(cut)), "cut at \(cut)")
        }
    }
}
