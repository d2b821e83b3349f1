import DropForgeKit
import Foundation
import XCTest

/// Embedded files (emotion sprites, backgrounds) travelling with a card through `card convert`,
/// `card embed` and a card job, checked with `IndependentPNGReader` and `/usr/bin/unzip`.
extension CardEndToEndTests {
    /// Bytes that sniff as PNG and differ by `tag`.
    func sprite(_ tag: UInt8) -> Data { Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, tag, tag, tag, tag]) }

    /// A V3 card JSON (Aqua's fields) whose assets are the given `(type, name, uri)`.
    func cardJSON(assets: [(String, String, String)]) throws -> Data {
        var card = try jsonObject(Data(contentsOf: fixture("Aqua_v1.json")))
        let data: [String: Any] = ["name": "Aqua", "description": card["description"] as? String ?? "", "personality": "",
                                   "scenario": "", "first_mes": "Hi.", "mes_example": "", "creator_notes": "",
                                   "system_prompt": "", "post_history_instructions": "", "alternate_greetings": [String](),
                                   "tags": [String](), "creator": "", "character_version": "", "extensions": [String: Any](),
                                   "group_only_greetings": [String](),
                                   "assets": assets.map { ["type": $0.0, "name": $0.1, "uri": $0.2, "ext": "png"] }]
        card = ["spec": "chara_card_v3", "spec_version": "3.0", "data": data]
        return try JSONSerialization.data(withJSONObject: card, options: [.sortedKeys])
    }

    func assetURIs(_ card: [String: Any]) -> [String] {
        (dataOf(card)["assets"] as? [[String: Any]] ?? []).compactMap { $0["uri"] as? String }
    }

    func testEmbeddedFilesTravelBetweenJSONCharXAndPNG() throws {
        let folder = try scratchFolder()
        let happy = "data:image/png;base64," + sprite(1).base64EncodedString()
        let sky = "data:image/png;base64," + sprite(2).base64EncodedString()
        let json = folder.appendingPathComponent("aqua.json")
        try cardJSON(assets: [("icon", "main", "ccdefault:"), ("emotion", "happy", happy), ("background", "sky", sky)])
            .write(to: json)

        // JSON → CHARX: the data: URIs become files.
        let charx = folder.appendingPathComponent("aqua.charx")
        let toCharx = try card(["convert", json.path, "--to", "charx", "--image", fixture("default_Seraphina.png").path, "-o", charx.path])
        XCTAssertEqual(toCharx.status, 2, "--image is for PNG outputs only")
        let made = try card(["convert", json.path, "--to", "charx", "-o", charx.path])
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertEqual(made.stderr, "")
        let listing = try unzip(["-Z1", charx.path]).stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(listing, ["card.json", "assets/emotion/image/1.png", "assets/background/image/2.png"])
        XCTAssertEqual(try unzipEntry(charx, "assets/emotion/image/1.png"), sprite(1))
        XCTAssertEqual(assetURIs(try jsonObject(try unzipEntry(charx, "card.json"))),
                       ["ccdefault:", "embeded://assets/emotion/image/1.png", "embeded://assets/background/image/2.png"])

        // CHARX → PNG: each file is a chara-ext-asset_:N chunk and __asset:N in both forms.
        let png = folder.appendingPathComponent("aqua.png")
        let toPNG = try card(["convert", charx.path, "--to", "v3", "--image", fixture("Megumin_v1.png").path, "-o", png.path])
        XCTAssertEqual(toPNG.status, 0, toPNG.stderr)
        let texts = try readPNG(png).texts
        XCTAssertEqual(texts.map(\.keyword).filter { $0.hasPrefix("chara") || $0 == "ccv3" },
                       ["chara-ext-asset_:1", "chara-ext-asset_:2", "chara", "ccv3"])
        XCTAssertEqual(Data(base64Encoded: try XCTUnwrap(texts.first { $0.keyword == "chara-ext-asset_:2" }).text), sprite(2))
        XCTAssertEqual(assetURIs(try cardChunk(texts, "ccv3")), ["ccdefault:", "__asset:1", "__asset:2"])
        XCTAssertEqual(assetURIs(try cardChunk(texts, "chara")), ["ccdefault:", "__asset:1", "__asset:2"])
        XCTAssertFalse(String(decoding: try Data(contentsOf: png), as: UTF8.self).contains("embeded://"))

        // PNG → CHARX: the chunks become files again, and the icon keeps none of them.
        let again = folder.appendingPathComponent("again.charx")
        let back = try card(["convert", png.path, "--to", "charx", "-o", again.path])
        XCTAssertEqual(back.status, 0, back.stderr)
        XCTAssertEqual(try unzip(["-Z1", again.path]).stdout.split(separator: "\n").map(String.init),
                       ["card.json", "assets/icon/image/main.png", "assets/emotion/image/1.png", "assets/background/image/2.png"])
        XCTAssertEqual(try unzipEntry(again, "assets/background/image/2.png"), sprite(2))
        let icon = folder.appendingPathComponent("icon.png")
        try unzipEntry(again, "assets/icon/image/main.png").write(to: icon)
        XCTAssertEqual(try readPNG(icon).texts.map(\.keyword).filter { $0.hasPrefix("chara") || $0 == "ccv3" }, [])
        XCTAssertEqual(assetURIs(try jsonObject(try unzipEntry(again, "card.json"))),
                       ["embeded://assets/icon/image/main.png", "embeded://assets/emotion/image/1.png",
                        "embeded://assets/background/image/2.png"])

        // card embed from a CHARX, and CHARX → JSON (data: URIs).
        let embedded = folder.appendingPathComponent("embedded.png")
        let embed = try card(["embed", "--card", again.path, "--image", fixture("default_FluxTheCat.png").path, "-o", embedded.path])
        XCTAssertEqual(embed.status, 0, embed.stderr)
        let embeddedTexts = try readPNG(embedded).texts
        XCTAssertEqual(assetURIs(try cardChunk(embeddedTexts, "ccv3")), ["__asset:1", "__asset:2", "__asset:3"])
        XCTAssertEqual(embeddedTexts.filter { $0.keyword.hasPrefix("chara-ext-asset_:") }.count, 3)
        let out = try card(["convert", again.path, "--to", "v3"])
        XCTAssertEqual(out.status, 0, out.stderr)
        XCTAssertEqual(Array(assetURIs(try jsonObject(Data(out.stdout.utf8))).dropFirst()), [happy, sky])
    }

    func testAURIPointingNowhereIsDroppedWithAWarning() throws {
        let folder = try scratchFolder()
        let json = folder.appendingPathComponent("lost.json")
        try cardJSON(assets: [("emotion", "lost", "embeded://assets/emotion/image/lost.png"), ("emotion", "gone", "__asset:4")])
            .write(to: json)
        let png = folder.appendingPathComponent("lost.png")
        let result = try card(["convert", json.path, "--to", "v3", "--image", fixture("Megumin_v1.png").path, "-o", png.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("warning: \(json.path): dropped emotion \"lost\" (embeded://assets/emotion/image/lost.png): "
                                             + "it names a file inside a CHARX, and the input is not one"), result.stderr)
        XCTAssertTrue(result.stderr.contains("dropped emotion \"gone\" (__asset:4): the input has no chara-ext-asset_:4 chunk"),
                      result.stderr)
        XCTAssertEqual(assetURIs(try cardChunk(try readPNG(png).texts, "ccv3")), [])
    }

    func testACardJobCarriesItsInputCardsFiles() throws {
        let root = try TestRoot()
        let cards = root.layout.config.appendingPathComponent("cards")
        try FileManager.default.createDirectory(at: cards, withIntermediateDirectories: true)
        let json = cards.appendingPathComponent("aqua.json")
        try cardJSON(assets: [("emotion", "happy", "data:image/png;base64," + sprite(1).base64EncodedString())]).write(to: json)
        let charx = cards.appendingPathComponent("aqua.charx")
        XCTAssertEqual(try card(["convert", json.path, "--to", "charx", "-o", charx.path]).status, 0)

        try root.drop("aqua.yaml", """
            version: 1
            kind: card
            name: aqua-remix
            card:
              input_card: cards/aqua.charx
              avatar: {prompt: "portrait of a water goddess", seed: 5, size: 64}
            export:
              formats: [card_png, card_json, charx]
            """)
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        let base = try folder(of: "aqua.yaml", in: root)
        let texts = try readPNG(base.appendingPathComponent("cards/aqua.png")).texts
        XCTAssertEqual(assetURIs(try cardChunk(texts, "ccv3")), ["__asset:1"])
        XCTAssertEqual(Data(base64Encoded: try XCTUnwrap(texts.first { $0.keyword == "chara-ext-asset_:1" }).text), sprite(1))
        let published = base.appendingPathComponent("cards/aqua.charx")
        XCTAssertEqual(try unzipEntry(published, "assets/emotion/image/1.png"), sprite(1))
        XCTAssertEqual(assetURIs(try jsonObject(try unzipEntry(published, "card.json"))),
                       ["embeded://assets/icon/image/main.png", "embeded://assets/emotion/image/1.png"])
        XCTAssertEqual(assetURIs(try jsonObject(Data(contentsOf: base.appendingPathComponent("cards/aqua.json")))),
                       ["data:image/png;base64," + sprite(1).base64EncodedString()])
    }
}
