import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia
@testable import DropForgeCards

/// Writing cards into PNG (`chara` + `ccv3`), JSON and CHARX, checked against real cards.
final class CardEncoderTests: XCTestCase {
    /// The card keywords of the text chunks, in file order.
    private func cardKeywords(_ png: Data) throws -> [String] {
        try PNGChunkReader.chunks(in: png).compactMap { chunk in
            guard ["tEXt", "zTXt", "iTXt"].contains(chunk.type), let keyword = PNGTextDecoder.keyword(of: chunk),
                  CardPNG.isCardKeyword(keyword) else { return nil }
            return keyword
        }
    }

    /// The card in the first text chunk keyed exactly `keyword`.
    private func embedded(_ png: Data, _ keyword: String, line: UInt = #line) throws -> CharacterCard {
        let chunk = try XCTUnwrap(try PNGChunkReader.chunks(in: png).first { PNGTextDecoder.keyword(of: $0) == keyword },
                                  "no \(keyword) chunk", line: line)
        XCTAssertEqual(chunk.type, "tEXt", line: line)
        let json = try CardPNG.base64Decode(lenient: try PNGTextDecoder.body(of: chunk, maxTextBytes: 1 << 26).text)
        return try CharacterCard.parse(json)
    }

    private static let v1TextFields = ["name", "description", "personality", "scenario", "first_mes", "mes_example"]

    func testSeraphinaRoundTripIsByteExact() throws {
        let original = try RealCards.data("default_Seraphina.png")
        let file = try CardFile.read(original)
        XCTAssertEqual(try CardEncoder.png(file.card, spec: .v3, into: original).bytes, original)
        // Also when embedding into the same image with its card stripped first.
        let stripped = try CardPNG.embed(chara: nil, ccv3: nil, into: original)
        XCTAssertEqual(try cardKeywords(stripped), [])
        XCTAssertEqual(try CardEncoder.png(file.card, spec: .v3, into: stripped).bytes, original)
    }

    func testV2EmbedWritesOnlyChara() throws {
        let original = try RealCards.data("default_Seraphina.png")
        let card = try CardFile.read(original).card
        let out = try CardEncoder.png(card, spec: .v2, into: original).bytes
        XCTAssertEqual(try cardKeywords(out), ["chara"])
        let types = try PNGChunkReader.chunks(in: out).map(\.type)
        XCTAssertEqual(types.last, "IEND")
        XCTAssertEqual(types.dropLast().last, "tEXt", "chara goes just before IEND")
        let chara = try embedded(out, "chara")
        XCTAssertEqual(chara.json["spec"], "chara_card_v2")
        XCTAssertEqual(chara.json["spec_version"], "2.0")
        XCTAssertEqual(chara.name, "Seraphina")
        XCTAssertEqual(chara.bookEntries.count, 4)
        // Read back, the PNG gives the V2 card (no ccv3 to win).
        let back = try CardFile.read(out)
        XCTAssertEqual(back.chosenChunk, "chara")
        XCTAssertEqual(back.card.spec, .v2)
    }

