import Foundation
import XCTest
@testable import DropForgeKit
@testable import DropForgeJSON
@testable import DropForgeCards

/// Reading real cards, upgrading them without loss, lenient reading of real-world drift and the
/// strict validator (README "Character cards", DESIGN §6).
final class CharacterCardTests: XCTestCase {
    // MARK: Helpers

    private func card(_ json: String) throws -> CharacterCard {
        try CharacterCard.parse(Data(json.utf8))
    }

    /// The card written compactly and parsed again (what a PNG chunk or CHARX holds).
    private func reparsed(_ card: CharacterCard) throws -> CharacterCard {
        try CharacterCard.parse(card.compactJSON)
    }

    private func errorPaths(_ issues: [CardValidator.Issue]) -> [String] {
        issues.filter { $0.severity == .error }.map(\.path)
    }

    private func assertCardError(_ data: Data, contains text: String, line: UInt = #line) {
        XCTAssertThrowsError(try CardFile.read(data), line: line) { error in
            guard let cardError = error as? CardError else {
                return XCTFail("expected a CardError, got \(type(of: error)): \(error)", line: line)
            }
            XCTAssertTrue(cardError.message.contains(text), "'\(cardError.message)' lacks '\(text)'", line: line)
        }
    }

    static let v1TextFields = ["name", "description", "personality", "scenario", "first_mes", "mes_example"]

    // MARK: Real fixtures

    // Expected key counts were computed from the fixture bytes with python3: for the PNGs, the
    // tEXt chunk keyed ccv3 (else chara) base64-decoded and json.loads'ed; then
    // len(card["data"]) for V2/V3 and len(card) for V1 (Aqua: json.load of the file).

    func testAquaV1JSON() throws {
        let file = try CardFile.read(try RealCards.data("Aqua_v1.json"))
        XCTAssertEqual(file.container, .json)
        XCTAssertEqual(file.card.spec, .v1)
        XCTAssertEqual(file.card.name, "Aqua")
        XCTAssertEqual(file.card.fields.count, 8)  // python3: len(json.load(f)) == 8
        XCTAssertEqual(Array(file.card.fields.keys),
                       ["name", "description", "personality", "first_mes", "avatar", "chat", "last_mes", "mes_example"])
        XCTAssertEqual(file.card.text("mes_example"), "")
        XCTAssertNil(file.card.text("scenario"))
        XCTAssertTrue(file.chunks.isEmpty)
        XCTAssertNil(file.chosenChunk)
        XCTAssertNil(file.card.book)
    }

    func testMeguminV1PNG() throws {
        let file = try CardFile.read(try RealCards.data("Megumin_v1.png"))
        XCTAssertEqual(file.container, .png)
        XCTAssertEqual(file.card.spec, .v1)
        XCTAssertEqual(file.card.name, "Megumin")
        XCTAssertEqual(file.card.fields.count, 9)  // python3: len(card) of the chara chunk == 9
        XCTAssertEqual(file.chunks.map(\.name), ["chara"])
        XCTAssertEqual(file.chosenChunk, "chara")
        XCTAssertEqual(file.card.text("create_date"), "1674407315335")
        XCTAssertTrue(file.card.strings("alternate_greetings").isEmpty)
    }

    func testFluxTheCatV2PNG() throws {
        let file = try CardFile.read(try RealCards.data("default_FluxTheCat.png"))
        XCTAssertEqual(file.card.spec, .v2)
        XCTAssertEqual(file.card.name, "Flux the Cat")
        XCTAssertEqual(file.card.fields.count, 14)  // python3: len(card["data"]) of the chara chunk == 14
        XCTAssertEqual(file.card.strings("alternate_greetings").count, 0)
        XCTAssertEqual(file.card.strings("tags").count, 0)
        XCTAssertEqual(file.card.text("character_version"), "1.0.2")
        XCTAssertEqual(file.chunks.map(\.name), ["chara"])
        XCTAssertEqual(file.chosenChunk, "chara")
        XCTAssertNil(file.card.book)
        XCTAssertEqual(file.card.bookEntries.count, 0)
    }

