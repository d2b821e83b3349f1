import Foundation
import XCTest
@testable import DropForgeKit

/// `kind: card` manifests (DESIGN §3, README "Character cards"): strict parsing of `card:` and
/// its resolution into `CardSettings`.
final class CardManifestTests: XCTestCase {
    private var roots: [URL] = []

    override func tearDown() {
        for root in roots { try? FileManager.default.removeItem(at: root) }
        roots = []
        super.tearDown()
    }

    private func root(_ files: [String: String] = [:]) throws -> URL {
        let root = try ManifestFixtures.makeRoot(files)
        roots.append(root)
        return root
    }

    private func resolve(_ text: String, file: String = "lin.yaml", root: URL) throws -> JobSettings {
        try ManifestLoader.load(Data(text.utf8), fileName: file, rootDirectory: root, config: DropforgeConfig()).settings
    }

    private func resolveError(_ text: String, root: URL, line: UInt = #line) -> ManifestError? {
        do {
            _ = try resolve(text, root: root)
            XCTFail("expected an error", line: line)
        } catch let problems as ManifestProblems {
            return problems.errors.first
        } catch {
            XCTFail("unexpected \(error)", line: line)
        }
        return nil
    }

    /// `version`, `kind: card` and the given lines.
    private func card(_ lines: String) -> String {
        "version: 1\nkind: card\n" + lines
    }

    // MARK: Parsing

    static let fullYAML = """
    version: 1
    kind: card
    name: captain-lin
    card:
      spec: v2
      source_material: |
        # Captain Mei Lin
        ## Description
        Captain Mei Lin commands the airship Kestrel.
      input_card: cards/base.png
      fields:
        creator: studio-a
        tags: [airship, captain]
        source: https://example.com/lin
        character_version: "2.1"
      book:
        keep: false
        name: Lin's book
        entries:
          - {keys: [Kestrel, airship], content: "The Kestrel is a courier airship.", position: after_char, insertion_order: 5}
      avatar: {prompt: "portrait of an airship captain", provider: local, seed: 7, size: 384}
      writer: local
    generate:
      provider: local
    export:
      formats: [card_png, card_json, charx]
    """