    func testV3EmbedPutsTheV2FormInCharaAndTheV3FormInCCV3() throws {
        let flux = try CardFile.read(try RealCards.data("default_FluxTheCat.png"))
        let out = try CardEncoder.png(flux.card, spec: .v3, into: flux.bytes).bytes
        XCTAssertEqual(try cardKeywords(out), ["chara", "ccv3"])
        let chara = try embedded(out, "chara")
        let ccv3 = try embedded(out, "ccv3")
        XCTAssertEqual(chara.spec, .v2)
        XCTAssertEqual(chara.json["spec"], "chara_card_v2")
        XCTAssertEqual(ccv3.spec, .v3)
        XCTAssertEqual(ccv3.json["spec_version"], "3.0")
        XCTAssertEqual(ccv3.fields["group_only_greetings"], [])
        // chara is the V2 card as read; ccv3 the same card upgraded (V2 → V3 only relabels and
        // adds group_only_greetings), so the two differ in nothing else.
        XCTAssertEqual(chara, flux.card)
        XCTAssertEqual(ccv3, try flux.card.converted(to: .v3))
        var relabeled = ccv3.relabeled(as: .v2)
        relabeled.setField("group_only_greetings", nil)
        XCTAssertEqual(relabeled.compactJSON, chara.compactJSON)
        // For a V3 card (what card jobs write) chara is exactly the ccv3 JSON relabelled.
        let seraphina = try CardFile.read(try RealCards.data("default_Seraphina.png")).card
        let both = try CardEncoder.png(seraphina, spec: .v3, into: flux.bytes).bytes
        XCTAssertEqual(try embedded(both, "chara").compactJSON, seraphina.relabeled(as: .v2).compactJSON)
        XCTAssertEqual(try embedded(both, "ccv3").compactJSON, seraphina.compactJSON)
        XCTAssertEqual(try CardFile.read(out).card, ccv3, "ccv3 wins on reading")
        // Every non-card chunk is kept in order.
        let before = try PNGChunkReader.chunks(in: flux.bytes).filter { PNGTextDecoder.keyword(of: $0).map(CardPNG.isCardKeyword) != true }
        let after = try PNGChunkReader.chunks(in: out).filter { PNGTextDecoder.keyword(of: $0).map(CardPNG.isCardKeyword) != true }
        XCTAssertEqual(before.map(\.type), after.map(\.type))
        XCTAssertEqual(before.map(\.data), after.map(\.data))
    }

    func testEmbeddingAV1CardUpgradesBothChunksWithTheSameTexts() throws {
        let megumin = try CardFile.read(try RealCards.data("Megumin_v1.png"))
        XCTAssertEqual(megumin.card.spec, .v1)
        let out = try CardEncoder.png(megumin.card, spec: .v3, into: megumin.bytes).bytes
        XCTAssertEqual(try cardKeywords(out), ["chara", "ccv3"])
        let chara = try embedded(out, "chara")
        let ccv3 = try embedded(out, "ccv3")
        XCTAssertEqual(chara.spec, .v2)
        XCTAssertEqual(ccv3.spec, .v3)
        for key in Self.v1TextFields {
            let text = try XCTUnwrap(megumin.card.text(key), key)
            XCTAssertEqual(chara.text(key), text, "chara \(key)")
            XCTAssertEqual(ccv3.text(key), text, "ccv3 \(key)")
        }
        XCTAssertEqual(chara.json["create_date"], "1674407315335", "V1 root keys stay for old readers")
        XCTAssertEqual(CardValidator.validate(chara).filter { $0.severity == .error }, [])
        XCTAssertEqual(CardValidator.validate(ccv3).filter { $0.severity == .error }, [])
        // The base64 payload is compact JSON with neither '/' nor non-ASCII escaped.
        let raw = String(decoding: ccv3.compactJSON, as: UTF8.self)
        XCTAssertTrue(raw.contains("\u{2019}"))
        XCTAssertFalse(raw.contains("\\u2019"))
        XCTAssertFalse(raw.contains("\n  "))
    }

    func testJSONEncoderWritesTheRequestedSpecIndented() throws {
        let seraphina = try CardFile.read(try RealCards.data("default_Seraphina.png")).card
        let v2Data = try CardEncoder.json(seraphina, spec: .v2).bytes
        let v2 = try CharacterCard.parse(v2Data)
        XCTAssertEqual(v2.spec, .v2)
        XCTAssertEqual(v2.fields, seraphina.fields, "V3 → V2 relabels only")
        XCTAssertTrue(String(decoding: v2Data, as: UTF8.self).hasSuffix("}\n"))
        XCTAssertTrue(String(decoding: v2Data, as: UTF8.self).contains("\n  \"spec\": \"chara_card_v2\""))
        XCTAssertEqual(try CharacterCard.parse(try CardEncoder.json(seraphina, spec: .v3).bytes), seraphina)
    }