    func testSeraphinaV3PNGFromCCV3() throws {
        let file = try CardFile.read(try RealCards.data("default_Seraphina.png"))
        XCTAssertEqual(file.card.spec, .v3)
        XCTAssertEqual(file.card.json["spec"], "chara_card_v3")
        XCTAssertEqual(file.card.name, "Seraphina")
        XCTAssertEqual(file.card.fields.count, 16)  // python3: len(card["data"]) of the ccv3 chunk == 16
        XCTAssertEqual(file.chunks.map(\.name), ["chara", "ccv3"])
        XCTAssertEqual(file.chosenChunk, "ccv3")
        XCTAssertEqual(file.card.bookEntries.count, 4)
        XCTAssertEqual(file.card.book?["name"], "Eldoria")
        XCTAssertEqual(file.card.strings("alternate_greetings").count, 0)
        XCTAssertEqual(file.card.strings("tags").count, 0)
        XCTAssertEqual(file.card.strings("group_only_greetings"), [])
        XCTAssertEqual(file.card.bookEntries.first?["keys"], ["eldoria", "wood", "forest", "magical forest"])
    }

    // MARK: Upgrades keep every text

    func testMeguminToV3KeepsEveryTextExactly() throws {
        let original = try CardFile.read(try RealCards.data("Megumin_v1.png")).card
        let v3 = try original.converted(to: .v3)
        XCTAssertEqual(v3.spec, .v3)
        let back = try reparsed(v3)
        XCTAssertEqual(back.spec, .v3)
        XCTAssertEqual(back.json["spec_version"], "3.0")
        for key in Self.v1TextFields {
            let text = try XCTUnwrap(original.text(key), key)
            XCTAssertEqual(back.text(key), text, "data.\(key)")
            XCTAssertEqual(back.json[key]?.stringValue, text, "root \(key) (kept for V1 readers)")
        }
        XCTAssertTrue(try XCTUnwrap(back.text("mes_example")).contains("\r\n"))
        XCTAssertTrue(Self.v1TextFields.contains { back.text($0)?.contains("\u{2019}") == true },
                      "the typographic apostrophe survives")
        // The V1 root keys are all still there, in their original order, before the new ones.
        let rootKeys = Array(try XCTUnwrap(back.json.objectValue).keys)
        XCTAssertEqual(Array(rootKeys.prefix(9)), Array(original.fields.keys))
        XCTAssertEqual(Array(rootKeys.dropFirst(9)), ["spec", "spec_version", "data"])
        XCTAssertEqual(back.json["avatar"], "none")
        XCTAssertEqual(back.json["chat"], "1673323621108")
        XCTAssertEqual(back.json["create_date"], "1674407315335")
        // V2/V3 fields added with their empty defaults.
        XCTAssertEqual(back.fields["alternate_greetings"], [])
        XCTAssertEqual(back.fields["group_only_greetings"], [])
        XCTAssertEqual(back.fields["extensions"], .object([:]))
        XCTAssertEqual(back.text("creator_notes"), "")
        XCTAssertEqual(errorPaths(CardValidator.validate(back)), [])
    }