    static let fullJSON = #"""
    {"version": 1, "kind": "card", "name": "captain-lin",
     "card": {"spec": "v2",
              "source_material": "# Captain Mei Lin\n## Description\nCaptain Mei Lin commands the airship Kestrel.\n",
              "input_card": "cards/base.png",
              "fields": {"creator": "studio-a", "tags": ["airship", "captain"], "source": "https://example.com/lin",
                         "character_version": "2.1"},
              "book": {"keep": false, "name": "Lin's book",
                       "entries": [{"keys": ["Kestrel", "airship"], "content": "The Kestrel is a courier airship.",
                                    "position": "after_char", "insertion_order": 5}]},
              "avatar": {"prompt": "portrait of an airship captain", "provider": "local", "seed": 7, "size": 384},
              "writer": "local"},
     "generate": {"provider": "local"},
     "export": {"formats": ["card_png", "card_json", "charx"]}}
    """#

    static var expectedCard: ManifestCard {
        var card = ManifestCard()
        card.spec = .v2
        card.sourceMaterial = "# Captain Mei Lin\n## Description\nCaptain Mei Lin commands the airship Kestrel.\n"
        card.inputCard = "cards/base.png"
        card.fields = [CardFieldValue(key: "creator", text: "studio-a"),
                       CardFieldValue(key: "tags", list: ["airship", "captain"]),
                       CardFieldValue(key: "source", list: ["https://example.com/lin"]),
                       CardFieldValue(key: "character_version", text: "2.1")]
        var book = CardBookSettings()
        book.keep = false
        book.name = "Lin's book"
        var entry = CardBookEntry(keys: ["Kestrel", "airship"], content: "The Kestrel is a courier airship.")
        entry.position = "after_char"
        entry.insertionOrder = 5
        book.entries = [entry]
        card.book = book
        var avatar = ManifestAvatar()
        avatar.prompt = "portrait of an airship captain"
        avatar.provider = "local"
        avatar.seed = 7
        avatar.size = 384
        card.avatar = avatar
        card.writer = "local"
        return card
    }

    func testFullCardManifestInYAMLAndJSON() throws {
        for (text, file) in [(Self.fullYAML, "lin.yaml"), (Self.fullJSON, "lin.json")] {
            let manifest = try ManifestFixtures.parse(text, file: file)
            XCTAssertEqual(manifest.kind, .card, file)
            XCTAssertEqual(manifest.name, "captain-lin", file)
            XCTAssertEqual(manifest.card, Self.expectedCard, file)
            XCTAssertEqual(manifest.export.formats, [.cardPNG, .cardJSON, .charx], file)
            XCTAssertEqual(manifest.generate.provider, "local", file)
        }
        // A bare card manifest has an empty card block, not none.
        XCTAssertEqual(try ManifestFixtures.parse(card("")).card, ManifestCard())
        // An image avatar instead of a prompt.
        let image = try ManifestFixtures.parse(card("card: {avatar: {image: art/lin.png}}\n"))
        XCTAssertEqual(image.card?.avatar?.image, "art/lin.png")
        XCTAssertNil(image.card?.avatar?.prompt)
    }

    func testParamsInACardManifest() {
        XCTAssertManifestError(ManifestFixtures.parseError(card("params: {template: x}\n")),
                               line: 3, column: 9, field: "params", contains: "card:")
    }

    func testCardInAnImagesManifest() {
        let error = ManifestFixtures.parseError("version: 1\nkind: images\nparams: {template: x}\ncard: {spec: v3}\n")
        XCTAssertManifestError(error, line: 4, column: 7, field: "card", contains: "kind: card")
    }

    func testUnknownKeysInCardAndFields() {
        XCTAssertManifestError(ManifestFixtures.parseError(card("card:\n  spce: v3\n")),
                               line: 4, column: 3, field: "card.spce", contains: "unknown key 'spce' (did you mean 'spec'?)")
        XCTAssertManifestError(ManifestFixtures.parseError(card("card:\n  fields: {creater: x}\n")),
                               line: 4, column: 12, field: "card.fields.creater", contains: "did you mean 'creator'?")
        let extensions = ManifestFixtures.parseError(card("card:\n  fields: {extensions: {a: 1}}\n"))
        XCTAssertEqual(extensions?.field, "card.fields.extensions")
        XCTAssertTrue(extensions?.message.contains("unknown key 'extensions'") == true, "\(String(describing: extensions))")
    }

    func testSpecMustBeV2OrV3() {
        XCTAssertManifestError(ManifestFixtures.parseError(card("card: {spec: v1}\n")),
                               line: 3, column: 14, field: "card.spec", contains: "v1 is only read")
        XCTAssertManifestError(ManifestFixtures.parseError(card("card: {spec: v4}\n")),
                               line: 3, column: 14, field: "card.spec", contains: "'v4' is not one of")
    }

    func testExclusiveAlternatives() {
        XCTAssertManifestError(ManifestFixtures.parseError(card("card:\n  avatar: {prompt: p, image: a.png}\n")),
                               line: 4, column: 30, field: "card.avatar.image", contains: "not both")
        XCTAssertManifestError(ManifestFixtures.parseError(card("card: {source_material: x, source_file: a.md}\n")),
                               line: 3, column: 41, field: "card.source_file", contains: "not both")
        let seeded = ManifestFixtures.parseError(card("card:\n  avatar: {image: a.png, seed: 3}\n"))
        XCTAssertEqual(seeded?.field, "card.avatar.seed")
        XCTAssertTrue(seeded?.message.contains("only applies to a generated avatar") == true, "\(String(describing: seeded))")
    }

    func testFieldValueShapes() throws {
        let manifest = try ManifestFixtures.parse(card("card:\n  fields: {tags: solo, name: Ann, creator: null}\n"))
        XCTAssertEqual(manifest.card?.fields, [CardFieldValue(key: "tags", list: ["solo"]), CardFieldValue(key: "name", text: "Ann")])
        let error = ManifestFixtures.parseError(card("card:\n  fields: {name: [a, b]}\n"))
        XCTAssertEqual(error?.field, "card.fields.name")
        XCTAssertTrue(error?.message.contains("expected a string") == true, "\(String(describing: error))")
    }

    func testBookEntryWithoutKeys() {
        let text = card("card:\n  book:\n    entries:\n      - {content: x}\n")
        XCTAssertManifestError(ManifestFixtures.parseError(text), line: 6, column: 9,
                               field: "card.book.entries[0].keys", contains: "missing required field 'keys'")
        let empty = ManifestFixtures.parseError(card("card:\n  book:\n    entries:\n      - {keys: [], content: x}\n"))
        XCTAssertEqual(empty?.field, "card.book.entries[0].keys")
        XCTAssertTrue(empty?.message.contains("at least one key") == true, "\(String(describing: empty))")
        let position = ManifestFixtures.parseError(card("card:\n  book:\n    entries:\n      - {keys: [k], content: x, position: 0}\n"))
        XCTAssertEqual(position?.field, "card.book.entries[0].position")
    }

    func testExportFormatsMustFitTheKind() {
        XCTAssertManifestError(ManifestFixtures.parseError(card("export: {formats: [card_json, png]}\n")),
                               line: 3, column: 19, field: "export.formats",
                               contains: "'png' is not an export of kind card jobs (allowed: card_png, card_json, charx, json, yaml, html)")
        XCTAssertManifestError(
            ManifestFixtures.parseError("version: 1\nkind: images\nparams: {template: x}\nexport: {formats: [card_png]}\n"),
            line: 4, column: 19, field: "export.formats",
            contains: "'card_png' is not an export of kind images jobs (allowed: png, csv, json, yaml, html, contact_sheet, xlsx)")
    }

    func testPathsAreCheckedAsWritten() {
        XCTAssertManifestError(ManifestFixtures.parseError(card("card: {input_card: ../x}\n")),
                               line: 3, column: 20, field: "card.input_card", contains: "contains '..'")
        XCTAssertManifestError(ManifestFixtures.parseError(card("card: {source_file: /etc/passwd}\n")),
                               line: 3, column: 21, field: "card.source_file", contains: "is absolute")
    }

    // MARK: Resolution

    func testDefaults() throws {
        let settings = try resolve(card("card: {source_material: \"# Ann\"}\n"), root: try root())
        XCTAssertEqual(settings.kind, .card)
        XCTAssertEqual(settings.name, "lin")
        XCTAssertEqual(settings.export.formats, [.cardPNG, .cardJSON])
        let card = try XCTUnwrap(settings.card)
        XCTAssertEqual(card.spec, .v3)
        XCTAssertEqual(card.source, "# Ann")
        XCTAssertNil(card.sourceFile)
        XCTAssertNil(card.inputCard)
        XCTAssertEqual(card.avatar, CardAvatarSettings(prompt: nil, image: nil, provider: "local", seed: nil, size: 512))
        XCTAssertEqual(card.writer, "local")
        XCTAssertEqual(card.book, CardBookSettings())
        XCTAssertEqual(card.fields, [])
        XCTAssertEqual(settings.params.size, 512)
        XCTAssertEqual(settings.generate.provider, "local")
    }

    func testProfileExportsDoNotApplyToCardJobs() throws {
        let root = try root(["config/profiles/default.yaml": "description: images\nexport:\n  formats: [png, xlsx]\nquality:\n  enabled: false\n"])
        let settings = try resolve(card("name: Lin\n"), root: root)
        XCTAssertEqual(settings.profileName, "default")
        XCTAssertEqual(settings.export.formats, [.cardPNG, .cardJSON])
        XCTAssertEqual(settings.quality.enabled, false, "quality still comes from the profile")
        XCTAssertEqual(try resolve(card("export: {formats: [charx, json]}\n"), root: root).export.formats, [.charx, .json])
    }

    func testSourceFileIsReadAndFilesAreLocated() throws {
        let text = "# Captain Mei Lin\r\n## Description\r\nCommands the Kestrel \u{2014} always.\r\n"
        let root = try root(["config/sources/lin.md": text, "config/cards/base.json": #"{"name":"Base"}"#,
                             "config/art/lin.png": "not checked here"])
        let settings = try resolve(card("""
        card:
          source_file: sources/lin.md
          input_card: cards/base.json
          avatar: {image: art/lin.png}
        """), root: root)
        let card = try XCTUnwrap(settings.card)
        XCTAssertEqual(card.source, text, "read verbatim")
        XCTAssertEqual(card.sourceFile, "sources/lin.md")
        XCTAssertEqual(card.inputCard, "config/cards/base.json", "relative to the root")
        XCTAssertEqual(card.avatar.image, "config/art/lin.png")
        XCTAssertNil(card.avatar.prompt)
    }

    func testMissingFilesAreErrorsAtTheirField() throws {
        let root = try root()
        XCTAssertManifestError(resolveError(card("card:\n  source_file: sources/none.md\n"), root: root),
                               line: 4, column: 16, field: "card.source_file", contains: "not found")
        XCTAssertManifestError(resolveError(card("card:\n  input_card: cards/none.png\n"), root: root),
                               line: 4, column: 15, field: "card.input_card", contains: "not found")
        XCTAssertManifestError(resolveError(card("card:\n  avatar: {image: none.png}\n"), root: root),
                               line: 4, column: 19, field: "card.avatar.image", contains: "not found")
        let escape = resolveError(card("card:\n  input_card: ../x\n"), root: root)
        XCTAssertEqual(escape?.field, "card.input_card")
        XCTAssertTrue(escape?.message.contains("'..'") == true, "\(String(describing: escape))")
    }

    func testUnknownProviders() throws {
        let root = try root()
        XCTAssertManifestError(resolveError(card("card:\n  writer: nope\n"), root: root),
                               line: 4, column: 11, field: "card.writer", contains: "unknown provider 'nope'")
        let avatar = resolveError(card("card: {avatar: {prompt: p, provider: nope}}\n"), root: root)
        XCTAssertEqual(avatar?.field, "card.avatar.provider")
        XCTAssertTrue(avatar?.message.contains("unknown provider 'nope'") == true, "\(String(describing: avatar))")
        let generate = resolveError(card("generate: {provider: nope}\n"), root: root)
        XCTAssertEqual(generate?.field, "generate.provider")
    }

    func testAvatarSettingsAreResolved() throws {
        let settings = try resolve(card("card: {avatar: {prompt: \"a captain\", seed: 7, size: 384}}\n"), root: try root())
        XCTAssertEqual(settings.card?.avatar, CardAvatarSettings(prompt: "a captain", provider: "local", seed: 7, size: 384))
        XCTAssertEqual(settings.params.size, 384)
        XCTAssertEqual(settings.params.seed, 7)
        XCTAssertEqual(settings.generate.provider, "local")
    }
}