    func testCharXHoldsTheV3CardAndTheAvatarAsMainIcon() throws {
        let megumin = try CardFile.read(try RealCards.data("Megumin_v1.png"))
        let avatar = megumin.bytes
        let date = Date(timeIntervalSince1970: 1_700_000_000)
        let zip = try CardEncoder.charx(megumin.card, avatar: avatar, date: date).bytes
        let archive = try CharX.read(zip)
        XCTAssertEqual(archive.cardEntryPath, "card.json")
        let card = try CharacterCard.parse(archive.cardJSON)
        XCTAssertEqual(card.spec, .v3)
        XCTAssertEqual(card.name, "Megumin")
        let assets = try XCTUnwrap(card.fields["assets"]?.arrayValue)
        XCTAssertEqual(assets.first, .object(["type": "icon", "uri": "embeded://assets/icon/image/main.png",
                                              "name": "main", "ext": "png"]))
        XCTAssertEqual(archive.assets.map(\.path), ["assets/icon/image/main.png"])
        XCTAssertEqual(archive.assets.first?.data, avatar)
        XCTAssertEqual(archive.asset(forURI: "embeded://assets/icon/image/main.png")?.data, avatar)
        XCTAssertEqual(CardValidator.validate(card).filter { $0.severity == .error }, [])
        // Read as a card file too, and deterministic for the same inputs.
        let file = try CardFile.read(zip)
        XCTAssertEqual(file.container, .charx)
        XCTAssertEqual(file.card, card)
        XCTAssertEqual(try CardEncoder.charx(megumin.card, avatar: avatar, date: date).bytes, zip)
    }

    func testCharXReplacesAnEarlierMainIconAndKeepsOtherAssets() throws {
        var card = try CardFile.read(try RealCards.data("default_FluxTheCat.png")).card.converted(to: .v3)
        card.setField("assets", [
            ["type": "icon", "uri": "embeded://assets/icon/image/old.png", "name": "main", "ext": "png"],
            ["type": "emotion", "uri": "embeded://assets/emotion/image/happy.png", "name": "happy", "ext": "png"],
        ])
        let happy = CharXAsset(path: "assets/emotion/image/happy.png", data: Data([1, 2, 3]))
        let zip = try CardEncoder.charx(card, avatar: Data([9, 9]), assets: CardAssets(files: [happy]), date: Date(timeIntervalSince1970: 0)).bytes
        let archive = try CharX.read(zip)
        let written = try CharacterCard.parse(archive.cardJSON)
        let assets = try XCTUnwrap(written.fields["assets"]?.arrayValue)
        XCTAssertEqual(assets.compactMap { $0["uri"]?.stringValue },
                       ["embeded://assets/icon/image/main.png", "embeded://assets/emotion/image/happy.png"])
        XCTAssertEqual(archive.assets.map(\.path), ["assets/icon/image/main.png", "assets/emotion/image/happy.png"])
        XCTAssertEqual(archive.asset(forURI: "embeded://assets/emotion/image/happy.png")?.data, Data([1, 2, 3]))

        // Without an avatar the card's assets list is left as it was, its files carried.
        let old = CharXAsset(path: "assets/icon/image/old.png", data: Data([7]))
        let kept = try CharX.read(try CardEncoder.charx(card, avatar: nil, assets: CardAssets(files: [old, happy]),
                                                        date: Date(timeIntervalSince1970: 0)).bytes)
        XCTAssertEqual(try CharacterCard.parse(kept.cardJSON).fields["assets"], card.fields["assets"])
        XCTAssertEqual(kept.assets, [old, happy])

        // A URI naming a file nobody gave is dropped, and the warning says which and why.
        let bare = try CardEncoder.charx(card, avatar: nil, date: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(try CharacterCard.parse(try CharX.read(bare.bytes).cardJSON).fields["assets"], .array([]))
        XCTAssertEqual(bare.warnings, [
            "dropped asset \"main\" (embeded://assets/icon/image/old.png): it names a file inside a CHARX, and the input is not one",
            "dropped emotion \"happy\" (embeded://assets/emotion/image/happy.png): it names a file inside a CHARX, and the input is not one",
        ])
    }
}