    func testAquaKeepsItsExtraKeysThroughEveryConversion() throws {
        let original = try CardFile.read(try RealCards.data("Aqua_v1.json")).card
        let lastMes: JSONValue = [",,,,,,,,,,", ""]
        XCTAssertEqual(original.json["last_mes"], lastMes)

        func check(_ card: CharacterCard, _ label: String) {
            XCTAssertEqual(card.json["avatar"], "18940f27a7ecd95cded2793808387ed4.jpeg", label)
            XCTAssertEqual(card.json["chat"], "1671653516700", label)
            XCTAssertEqual(card.json["last_mes"], lastMes, label)
            XCTAssertEqual(card.name, "Aqua", label)
        }
        let v2 = try original.converted(to: .v2)
        XCTAssertEqual(v2.spec, .v2)
        check(try reparsed(v2), "v2")
        let v3 = try original.converted(to: .v3)
        XCTAssertEqual(v3.spec, .v3)
        check(try reparsed(v3), "v3")
        for spec in [CharacterCard.Spec.v2, .v3] {
            let encoded = try CharacterCard.parse(try CardEncoder.json(original, spec: spec).bytes)
            XCTAssertEqual(encoded.spec, spec)
            check(encoded, "CardEncoder.json \(spec)")
        }
        // The exact array literal is in the compact form.
        XCTAssertTrue(String(decoding: v3.compactJSON, as: UTF8.self).contains(#""last_mes":[",,,,,,,,,,",""]"#))
    }

    func testConvertingKeepsKeyOrderAndNumberLiterals() throws {
        let flux = try CardFile.read(try RealCards.data("default_FluxTheCat.png")).card
        let v3 = try flux.converted(to: .v3)
        XCTAssertEqual(Array(v3.fields.keys), Array(flux.fields.keys) + ["group_only_greetings"])
        XCTAssertEqual(Array(try XCTUnwrap(v3.json.objectValue).keys), Array(try XCTUnwrap(flux.json.objectValue).keys),
                       "spec and spec_version change in place")
        XCTAssertEqual(v3.json["spec"], "chara_card_v3")
        XCTAssertEqual(v3.json["spec_version"], "3.0")
        XCTAssertEqual(v3.json["talkativeness"], .string("0.5"))
        XCTAssertEqual(v3.fields["extensions"]?["talkativeness"], .string("0.5"))
        XCTAssertEqual(v3.json["fav"], .bool(false))
        // Back to V2: relabelled only, the V3 field stays.
        let v2 = try v3.converted(to: .v2)
        XCTAssertEqual(v2.json["spec"], "chara_card_v2")
        XCTAssertEqual(v2.json["spec_version"], "2.0")
        XCTAssertEqual(Array(v2.fields.keys), Array(v3.fields.keys))

        // Number literals are written exactly as read, wherever they are.
        let odd = try card(#"""
        {"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"N","extensions":{"a":1.0,"b":1e2,"c":-0,"d":0.10,"e":12345678901234567890},"character_book":{"extensions":{},"entries":[{"keys":["k"],"content":"c","extensions":{},"enabled":true,"insertion_order":1.50}]}}}
        """#)
        let text = String(decoding: try odd.converted(to: .v3).compactJSON, as: UTF8.self)
        XCTAssertTrue(text.contains(#""extensions":{"a":1.0,"b":1e2,"c":-0,"d":0.10,"e":12345678901234567890}"#), text)
        XCTAssertTrue(text.contains(#""insertion_order":1.50,"use_regex":false}"#), text)
        XCTAssertTrue(text.hasSuffix(#""group_only_greetings":[]}}"#), text)
    }

    func testConvertingDownToV1IsRefused() throws {
        let flux = try CardFile.read(try RealCards.data("default_FluxTheCat.png")).card
        XCTAssertThrowsError(try flux.converted(to: .v1)) { error in
            XCTAssertTrue(String(describing: error).contains("V1"), "\(error)")
        }
        let aqua = try CardFile.read(try RealCards.data("Aqua_v1.json")).card
        XCTAssertEqual(try aqua.converted(to: .v1), aqua)
    }

    // MARK: Lenient drift, strict validation

    static let drift = #"""
    {"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Drift","description":"d","personality":"","scenario":"","first_mes":"hello","mes_example":"","creator_notes":"","system_prompt":"","post_history_instructions":"","alternate_greetings":"hi","tags":["t"],"creator":"","character_version":1.2,"extensions":{},"character_book":{"name":"b","entries":[{"keys":["k"],"content":"c","extensions":{},"enabled":true,"insertion_order":100,"position":0}]}}}
    """#

    func testDriftReadsLeniently() throws {
        let card = try card(Self.drift)
        XCTAssertEqual(card.spec, .v2)
        XCTAssertEqual(card.strings("alternate_greetings"), ["hi"])
        XCTAssertEqual(card.text("character_version"), "1.2")
        XCTAssertEqual(card.bookEntries.count, 1)
        XCTAssertEqual(card.bookEntries.first?["position"], .number("0"))
        // Upgrading does not "fix" what it reads: the literals stay as written.
        let v3 = try card.converted(to: .v3)
        XCTAssertEqual(v3.fields["character_version"], .number("1.2"))
        XCTAssertEqual(v3.fields["alternate_greetings"], "hi")
        XCTAssertEqual(v3.bookEntries.first?["use_regex"], false)

        let nullBook = try self.card(#"{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"N","character_book":null}}"#)
        XCTAssertNil(nullBook.book)
        XCTAssertEqual(nullBook.bookEntries.count, 0)
        XCTAssertEqual(nullBook.strings("alternate_greetings"), [])
        XCTAssertEqual(try nullBook.converted(to: .v3).fields["character_book"], .null, "null is kept, not dropped")
    }

    func testValidatorReportsEachDepartureWithItsPath() throws {
        let issues = CardValidator.validate(try card(Self.drift))
        XCTAssertEqual(Set(errorPaths(issues)), [
            "$.data.alternate_greetings",
            "$.data.character_version",
            "$.data.character_book.extensions",
            "$.data.character_book.entries[0].position",
        ], "\(issues)")
        XCTAssertEqual(issues.filter { $0.severity == .warning }, [])
        let byPath = Dictionary(issues.map { ($0.path, $0.message) }, uniquingKeysWith: { first, _ in first })
        XCTAssertEqual(byPath["$.data.alternate_greetings"], "expected an array of strings, found the string \"hi\"")
        XCTAssertEqual(byPath["$.data.character_version"], "expected a string, found the number 1.2")
        XCTAssertEqual(byPath["$.data.character_book.extensions"], "missing (expected an object)")
        XCTAssertEqual(byPath["$.data.character_book.entries[0].position"],
                       "expected \"before_char\" or \"after_char\", found the number 0")

        // As V3 the same card also lacks use_regex and group_only_greetings, and its labels are wrong.
        let asV3 = Set(errorPaths(CardValidator.validate(try card(Self.drift), as: .v3)))
        XCTAssertTrue(asV3.isSuperset(of: ["$.spec", "$.spec_version", "$.data.group_only_greetings",
                                           "$.data.character_book.entries[0].use_regex"]), "\(asV3)")

        let nullBook = try card(#"{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"N","character_book":null}}"#)
        let nullIssues = CardValidator.validate(nullBook)
        XCTAssertTrue(errorPaths(nullIssues).contains("$.data.character_book"), "\(nullIssues)")
        XCTAssertTrue(errorPaths(nullIssues).contains("$.data.description"), "missing fields are errors")

        let unknown = try card(#"{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"N","mood":"x"}}"#)
        XCTAssertTrue(CardValidator.validate(unknown).contains {
            $0.severity == .warning && $0.path == "$.data.mood"
        })
    }

    func testValidCardsValidateClean() throws {
        let flux = try CardFile.read(try RealCards.data("default_FluxTheCat.png")).card
        XCTAssertEqual(CardValidator.validate(flux, as: .v2), [])

        var settings = CardSettings(source: "# Ann\n## Description\nAnn keeps bees.\n## Lore\n### hive, bees\nThe hive is old.\n")
        settings.book.entries = [CardBookEntry(keys: ["honey"], content: "Honey is gold.")]
        let planned = try CardPlanner(settings: settings, jobName: "ann").plan(input: nil).card
        XCTAssertEqual(planned.spec, .v3)
        XCTAssertEqual(planned.bookEntries.count, 2)
        XCTAssertEqual(CardValidator.validate(planned), [])
        XCTAssertEqual(errorPaths(CardValidator.validate(try planned.converted(to: .v2))), [])

        // The real V1 cards are valid V1 (their app keys at the root are tradition, not errors).
        for name in ["Aqua_v1.json", "Megumin_v1.png"] {
            let card = try CardFile.read(try RealCards.data(name)).card
            let issues = CardValidator.validate(card).filter { $0.severity == .error }
            // Aqua has no scenario at all; Megumin has every V1 field.
            XCTAssertEqual(issues.map(\.path), name == "Aqua_v1.json" ? ["$.scenario"] : [], name)
        }
    }

    func testNotACardIsAClearError() throws {
        assertCardError(Data("[1,2]".utf8), contains: "must be a JSON object, not array")
        assertCardError(Data(#"{"foo":1}"#.utf8), contains: "not a character card")
        assertCardError(Data(#"{"name":"x""#.utf8), contains: "card JSON is not valid")
        assertCardError(Data(#"{"spec":"chara_card_v2","data":"x"}"#.utf8), contains: "'data' must be an object")
        XCTAssertEqual(try CardFile.read(Data(#"{"name":"Tiny"}"#.utf8)).card.name, "Tiny", "a name alone is a V1 card")
        var limits = Limits()
        limits.cardJSONBytes = 10
        XCTAssertThrowsError(try CardFile.read(Data(#"{"name":"Too long"}"#.utf8), limits: limits)) { error in
            XCTAssertTrue((error as? CardError)?.message.contains("over the 10-byte limit") == true, "\(error)")
        }
    }
}
