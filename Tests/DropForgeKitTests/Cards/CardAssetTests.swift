import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeMedia
@testable import DropForgeCards
import DropForgeJSON

/// Embedded files travelling with a card between PNG, JSON and CHARX, spelled as RisuAI's
/// importer reads them (`__asset:N` + `chara-ext-asset_:N`, `data:` URIs, `embeded://` files).
final class CardAssetTests: XCTestCase {
    /// Bytes that sniff as PNG and differ by `tag`.
    private func sprite(_ tag: UInt8) -> Data { Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, tag, tag, tag]) }

    private func image() throws -> Data {
        try CardPNG.embed(chara: nil, ccv3: nil, into: try RealCards.data("default_FluxTheCat.png"))
    }

    private func v3Card(assets: [JSONValue]) throws -> CharacterCard {
        var card = try CardFile.read(try RealCards.data("default_FluxTheCat.png")).card.converted(to: .v3)
        card.setField("assets", .array(assets))
        return card
    }

    private func v2CardWithEmotions(_ emotions: [JSONValue]) throws -> CharacterCard {
        var card = try CardFile.read(try RealCards.data("default_FluxTheCat.png")).card.converted(to: .v2)
        var extensions = card.fields["extensions"] ?? .object([:])
        extensions["risuai"] = .object(["emotions": .array(emotions), "viewScreen": "emotion"])
        card.setField("extensions", extensions)
        return card
    }

    /// The text chunk keywords of a PNG, in file order.
    private func keywords(_ png: Data) throws -> [String] {
        try PNGChunkReader.chunks(in: png).compactMap { PNGTextDecoder.keyword(of: $0) }
    }

    /// The card in the text chunk keyed exactly `keyword`.
    private func chunkCard(_ png: Data, _ keyword: String) throws -> CharacterCard {
        let chunk = try XCTUnwrap(try PNGChunkReader.chunks(in: png).first { PNGTextDecoder.keyword(of: $0) == keyword })
        return try CharacterCard.parse(try CardPNG.base64Decode(lenient: try PNGTextDecoder.body(of: chunk, maxTextBytes: 1 << 26).text))
    }

    private func uris(_ card: CharacterCard) -> [String] {
        (card.fields["assets"]?.arrayValue ?? []).compactMap { $0["uri"]?.stringValue }
    }

    func testCharXToPNGWritesAssetChunksAndTheIconBecomesTheImage() throws {
        let icon = try image()
        let files = [CharXAsset(path: "assets/icon/image/main.png", data: icon),
                     CharXAsset(path: "assets/emotion/image/happy.png", data: sprite(1)),
                     CharXAsset(path: "assets/background/image/sky.webp", data: sprite(2))]
        let card = try v3Card(assets: [
            ["type": "icon", "uri": "embeded://assets/icon/image/main.png", "name": "main", "ext": "png"],
            ["type": "emotion", "uri": "embeded://assets/emotion/image/happy.png", "name": "happy", "ext": "png"],
            ["type": "background", "uri": "embeded://assets/background/image/sky.webp", "name": "sky", "ext": "webp"],
            ["type": "emotion", "uri": "embeded://assets/emotion/image/happy.png", "name": "glad", "ext": "png"],
            ["type": "x-risu-asset", "uri": "https://example.invalid/a.png", "name": "remote", "ext": "png"],
        ])
        let out = try CardEncoder.png(card, spec: .v3, into: icon, assets: CardAssets(files: files))
        XCTAssertEqual(out.warnings, [])
        XCTAssertEqual(try keywords(out.bytes), ["chara-ext-asset_:1", "chara-ext-asset_:2", "chara", "ccv3"])

        let back = try CardFile.read(out.bytes)
        XCTAssertEqual(uris(back.card), ["ccdefault:", "__asset:1", "__asset:2", "__asset:1", "https://example.invalid/a.png"])
        XCTAssertEqual(back.assets.chunks, ["1": sprite(1), "2": sprite(2)])
        // The V2 form in `chara` points at the same chunks.
        XCTAssertEqual(uris(try chunkCard(out.bytes, "chara")), uris(back.card))
    }

    func testCharXToJSONInlinesFilesAsDataURIs() throws {
        let files = [CharXAsset(path: "assets/emotion/image/happy.png", data: sprite(1))]
        let card = try v3Card(assets: [
            ["type": "emotion", "uri": "embeded://assets/emotion/image/happy.png", "name": "happy", "ext": "png"],
            ["type": "icon", "uri": "ccdefault:", "name": "main", "ext": "png"],
        ])
        let out = try CardEncoder.json(card, spec: .v3, assets: CardAssets(files: files))
        let written = try CharacterCard.parse(out.bytes)
        XCTAssertEqual(uris(written), ["data:image/png;base64," + sprite(1).base64EncodedString(), "ccdefault:"])

        // And back into a CHARX, the data: URI becomes a file again.
        let zip = try CharX.read(try CardEncoder.charx(written, avatar: nil, date: Date(timeIntervalSince1970: 0)).bytes)
        XCTAssertEqual(uris(try CharacterCard.parse(zip.cardJSON)), ["embeded://assets/emotion/image/1.png", "ccdefault:"])
        XCTAssertEqual(zip.assets, [CharXAsset(path: "assets/emotion/image/1.png", data: sprite(1))])
    }

    func testPNGWithV2EmotionSpritesToCharXCarriesThemAsEmotionAssets() throws {
        let v2 = try v2CardWithEmotions([["happy", "__asset:1"], ["sad", "__asset:2"]])
        // As RisuAI's V2 export writes it: chunks, then chara.
        let png = try CardPNG.embed(chara: v2.compactJSON, ccv3: nil,
                                    assets: [("1", sprite(1)), ("2", sprite(2))], into: try image())
        let input = try CardFile.read(png)
        XCTAssertEqual(input.assets.count, 2)

        let avatar = try CardPNG.embed(chara: nil, ccv3: nil, into: input.bytes)
        XCTAssertFalse(try keywords(avatar).contains { $0.hasPrefix("chara") }, "the icon keeps no card or asset chunks")
        let out = try CardEncoder.charx(input.card, avatar: avatar, assets: input.assets, date: Date(timeIntervalSince1970: 0))
        XCTAssertEqual(out.warnings, [])
        let zip = try CharX.read(out.bytes)
        let card = try CharacterCard.parse(zip.cardJSON)
        XCTAssertEqual(card.fields["assets"], .array([
            ["type": "icon", "uri": "embeded://assets/icon/image/main.png", "name": "main", "ext": "png"],
            ["type": "emotion", "uri": "embeded://assets/emotion/image/1.png", "name": "happy", "ext": "png"],
            ["type": "emotion", "uri": "embeded://assets/emotion/image/2.png", "name": "sad", "ext": "png"],
        ]))
        XCTAssertNil(card.fields["extensions"]?["risuai"]?["emotions"], "V3 readers look for sprites in data.assets")
        XCTAssertEqual(card.fields["extensions"]?["risuai"]?["viewScreen"], "emotion")
        XCTAssertEqual(zip.assets.map(\.path), ["assets/icon/image/main.png", "assets/emotion/image/1.png", "assets/emotion/image/2.png"])
        XCTAssertEqual(zip.asset(forURI: "embeded://assets/emotion/image/2.png")?.data, sprite(2))
        XCTAssertEqual(zip.assets[0].data, avatar)
    }

    func testPNGIntoAnotherImageCarriesAndRenumbersChunks() throws {
        let v2 = try v2CardWithEmotions([["happy", "__asset:7"], ["sad", "__asset:3"], ["again", "__asset:7"]])
        let png = try CardPNG.embed(chara: v2.compactJSON, ccv3: nil, assets: [("7", sprite(1)), ("3", sprite(2))], into: try image())
        // The target image has an old card's asset chunk: it goes.
        let target = try CardPNG.embed(chara: nil, ccv3: nil, assets: [("1", sprite(9))], into: try image())
        let input = try CardFile.read(png)

        let out = try CardEncoder.png(input.card, spec: .v3, into: target, assets: input.assets)
        XCTAssertEqual(try keywords(out.bytes), ["chara-ext-asset_:1", "chara-ext-asset_:2", "chara", "ccv3"])
        let back = try CardFile.read(out.bytes)
        XCTAssertEqual(back.assets.chunks, ["1": sprite(1), "2": sprite(2)])
        // ccv3 (V3): sprites as emotion assets; chara (V2): RisuAI's list, same chunks.
        XCTAssertEqual(uris(back.card), ["__asset:1", "__asset:2", "__asset:1"])
        XCTAssertEqual(try chunkCard(out.bytes, "chara").fields["extensions"]?["risuai"]?["emotions"],
                       .array([["happy", "__asset:1"], ["sad", "__asset:2"], ["again", "__asset:1"]]))
    }

    func testDanglingAndBrokenReferencesAreDroppedWithAWarning() throws {
        let v2 = try v2CardWithEmotions([["happy", "__asset:1"], ["lost", "__asset:9"], ["bad", "__asset:2"], ["url", "http://x.invalid/a.png"]])
        var body = Data("chara-ext-asset_:2".utf8)
        body.append(0)
        body.append(Data("not base64 !!".utf8))
        var png = try CardPNG.embed(chara: v2.compactJSON, ccv3: nil, assets: [("1", sprite(1))], into: try image())
        // Append a broken asset chunk before IEND by re-writing the chunk list.
        var chunks = try PNGChunkReader.chunks(in: png)
        chunks.insert(PNGChunk(type: "tEXt", data: body), at: chunks.count - 1)
        png = try PNGChunkWriter.write(chunks)

        let input = try CardFile.read(png)
        XCTAssertEqual(Array(input.assets.brokenChunks.keys), ["2"])
        let out = try CardEncoder.json(input.card, spec: .v2, assets: input.assets)
        let written = try CharacterCard.parse(out.bytes)
        XCTAssertEqual(written.fields["extensions"]?["risuai"]?["emotions"],
                       .array([["happy", .string(sprite(1).base64EncodedString())], ["url", "http://x.invalid/a.png"]]))
        XCTAssertEqual(out.warnings.count, 2)
        XCTAssertEqual(out.warnings[0], "dropped emotion \"lost\" (__asset:9): the input has no chara-ext-asset_:9 chunk")
        XCTAssertTrue(out.warnings[1].hasPrefix("dropped emotion \"bad\" (__asset:2): the chara-ext-asset_:2 chunk at byte"),
                      out.warnings[1])
    }

    func testAssetChunkKeysAreReadAsRisuAIReadsThem() throws {
        let v3 = try v3Card(assets: [["type": "emotion", "uri": "__asset:5", "name": "happy", "ext": "png"]])
        var chunks = try PNGChunkReader.chunks(in: try CardPNG.embed(chara: nil, ccv3: v3.compactJSON, into: try image()))
        var body = Data("chara-ext-asset_5".utf8)   // no colon: RisuAI's importer accepts it too
        body.append(0)
        body.append(sprite(4).base64EncodedData())
        chunks.insert(PNGChunk(type: "tEXt", data: body), at: chunks.count - 1)
        let input = try CardFile.read(try PNGChunkWriter.write(chunks))
        XCTAssertEqual(input.assets.chunks, ["5": sprite(4)])
        let out = try CardEncoder.png(input.card, spec: .v3, into: try image(), assets: input.assets)
        XCTAssertEqual(uris(try CardFile.read(out.bytes).card), ["__asset:1"])
    }

    func testBareBase64SpritesInAV2ListBecomeFiles() throws {
        let v2 = try v2CardWithEmotions([["happy", .string(sprite(3).base64EncodedString())], ["word", "smile"]])
        let out = try CardEncoder.charx(v2, avatar: nil, date: Date(timeIntervalSince1970: 0))
        let zip = try CharX.read(out.bytes)
        let card = try CharacterCard.parse(zip.cardJSON)
        XCTAssertEqual(uris(card), ["embeded://assets/emotion/image/1.png", "smile"])
        XCTAssertEqual(zip.assets, [CharXAsset(path: "assets/emotion/image/1.png", data: sprite(3))])
    }

    func testAnInputCardBecomesSelfContainedForTheJob() throws {
        let files = [CharXAsset(path: "assets/icon/image/main.png", data: sprite(8)),
                     CharXAsset(path: "assets/emotion/image/happy.png", data: sprite(1))]
        let card = try v3Card(assets: [
            ["type": "icon", "uri": "embeded://assets/icon/image/main.png", "name": "main", "ext": "png"],
            ["type": "emotion", "uri": "embeded://assets/emotion/image/happy.png", "name": "happy", "ext": "png"],
        ])
        let zip = try CardEncoder.charx(card, avatar: nil, assets: CardAssets(files: files), date: Date(timeIntervalSince1970: 0)).bytes
        let file = try CardFile.read(zip)
        let (inline, warnings) = try CardParametersStage.selfContained(file, limit: 1 << 24)
        XCTAssertEqual(warnings, [])
        XCTAssertEqual(uris(inline), ["ccdefault:", "data:image/png;base64," + sprite(1).base64EncodedString()])

        let (bare, tooBig) = try CardParametersStage.selfContained(file, limit: inline.compactJSON.count - 1)
        XCTAssertEqual(uris(bare), ["ccdefault:"])
        XCTAssertEqual(tooBig.count, 2)
        XCTAssertTrue(tooBig[0].contains("over the"), tooBig[0])
    }
}
