import DropForgeKit
import Foundation
import XCTest

/// Character-card jobs and the `dropforge card` commands, end to end: the real binary on
/// temporary roots, its PNGs read back by `IndependentPNGReader` (written from the PNG spec,
/// not dropforge's parser), JSON compared with Foundation's `JSONSerialization`, and CHARX
/// opened with `/usr/bin/unzip`.
final class CardEndToEndTests: XCTestCase {
    // MARK: - Helpers

    /// The real SillyTavern cards kept with the unit tests.
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("DropForgeKitTests/Fixtures/real-cards", isDirectory: true)

    func fixture(_ name: String) -> URL { Self.fixtures.appendingPathComponent(name) }

    /// A scratch folder for CLI outputs, removed after the test.
    func scratchFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("dropforge-card-e2e-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(at: url) }
        return url
    }

    /// Runs an executable with exactly these arguments (the card commands take no `--root`).
    func runTool(_ executable: URL, _ arguments: [String], timeout: TimeInterval = 60) throws -> CommandResult {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment.removeValue(forKey: "DROPFORGE_ROOT")
        environment.removeValue(forKey: "SOURCE_DATE_EPOCH")
        process.environment = environment
        let running = RunningCommand(process: process)
        try process.run()
        if !running.waitForExit(timeout) {
            process.terminate()
            XCTFail("\(executable.lastPathComponent) \(arguments.joined(separator: " ")) did not finish in \(timeout) s")
        }
        process.waitUntilExit()
        let result = running.result()
        // A crash (a trap, a signal) is never an acceptable answer to bad input.
        XCTAssertEqual(process.terminationReason, .exit, "\(arguments) ended by a signal: \(result.stderr)")
        return result
    }

    func card(_ arguments: [String]) throws -> CommandResult {
        try runTool(dropforgeBinary, ["card"] + arguments)
    }

    func unzip(_ arguments: [String]) throws -> CommandResult {
        try runTool(URL(fileURLWithPath: "/usr/bin/unzip"), arguments)
    }

    /// Raw bytes of `unzip -p archive entry` (stdout as Data, not as a String).
    func unzipEntry(_ archive: URL, _ entry: String) throws -> Data {
        let out = try scratchFolder().appendingPathComponent("entry")
        let result = try runTool(URL(fileURLWithPath: "/bin/sh"),
                                 ["-c", "/usr/bin/unzip -p \"$0\" \"$1\" > \"$2\"", archive.path, entry, out.path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return try Data(contentsOf: out)
    }

    func jsonObject(_ data: Data, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: data) as? [String: Any], "not a JSON object", file: file, line: line)
    }

    /// JSON values as sorted-key text: two parsed values are equal when these are.
    func canonical(_ value: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .fragmentsAllowed]), as: UTF8.self)
    }

    func assertJSONEqual(_ a: Any, _ b: Any, _ message: String = "", file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try canonical(a), try canonical(b), message, file: file, line: line)
    }

    func dataOf(_ card: [String: Any]) -> [String: Any] { card["data"] as? [String: Any] ?? [:] }

    /// Every chunk of a PNG checked by the independent reader, and its tEXt entries.
    func readPNG(_ url: URL, file: StaticString = #filePath, line: UInt = #line) throws
        -> (chunks: [IndependentPNGReader.Chunk], texts: [IndependentPNGReader.TextEntry]) {
        let chunks = try IndependentPNGReader.read(Data(contentsOf: url))
        return (chunks, try IndependentPNGReader.textEntries(chunks))
    }

    /// The card JSON of the one tEXt chunk keyed `keyword`; fails when there is not exactly one.
    func cardChunk(_ texts: [IndependentPNGReader.TextEntry], _ keyword: String,
                   file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let matching = texts.filter { $0.keyword == keyword }
        XCTAssertEqual(matching.count, 1, "\(keyword) chunks: \(texts.map(\.keyword))", file: file, line: line)
        return try IndependentPNGReader.cardJSON(try XCTUnwrap(matching.first, file: file, line: line).text)
    }

    /// The card a V2/V3 JSON file or chunk holds, without its spec labels.
    func withoutSpec(_ card: [String: Any]) -> [String: Any] {
        var copy = card
        copy.removeValue(forKey: "spec")
        copy.removeValue(forKey: "spec_version")
        return copy
    }

    /// The one published folder of `manifest` (by job.json's `manifest`), in results/ or failures/.
    func folder(of manifest: String, in root: TestRoot, file: StaticString = #filePath, line: UInt = #line) throws -> URL {
        for (parent, names) in [(root.layout.results, root.results), (root.layout.failures, root.failures)] {
            for name in names {
                let url = parent.appendingPathComponent(name)
                if (try? root.json(url.appendingPathComponent("job.json")))?["manifest"] as? String == manifest { return url }
            }
        }
        XCTFail("no published folder for \(manifest): results \(root.results), failures \(root.failures)", file: file, line: line)
        throw CocoaError(.fileNoSuchFile)
    }

    func trimmedStrings(_ strings: Any?) -> [String] {
        (strings as? [Any] ?? []).compactMap { ($0 as? String)?.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    // MARK: - Manifests

    static let wrenSource = """
        # Wren Ashdown
        ## Description
        Wren Ashdown maps the shifting dunes of the Glass Desert for the caravan guilds — and/or anyone who pays in café coins.
        ## First message
        *Wren unrolls a map across the table.* "You must be {{user}}. We leave at dawn."
        ## Tags
        desert, cartographer
        ## Lore
        ### Glass Desert, dunes
        The Glass Desert is a sea of fused sand that sings at night.
        ## Alternate greetings
        ### At the well
        "Fill your skins, {{user}}. The next well is three days out."
        ### Under the stars
        *Wren points at the sky.* "Those are the only maps that never change."
        """

    func cardManifest(name: String, spec: String? = nil, formats: [String] = ["card_png", "card_json", "charx"],
                      extra: String = "") -> String {
        let indented = Self.wrenSource.split(separator: "\n", omittingEmptySubsequences: false)
            .map { "    " + $0 }.joined(separator: "\n")
        return """
            version: 1
            kind: card
            name: \(name)
            card:
            \(spec.map { "  spec: \($0)\n" } ?? "")  source_material: |
            \(indented)
              fields: {creator: e2e}
              avatar: {prompt: "portrait of a desert cartographer, sand and brass", seed: 3, size: 128}
            \(extra)
            export:
              formats: [\(formats.joined(separator: ", "))]
            """
    }

    // MARK: - 2. A drained card manifest

    func testDrainedCardManifestPublishesPNGJSONAndCharX() throws {
        let root = try TestRoot()
        try root.drop("wren.yaml", cardManifest(name: "wren"))
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        XCTAssertEqual(root.failures, [])
        XCTAssertEqual(root.results.count, 1)
        let base = try folder(of: "wren.yaml", in: root)

        let summary = try root.json(base.appendingPathComponent("job.json"))
        XCTAssertEqual(summary["kind"] as? String, "card")
        XCTAssertEqual(summary["status"] as? String, "completed")
        let cardSummary = try XCTUnwrap(summary["card"] as? [String: Any])
        XCTAssertEqual(cardSummary["name"] as? String, "Wren Ashdown")
        XCTAssertEqual(cardSummary["spec"] as? String, "v3")
        XCTAssertEqual(cardSummary["lorebook_entries"] as? Int, 1)
        XCTAssertEqual((cardSummary["files"] as? [String]).map(Set.init),
                       ["cards/wren-ashdown.png", "cards/wren-ashdown.json", "cards/wren-ashdown.charx"])
        for file in cardSummary["files"] as? [String] ?? [] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: base.appendingPathComponent(file).path), file)
        }

        // The PNG, read by the independent reader: valid chunks and CRCs, the asked avatar size,
        // `chara` then `ccv3` as tEXt right before IEND.
        let pngURL = base.appendingPathComponent("cards/wren-ashdown.png")
        let (chunks, texts) = try readPNG(pngURL)
        XCTAssertEqual(IndependentPNGReader.size(chunks).width, 128)
        XCTAssertEqual(IndependentPNGReader.size(chunks).height, 128)
        XCTAssertEqual(IndependentPNGReader.otherTextKeywords(chunks).filter { ["chara", "ccv3"].contains($0.keyword.lowercased()) }.count, 0)
        let n = chunks.count
        XCTAssertGreaterThanOrEqual(n, 5)
        XCTAssertEqual(chunks.suffix(3).map(\.type), ["tEXt", "tEXt", "IEND"])
        XCTAssertEqual(texts.suffix(2).map(\.keyword), ["chara", "ccv3"])
        XCTAssertEqual(texts.suffix(2).map(\.chunkIndex), [n - 3, n - 2])
        // The avatar's own generation metadata survives the embedding.
        let parameters = try XCTUnwrap(texts.first { $0.keyword == "parameters" }?.text)
        XCTAssertTrue(parameters.contains("Seed: 3"), parameters)
        XCTAssertTrue(parameters.contains("Size: 128x128"), parameters)

        let chara = try cardChunk(texts, "chara")
        let ccv3 = try cardChunk(texts, "ccv3")
        XCTAssertEqual(chara["spec"] as? String, "chara_card_v2")
        XCTAssertEqual(chara["spec_version"] as? String, "2.0")
        XCTAssertEqual(ccv3["spec"] as? String, "chara_card_v3")
        XCTAssertEqual(ccv3["spec_version"] as? String, "3.0")
        try assertJSONEqual(withoutSpec(chara), withoutSpec(ccv3), "chara and ccv3 differ beyond their labels")

        for card in [chara, ccv3] {
            let data = dataOf(card)
            XCTAssertEqual(data["name"] as? String, "Wren Ashdown")
            XCTAssertEqual((data["description"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                           "Wren Ashdown maps the shifting dunes of the Glass Desert for the caravan guilds — and/or anyone who pays in café coins.")
            XCTAssertEqual((data["first_mes"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                           "*Wren unrolls a map across the table.* \"You must be {{user}}. We leave at dawn.\"")
            XCTAssertEqual(data["creator"] as? String, "e2e")
            XCTAssertEqual(data["tags"] as? [String], ["desert", "cartographer"])
            XCTAssertEqual(trimmedStrings(data["alternate_greetings"]), [
                "\"Fill your skins, {{user}}. The next well is three days out.\"",
                "*Wren points at the sky.* \"Those are the only maps that never change.\"",
            ])
            let book = try XCTUnwrap(data["character_book"] as? [String: Any])
            let entries = try XCTUnwrap(book["entries"] as? [[String: Any]])
            XCTAssertEqual(entries.count, 1)
            XCTAssertEqual(entries.first?["keys"] as? [String], ["Glass Desert", "dunes"])
            XCTAssertEqual((entries.first?["content"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                           "The Glass Desert is a sea of fused sand that sings at night.")
            // The writer filled what the source left empty; metadata set the version.
            for field in ["personality", "scenario", "mes_example"] {
                XCTAssertFalse((data[field] as? String ?? "").trimmingCharacters(in: .whitespaces).isEmpty, field)
            }
            XCTAssertEqual(data["character_version"] as? String, "1.0")
        }
        XCTAssertNotNil(dataOf(ccv3)["creation_date"] as? Int)
        XCTAssertNotNil(dataOf(ccv3)["modification_date"] as? Int)

        // Compact UTF-8 JSON in the JSON.stringify form: neither non-ASCII nor `/` escaped.
        for entry in texts.suffix(2) {
            let raw = try XCTUnwrap(Data(base64Encoded: entry.text))
            let json = String(decoding: raw, as: UTF8.self)
            XCTAssertTrue(json.contains("guilds — and/or anyone who pays in café coins."), entry.keyword)
            XCTAssertFalse(json.contains("\\u"), "\(entry.keyword) escapes non-ASCII")
            XCTAssertFalse(json.contains("\\/"), "\(entry.keyword) escapes /")
            XCTAssertFalse(json.contains("\n  "), "\(entry.keyword) is not compact")
        }
        // `card extract --compact` writes exactly the bytes the ccv3 chunk embeds.
        let compact = try card(["extract", "--compact", pngURL.path])
        XCTAssertEqual(compact.status, 0, compact.stderr)
        XCTAssertEqual(Data(compact.stdout.utf8), Data(base64Encoded: texts.last?.text ?? ""))

        // `card extract` finds the same card (the ccv3 one).
        let extract = try card(["extract", pngURL.path])
        XCTAssertEqual(extract.status, 0, extract.stderr)
        try assertJSONEqual(try jsonObject(Data(extract.stdout.utf8)), ccv3, "card extract differs from ccv3")

        // cards/<name>.json is the V3 card.
        let json = try jsonObject(Data(contentsOf: base.appendingPathComponent("cards/wren-ashdown.json")))
        try assertJSONEqual(json, ccv3, "cards/wren-ashdown.json differs from ccv3")

        // The CHARX opens with Info-ZIP: card.json (V3, plus the avatar in data.assets) and the avatar.
        let charx = base.appendingPathComponent("cards/wren-ashdown.charx")
        let test = try unzip(["-tq", charx.path])
        XCTAssertEqual(test.status, 0, test.stdout + test.stderr)
        let list = try unzip(["-Z1", charx.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        let entries = Set(list.stdout.split(separator: "\n").map(String.init))
        XCTAssertTrue(entries.contains("card.json"), "\(entries)")
        XCTAssertTrue(entries.contains("assets/icon/image/main.png"), "\(entries)")
        var zipped = try jsonObject(try unzipEntry(charx, "card.json"))
        XCTAssertEqual(zipped["spec"] as? String, "chara_card_v3")
        var zippedData = dataOf(zipped)
        let assets = try XCTUnwrap(zippedData.removeValue(forKey: "assets") as? [[String: Any]])
        XCTAssertTrue(assets.contains { $0["type"] as? String == "icon" && $0["name"] as? String == "main"
                && $0["uri"] as? String == "embeded://assets/icon/image/main.png" }, "\(assets)")
        zipped["data"] = zippedData
        var ccv3WithoutAssets = ccv3
        var ccv3Data = dataOf(ccv3)
        ccv3Data.removeValue(forKey: "assets")
        ccv3WithoutAssets["data"] = ccv3Data
        try assertJSONEqual(zipped, ccv3WithoutAssets, "the CHARX card.json differs from ccv3 beyond data.assets")
        // The CHARX avatar is the card PNG without its card chunks, chunk for chunk.
        let icon = try IndependentPNGReader.read(try unzipEntry(charx, "assets/icon/image/main.png"))
        let stripped = chunks.filter { chunk in
            guard chunk.type == "tEXt", let nul = chunk.data.firstIndex(of: 0) else { return true }
            return !["chara", "ccv3"].contains(String(decoding: chunk.data[chunk.data.startIndex..<nul], as: UTF8.self))
        }
        XCTAssertEqual(icon.map(\.type), stripped.map(\.type))
        XCTAssertEqual(icon.map(\.data), stripped.map(\.data))
    }

    // MARK: - 3. spec: v2

    func testSpecV2WritesCharaOnlyAndAV2JSON() throws {
        let root = try TestRoot()
        try root.drop("wren-v2.yaml", cardManifest(name: "wren-v2", spec: "v2", formats: ["card_png", "card_json"]))
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        let base = try folder(of: "wren-v2.yaml", in: root)
        let cardSummary = try XCTUnwrap(try root.json(base.appendingPathComponent("job.json"))["card"] as? [String: Any])
        XCTAssertEqual(cardSummary["spec"] as? String, "v2")
        XCTAssertEqual(cardSummary["files"] as? [String], ["cards/wren-ashdown.png", "cards/wren-ashdown.json"])

        let (chunks, texts) = try readPNG(base.appendingPathComponent("cards/wren-ashdown.png"))
        XCTAssertEqual(texts.filter { ["chara", "ccv3"].contains($0.keyword.lowercased()) }.map(\.keyword), ["chara"])
        XCTAssertEqual(texts.last?.keyword, "chara")
        XCTAssertEqual(texts.last?.chunkIndex, chunks.count - 2)
        let chara = try cardChunk(texts, "chara")
        XCTAssertEqual(chara["spec"] as? String, "chara_card_v2")
        XCTAssertEqual(dataOf(chara)["name"] as? String, "Wren Ashdown")
        XCTAssertEqual(dataOf(chara)["creator"] as? String, "e2e")
        XCTAssertFalse(FileManager.default.fileExists(atPath: base.appendingPathComponent("cards/wren-ashdown.charx").path))

        let json = try jsonObject(Data(contentsOf: base.appendingPathComponent("cards/wren-ashdown.json")))
        XCTAssertEqual(json["spec"] as? String, "chara_card_v2")
        XCTAssertEqual(json["spec_version"] as? String, "2.0")
        try assertJSONEqual(json, chara)
        let validate = try card(["validate", base.appendingPathComponent("cards/wren-ashdown.json").path, "--spec", "v2"])
        XCTAssertEqual(validate.status, 0, validate.stdout + validate.stderr)
    }

    // MARK: - 4. input_card

    func testInputCardKeepsSeraphinasMeaningfulFields() throws {
        let root = try TestRoot()
        let cards = root.layout.config.appendingPathComponent("cards")
        try FileManager.default.createDirectory(at: cards, withIntermediateDirectories: true)
        try FileManager.default.copyItem(at: fixture("default_Seraphina.png"), to: cards.appendingPathComponent("seraphina.png"))
        let original = try cardChunk(try readPNG(fixture("default_Seraphina.png")).texts, "ccv3")
        let originalData = dataOf(original)
        let originalEntries = try XCTUnwrap((originalData["character_book"] as? [String: Any])?["entries"] as? [[String: Any]])
        XCTAssertEqual(originalEntries.count, 4)

        try root.drop("sera.yaml", """
            version: 1
            kind: card
            name: sera-remix
            card:
              input_card: cards/seraphina.png
              source_material: |
                # Somebody Else
                ## Description
                A completely different description that must not replace Seraphina's own.
                ## Tags
                forest, guardian
                ## Lore
                ### Moonwell
                The Moonwell glows silver at midnight.
              avatar: {prompt: "portrait of a forest guardian", seed: 5, size: 64}
            export:
              formats: [card_png, card_json]
            """)
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        let base = try folder(of: "sera.yaml", in: root)
        let cardSummary = try XCTUnwrap(try root.json(base.appendingPathComponent("job.json"))["card"] as? [String: Any])
        XCTAssertEqual(cardSummary["name"] as? String, "Seraphina")
        XCTAssertEqual(cardSummary["lorebook_entries"] as? Int, 5)

        let texts = try readPNG(base.appendingPathComponent("cards/seraphina.png")).texts
        let ccv3 = try cardChunk(texts, "ccv3")
        let data = dataOf(ccv3)
        XCTAssertEqual(data["name"] as? String, "Seraphina")
        for field in ["description", "first_mes", "creator_notes", "creator", "character_version"] {
            XCTAssertEqual(data[field] as? String, originalData[field] as? String, "\(field) was not kept")
        }
        try assertJSONEqual(data["extensions"] as Any, originalData["extensions"] as Any, "extensions were not kept")
        XCTAssertEqual(data["tags"] as? [String], ["forest", "guardian"]) // hers (none) + the source's
        let entries = try XCTUnwrap((data["character_book"] as? [String: Any])?["entries"] as? [[String: Any]])
        XCTAssertEqual(entries.count, 5)
        for (kept, before) in zip(entries.prefix(4), originalEntries) {
            XCTAssertEqual(kept["keys"] as? [String], before["keys"] as? [String])
            XCTAssertEqual(kept["content"] as? String, before["content"] as? String)
        }
        XCTAssertEqual(entries.last?["keys"] as? [String], ["Moonwell"])
        XCTAssertEqual((entries.last?["content"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                       "The Moonwell glows silver at midnight.")
        // The V1 keys SillyTavern keeps at the root stay there.
        XCTAssertEqual(ccv3["name"] as? String, "Seraphina")
        try assertJSONEqual(try jsonObject(Data(contentsOf: base.appendingPathComponent("cards/seraphina.json"))), ccv3)
    }

    // MARK: - 5. Failures

    func testCardFailuresLandInFailuresWithClearErrors() throws {
        let root = try TestRoot()
        let cards = root.layout.config.appendingPathComponent("cards")
        try FileManager.default.createDirectory(at: cards, withIntermediateDirectories: true)
        try "just some notes about a character\nnothing more\n".write(to: cards.appendingPathComponent("notes.txt"),
                                                                      atomically: true, encoding: .utf8)
        let seraphina = try Data(contentsOf: fixture("default_Seraphina.png"))
        try seraphina.prefix(4000).write(to: cards.appendingPathComponent("cut.png"))

        func inputCardManifest(_ name: String, _ path: String) -> String {
            """
            version: 1
            kind: card
            name: \(name)
            card:
              input_card: \(path)
              avatar: {prompt: "portrait", seed: 1, size: 32}
            """
        }
        try root.drop("not-a-card.yaml", inputCardManifest("not-a-card", "cards/notes.txt"))
        try root.drop("truncated.yaml", inputCardManifest("truncated", "cards/cut.png"))
        try root.drop("bad-spec.yaml", """
            version: 1
            kind: card
            name: bad-spec
            card:
              spec: v9
            """)
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 1, drain.stderr)
        XCTAssertEqual(root.results, [])
        XCTAssertEqual(root.failures.count, 3)
        XCTAssertEqual(root.processing, [])

        for (manifest, file) in [("not-a-card.yaml", "notes.txt"), ("truncated.yaml", "cut.png")] {
            let base = try folder(of: manifest, in: root)
            let error = try root.json(base.appendingPathComponent("error.json"))
            XCTAssertEqual(error["code"] as? String, "input_card_invalid", manifest)
            XCTAssertEqual(error["stage"] as? String, "intake", manifest)  // read at intake since issue 17
            let message = error["message"] as? String ?? ""
            XCTAssertTrue(message.contains(file), "\(manifest): \(message)")
            if manifest == "truncated.yaml" { XCTAssertTrue(message.contains("truncated"), message) }
            XCTAssertEqual(try root.json(base.appendingPathComponent("job.json"))["status"] as? String, "failed")
        }

        let badSpec = try root.json(try folder(of: "bad-spec.yaml", in: root).appendingPathComponent("error.json"))
        XCTAssertEqual(badSpec["stage"] as? String, "intake")
        XCTAssertEqual(badSpec["code"] as? String, "manifest_invalid")
        let message = badSpec["message"] as? String ?? ""
        XCTAssertTrue(message.contains("bad-spec.yaml:5:9"), message)
        XCTAssertTrue(message.contains("card.spec"), message)
        XCTAssertTrue(message.contains("v9"), message)
    }

    /// `required` fails only for a blank name: a blank explicit `first_mes` is filled by the
    /// local writer (blank text is not content, and the writer fills every field without
    /// content), so that job completes.
    func testBlankRequiredFields() throws {
        let root = try TestRoot()
        func manifest(_ name: String, _ fields: String) -> String {
            """
            version: 1
            kind: card
            name: \(name)
            card:
              source_material: |
                # Pell Quarry
                ## Description
                Pell Quarry is a stonemason who talks to rocks.
                ## First message
                "Mind the dust, {{user}}."
              fields: \(fields)
              avatar: {prompt: "portrait of a stonemason", seed: 2, size: 48}
            """
        }
        try root.drop("blank-name.yaml", manifest("blank-name", #"{name: "  "}"#))
        try root.drop("blank-greeting.yaml", manifest("blank-greeting", #"{first_mes: "  "}"#))
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 1, drain.stderr)

        // Blank name: the `required` check rejects the only item.
        let failed = try folder(of: "blank-name.yaml", in: root)
        XCTAssertEqual(failed.deletingLastPathComponent().lastPathComponent, "failures")
        let error = try root.json(failed.appendingPathComponent("error.json"))
        XCTAssertEqual(error["code"] as? String, "qc_rejected_all")
        XCTAssertEqual(error["stage"] as? String, "quality")
        let review = root.layout.review.appendingPathComponent(failed.lastPathComponent)
        let reviewPNG = review.appendingPathComponent("0001.png")
        XCTAssertTrue(FileManager.default.fileExists(atPath: reviewPNG.path), "\(root.folders(review))")
        let reviewTexts = try readPNG(reviewPNG).texts
        let reviewed = try cardChunk(reviewTexts, "ccv3")
        XCTAssertEqual(dataOf(reviewed)["name"] as? String, "  ")
        XCTAssertEqual((dataOf(reviewed)["description"] as? String)?.trimmingCharacters(in: .whitespacesAndNewlines),
                       "Pell Quarry is a stonemason who talks to rocks.")
        let summary = try root.json(failed.appendingPathComponent("job.json"))
        let item = try XCTUnwrap((summary["items"] as? [[String: Any]])?.first)
        let checks = try XCTUnwrap((item["qc"] as? [String: Any])?["checks"] as? [[String: Any]])
        let required = try XCTUnwrap(checks.first { $0["check"] as? String == "required" })
        XCTAssertEqual(required["passed"] as? Bool, false)
        XCTAssertTrue((required["detail"] as? String ?? "").contains("name"), "\(required)")

        // Blank greeting: the writer fills it, keeping {{user}}; the job completes.
        let done = try folder(of: "blank-greeting.yaml", in: root)
        XCTAssertEqual(done.deletingLastPathComponent().lastPathComponent, "results")
        let files = try XCTUnwrap((try root.json(done.appendingPathComponent("job.json"))["card"] as? [String: Any])?["files"] as? [String])
        let png = try XCTUnwrap(files.first { $0.hasSuffix(".png") })
        let greeting = dataOf(try cardChunk(try readPNG(done.appendingPathComponent(png)).texts, "ccv3"))["first_mes"] as? String ?? ""
        XCTAssertFalse(greeting.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
        XCTAssertTrue(greeting.contains("{{user}}"), greeting)
        XCTAssertTrue(greeting.contains("Pell Quarry"), greeting)
    }

    /// A wrong `card.spec` names only the specs a card can be written as (never `v1`).
    /// SillyTavern's own Seraphina lacks `character_book.extensions`: strict says invalid and says
    /// why; --lenient calls it a warning (issue 16). `card embed --help` offers only v2 and v3.
    func testValidateTellsSpecErrorsFromWhatSillyTavernWrites() throws {
        let seraphina = fixture("default_Seraphina.png").path
        let strict = try card(["validate", seraphina])
        XCTAssertEqual(strict.status, 1)
        XCTAssertTrue(strict.stdout.contains("all these errors are what SillyTavern and RisuAI write; --lenient counts them as warnings"),
                      strict.stdout)
        let lenient = try card(["validate", seraphina, "--lenient"])
        XCTAssertEqual(lenient.status, 0, lenient.stdout)
        XCTAssertTrue(lenient.stdout.contains("warning: $.data.character_book.extensions: missing (expected an object); "
                                              + "SillyTavern and RisuAI write cards without it"), lenient.stdout)
        XCTAssertTrue(lenient.stdout.contains("valid v3 card (0 errors, 1 warnings)"), lenient.stdout)

        // A V3 card without group_only_greetings: the same; a real spec error stays an error.
        let folder = try scratchFolder()
        let v3 = folder.appendingPathComponent("v3.json")
        var json = try jsonObject(try Data(contentsOf: fixture("Aqua_v1.json")))
        json = ["spec": "chara_card_v3", "spec_version": "3.0",
                "data": ["name": "Aqua", "description": "", "personality": "", "scenario": "", "first_mes": "hi", "mes_example": "",
                         "creator_notes": "", "system_prompt": "", "post_history_instructions": "", "alternate_greetings": "oops",
                         "tags": [], "creator": "", "character_version": "", "extensions": [:]] as [String: Any]]
        try JSONSerialization.data(withJSONObject: json).write(to: v3)
        let broken = try card(["validate", v3.path, "--lenient"])
        XCTAssertEqual(broken.status, 1)
        XCTAssertTrue(broken.stdout.contains("warning: $.data.group_only_greetings: missing"), broken.stdout)
        XCTAssertTrue(broken.stdout.contains("error: $.data.alternate_greetings: expected an array of strings"), broken.stdout)

        let help = try card(["embed", "--help"])
        XCTAssertTrue(help.stdout.contains("(values: v2, v3; default: v3)"), help.stdout)
        XCTAssertEqual(try card(["embed", "--card", v3.path, "--image", seraphina, "-o", folder.appendingPathComponent("x.png").path,
                                 "--spec", "v1"]).status, 2)
    }

    /// A lone surrogate escape survives convert and embed as written, not as U+FFFD (issue 16).
    func testALoneSurrogateSurvivesConvertAndEmbed() throws {
        let folder = try scratchFolder()
        let source = folder.appendingPathComponent("cut.json")
        try Data(#"{"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Cut","first_mes":"Hi \ud83d","description":"x"}}"#.utf8)
            .write(to: source)
        let v3 = try card(["convert", source.path, "--to", "v3"])
        XCTAssertEqual(v3.status, 0, v3.stderr)
        XCTAssertTrue(v3.stdout.contains(#""first_mes": "Hi \ud83d""#), v3.stdout)
        let png = folder.appendingPathComponent("cut.png")
        XCTAssertEqual(try card(["embed", "--card", source.path, "--image", fixture("default_Seraphina.png").path, "-o", png.path]).status, 0)
        let chara = try XCTUnwrap(try readPNG(png).texts.first { $0.keyword == "chara" })
        let json = String(decoding: try XCTUnwrap(Data(base64Encoded: chara.text)), as: UTF8.self)
        XCTAssertTrue(json.contains(#""first_mes":"Hi \ud83d""#), json)
    }

    func testBadSpecMessageOffersOnlyWritableSpecs() throws {
        let root = try TestRoot()
        try root.drop("bad-spec.yaml", "version: 1\nkind: card\nname: bad-spec\ncard:\n  spec: v9\n")
        XCTAssertEqual(try root.run(["drain"]).status, 1)
        let error = try root.json(try folder(of: "bad-spec.yaml", in: root).appendingPathComponent("error.json"))
        let message = error["message"] as? String ?? ""
        XCTAssertFalse(message.contains("v1"), message)
        XCTAssertTrue(message.contains("'v9' is not one of v2, v3"), message)
    }

    /// An `avatar.image` that is not a PNG fails the card item: the job fails as `items_failed`
    /// (stage generate), its message carrying the item's `avatar_invalid` and the file.
    func testAvatarImageThatIsNotAPNGFailsTheItem() throws {
        let root = try TestRoot()
        let art = root.layout.config.appendingPathComponent("art")
        try FileManager.default.createDirectory(at: art, withIntermediateDirectories: true)
        try "not an image".write(to: art.appendingPathComponent("fake.png"), atomically: true, encoding: .utf8)
        try root.drop("fake-avatar.yaml", """
            version: 1
            kind: card
            name: fake-avatar
            card:
              source_material: "# Ida\\n## Description\\nIda paints signs.\\n## First message\\nHello, {{user}}.\\n"
              avatar: {image: art/fake.png}
            """)
        XCTAssertEqual(try root.run(["drain"]).status, 1)
        let error = try root.json(try folder(of: "fake-avatar.yaml", in: root).appendingPathComponent("error.json"))
        XCTAssertEqual(error["stage"] as? String, "generate")
        XCTAssertTrue((error["message"] as? String ?? "").contains("fake.png"), "\(error)")
        XCTAssertEqual(error["code"] as? String, "items_failed")
        XCTAssertTrue((error["message"] as? String ?? "").contains("avatar_invalid: "), "\(error)")
    }

    // MARK: - 6. dropforge card

    func testInspectSeraphina() throws {
        let result = try card(["inspect", fixture("default_Seraphina.png").path, "--json"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let report = try jsonObject(Data(result.stdout.utf8))
        XCTAssertEqual(report["spec"] as? String, "v3")
        XCTAssertEqual(report["name"] as? String, "Seraphina")
        XCTAssertEqual(report["container"] as? String, "png")
        XCTAssertEqual((report["chunks"] as? [[String: Any]])?.compactMap { $0["keyword"] as? String }, ["chara", "ccv3"])
        XCTAssertEqual((report["chunks"] as? [[String: Any]])?.compactMap { $0["type"] as? String }, ["tEXt", "tEXt"])
        XCTAssertEqual(report["chosen_chunk"] as? String, "ccv3")
        XCTAssertEqual(report["lorebook_entries"] as? Int, 4)
        // Strictly, SillyTavern's own Seraphina breaks V3 once: her lorebook has no `extensions`
        // (read leniently everywhere, reported by the one strict place).
        XCTAssertEqual(report["errors"] as? Int, 1)
        let strict = try card(["validate", fixture("default_Seraphina.png").path])
        XCTAssertEqual(strict.status, 1, strict.stdout + strict.stderr)
        XCTAssertTrue(strict.stdout.contains("$.data.character_book.extensions: missing"), strict.stdout)
        // The offsets it reports are where the independent reader finds the chunks.
        let chunks = try IndependentPNGReader.read(Data(contentsOf: fixture("default_Seraphina.png")))
        let offsets = chunks.filter { $0.type == "tEXt" }.map(\.offset)
        XCTAssertEqual((report["chunks"] as? [[String: Any]])?.compactMap { $0["offset"] as? Int }, offsets)

        let text = try card(["inspect", fixture("default_Seraphina.png").path])
        XCTAssertEqual(text.status, 0, text.stderr)
        XCTAssertTrue(text.stdout.contains("Seraphina"), text.stdout)
        XCTAssertTrue(text.stdout.contains("lorebook: 4 entries"), text.stdout)
    }

    func testExtractThenEmbedGivesBackSeraphinaByteForByte() throws {
        let folder = try scratchFolder()
        let original = fixture("default_Seraphina.png")
        let json = folder.appendingPathComponent("seraphina.json")
        let out = folder.appendingPathComponent("out.png")
        let extract = try card(["extract", original.path, "-o", json.path])
        XCTAssertEqual(extract.status, 0, extract.stderr)
        // The extracted card is the ccv3 one, as the independent reader finds it.
        try assertJSONEqual(try jsonObject(Data(contentsOf: json)),
                            try cardChunk(try readPNG(original).texts, "ccv3"))
        let embed = try card(["embed", "--card", json.path, "--image", original.path, "-o", out.path])
        XCTAssertEqual(embed.status, 0, embed.stderr)
        let before = try Data(contentsOf: original)
        let after = try Data(contentsOf: out)
        XCTAssertEqual(after.count, before.count)
        XCTAssertTrue(after == before, "card embed of the extracted card did not give the original file back")
    }

    func testValidate() throws {
        let good = try card(["validate", fixture("default_FluxTheCat.png").path])
        XCTAssertEqual(good.status, 0, good.stdout + good.stderr)
        XCTAssertTrue(good.stdout.contains("valid v2 card"), good.stdout)

        let folder = try scratchFolder()
        let broken = folder.appendingPathComponent("broken.json")
        try #"""
        {"spec":"chara_card_v2","spec_version":"2.0","data":{"name":"Broken","description":"d","personality":"",
        "scenario":"","first_mes":"Hello, {{user}}.","mes_example":"","creator_notes":"","system_prompt":"",
        "post_history_instructions":"","alternate_greetings":"Hi again.","tags":[],"creator":"",
        "character_version":"1.0","extensions":{}}}
        """#.write(to: broken, atomically: true, encoding: .utf8)
        let bad = try card(["validate", broken.path])
        XCTAssertEqual(bad.status, 1, bad.stdout + bad.stderr)
        XCTAssertTrue(bad.stdout.contains("$.data.alternate_greetings"), bad.stdout)
        XCTAssertTrue(bad.stdout.contains("invalid v2 card"), bad.stdout)
        // Reading stays lenient: the same card inspects fine.
        let inspect = try card(["inspect", broken.path, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        XCTAssertGreaterThanOrEqual(try jsonObject(Data(inspect.stdout.utf8))["errors"] as? Int ?? 0, 1)
    }

    func testConvert() throws {
        let folder = try scratchFolder()

        // Megumin (V1 in a PNG) → V3: CRLF and U+2019 survive, unescaped in the file.
        let megumin = folder.appendingPathComponent("m.json")
        let toV3 = try card(["convert", fixture("Megumin_v1.png").path, "--to", "v3", "-o", megumin.path])
        XCTAssertEqual(toV3.status, 0, toV3.stderr)
        let meguminBytes = try Data(contentsOf: megumin)
        let m = try jsonObject(meguminBytes)
        XCTAssertEqual(m["spec"] as? String, "chara_card_v3")
        XCTAssertEqual(m["spec_version"] as? String, "3.0")
        XCTAssertEqual(dataOf(m)["name"] as? String, "Megumin")
        XCTAssertTrue((dataOf(m)["mes_example"] as? String ?? "").contains("\r\n"))
        XCTAssertTrue(try canonical(dataOf(m)).contains("\u{2019}"))
        XCTAssertTrue(String(decoding: meguminBytes, as: UTF8.self).contains("\u{2019}"), "U+2019 was escaped")
        XCTAssertNotNil(dataOf(m)["group_only_greetings"] as? [Any])
        // Every V1 text is kept exactly (the V1 card itself, as the independent reader finds it).
        let v1 = try cardChunk(try readPNG(fixture("Megumin_v1.png")).texts, "chara")
        for field in ["name", "description", "personality", "scenario", "first_mes", "mes_example"] {
            XCTAssertEqual(dataOf(m)[field] as? String, v1[field] as? String, field)
        }

        // Aqua (V1 JSON) → V2: the app keys stay at the root.
        let aquaURL = fixture("Aqua_v1.json")
        let aqua = try jsonObject(Data(contentsOf: aquaURL))
        let toV2 = try card(["convert", aquaURL.path, "--to", "v2"])
        XCTAssertEqual(toV2.status, 0, toV2.stderr)
        let a = try jsonObject(Data(toV2.stdout.utf8))
        XCTAssertEqual(a["spec"] as? String, "chara_card_v2")
        XCTAssertEqual(dataOf(a)["name"] as? String, "Aqua")
        for key in ["avatar", "chat", "last_mes"] {
            XCTAssertNotNil(a[key], key)
            try assertJSONEqual(a[key] as Any, aqua[key] as Any, key)
        }

        // Seraphina → CHARX, and inspect reads it back.
        let charx = folder.appendingPathComponent("s.charx")
        let toCharx = try card(["convert", fixture("default_Seraphina.png").path, "--to", "charx", "-o", charx.path])
        XCTAssertEqual(toCharx.status, 0, toCharx.stderr)
        let inspect = try card(["inspect", charx.path, "--json"])
        XCTAssertEqual(inspect.status, 0, inspect.stderr)
        let report = try jsonObject(Data(inspect.stdout.utf8))
        XCTAssertEqual(report["container"] as? String, "charx")
        XCTAssertEqual(report["name"] as? String, "Seraphina")
        XCTAssertEqual(report["spec"] as? String, "v3")
        XCTAssertEqual(report["lorebook_entries"] as? Int, 4)
        XCTAssertGreaterThanOrEqual(report["assets"] as? Int ?? 0, 1)
        let list = try unzip(["-Z1", charx.path])
        XCTAssertEqual(list.status, 0, list.stderr)
        XCTAssertTrue(list.stdout.split(separator: "\n").contains("card.json"), list.stdout)
        XCTAssertTrue(list.stdout.split(separator: "\n").contains("assets/icon/image/main.png"), list.stdout)
        // The icon is Seraphina's image with no card left in it.
        let icon = try IndependentPNGReader.read(try unzipEntry(charx, "assets/icon/image/main.png"))
        XCTAssertEqual(try IndependentPNGReader.textEntries(icon).filter { ["chara", "ccv3"].contains($0.keyword) }.count, 0)
        let originalIDAT = try IndependentPNGReader.read(Data(contentsOf: fixture("default_Seraphina.png"))).filter { $0.type == "IDAT" }
        XCTAssertEqual(icon.filter { $0.type == "IDAT" }.map(\.data), originalIDAT.map(\.data))
    }

    /// The output's extension picks the container (issue 16, point 5): PNG in, `-o x.png`, a card
    /// PNG out; a CHARX's main icon carries the card into a PNG; a JSON card needs --image.
    func testConvertWritesTheContainerTheOutputNames() throws {
        let folder = try scratchFolder()
        let seraphina = fixture("default_Seraphina.png")
        let png = folder.appendingPathComponent("s-v3.png")
        let toPNG = try card(["convert", fixture("Megumin_v1.png").path, "--to", "v3", "-o", png.path])
        XCTAssertEqual(toPNG.status, 0, toPNG.stderr)
        let texts = try readPNG(png).texts
        XCTAssertEqual(try cardChunk(texts, "ccv3")["spec"] as? String, "chara_card_v3")
        XCTAssertEqual(dataOf(try cardChunk(texts, "chara"))["name"] as? String, "Megumin")
        let originalIDAT = try IndependentPNGReader.read(Data(contentsOf: fixture("Megumin_v1.png"))).filter { $0.type == "IDAT" }
        XCTAssertEqual(try IndependentPNGReader.read(Data(contentsOf: png)).filter { $0.type == "IDAT" }.map(\.data),
                       originalIDAT.map(\.data), "the pixels are not re-encoded")

        let v2PNG = folder.appendingPathComponent("s-v2.PNG")
        XCTAssertEqual(try card(["convert", seraphina.path, "--to", "v2", "-o", v2PNG.path]).status, 0)
        XCTAssertEqual(try readPNG(v2PNG).texts.map(\.keyword).filter { ["chara", "ccv3"].contains($0) }, ["chara"], "v2 writes chara only")

        // CHARX → PNG: the main icon becomes the image.
        let charx = folder.appendingPathComponent("s.charx")
        XCTAssertEqual(try card(["convert", seraphina.path, "--to", "v3", "-o", charx.path]).status, 0, "-o .charx writes a CHARX")
        XCTAssertEqual(try unzip(["-Z1", charx.path]).status, 0)
        let back = folder.appendingPathComponent("back.png")
        let fromCharx = try card(["convert", charx.path, "--to", "v3", "-o", back.path])
        XCTAssertEqual(fromCharx.status, 0, fromCharx.stderr)
        XCTAssertEqual(dataOf(try cardChunk(try readPNG(back).texts, "ccv3"))["name"] as? String, "Seraphina")

        // A JSON card has no image: --image gives one, and without it the error says so.
        let json = fixture("Aqua_v1.json").path
        let noImage = try card(["convert", json, "--to", "v2", "-o", folder.appendingPathComponent("a.png").path])
        XCTAssertEqual(noImage.status, 1)
        XCTAssertTrue(noImage.stderr.contains("a card PNG needs an image and this json card has none: give one with --image"), noImage.stderr)
        let withImage = try card(["convert", json, "--to", "v2", "--image", seraphina.path, "-o", folder.appendingPathComponent("a.png").path])
        XCTAssertEqual(withImage.status, 0, withImage.stderr)
        XCTAssertEqual(dataOf(try cardChunk(try readPNG(folder.appendingPathComponent("a.png")).texts, "chara"))["name"] as? String, "Aqua")

        for (arguments, message) in [(["--to", "charx", "-o", "x.png"], "--to charx writes a zip, but -o names a PNG"),
                                     (["--to", "v2", "-o", "x.charx"], "a CHARX holds a V3 card"),
                                     (["--to", "v3", "--image", seraphina.path], "--image is only for a PNG output")] {
            let refused = try card(["convert", json] + arguments)
            XCTAssertEqual(refused.status, 2, "\(arguments): \(refused.stderr)")
            XCTAssertTrue(refused.stderr.contains(message), refused.stderr)
        }
    }

    func testBadFilesExitOneWithAMessage() throws {
        let folder = try scratchFolder()
        let text = folder.appendingPathComponent("readme.txt")
        try "This is not a character card.\n".write(to: text, atomically: true, encoding: .utf8)
        let notACard = try card(["inspect", text.path])
        XCTAssertEqual(notACard.status, 1, notACard.stdout + notACard.stderr)
        XCTAssertTrue(notACard.stderr.contains("error: \(text.path)"), notACard.stderr)

        // A PNG with no card chunk (a card stripped by convert --to charx's icon).
        let charx = folder.appendingPathComponent("f.charx")
        XCTAssertEqual(try card(["convert", fixture("default_FluxTheCat.png").path, "--to", "charx", "-o", charx.path]).status, 0)
        let plain = folder.appendingPathComponent("plain.png")
        try unzipEntry(charx, "assets/icon/image/main.png").write(to: plain)
        let noCard = try card(["inspect", plain.path])
        XCTAssertEqual(noCard.status, 1, noCard.stdout + noCard.stderr)
        XCTAssertTrue(noCard.stderr.contains("no character card"), noCard.stderr)

        let cut = folder.appendingPathComponent("cut.png")
        try Data(contentsOf: fixture("default_Seraphina.png")).prefix(4000).write(to: cut)
        let truncated = try card(["inspect", cut.path])
        XCTAssertEqual(truncated.status, 1, truncated.stdout + truncated.stderr)
        XCTAssertTrue(truncated.stderr.contains("truncated"), truncated.stderr)

        let missing = folder.appendingPathComponent("missing.png")
        let gone = try card(["inspect", missing.path])
        XCTAssertEqual(gone.status, 1, gone.stdout + gone.stderr)
        XCTAssertTrue(gone.stderr.contains(missing.path), gone.stderr)
        XCTAssertTrue(gone.stderr.contains("no such file"), gone.stderr)
    }

    // MARK: - The independent reader itself

    /// The reader the card checks rely on really checks: CRCs, truncation, the signature, and
    /// it walks the same chunks as the simple helper in Support.swift.
    func testIndependentReaderChecksWhatItReads() throws {
        let png = try Data(contentsOf: fixture("default_Seraphina.png"))
        let chunks = try IndependentPNGReader.read(png)
        XCTAssertEqual(chunks.map(\.type), pngChunks(png).map(\.type))
        XCTAssertEqual(chunks.map(\.data), pngChunks(png).map(\.data))
        XCTAssertEqual(IndependentPNGReader.crc32(Data("IEND".utf8)), 0xAE42_6082)
        XCTAssertEqual(try IndependentPNGReader.textEntries(chunks).map(\.keyword), ["chara", "ccv3"])

        var corrupt = png
        corrupt[corrupt.startIndex + 1000] ^= 0x01 // inside IDAT
        XCTAssertThrowsError(try IndependentPNGReader.read(corrupt)) { XCTAssertTrue("\($0)".contains("CRC mismatch in IDAT"), "\($0)") }
        XCTAssertThrowsError(try IndependentPNGReader.read(png.prefix(png.count - 6)))
        XCTAssertThrowsError(try IndependentPNGReader.read(png + Data([0])))
        var badSignature = png
        badSignature[badSignature.startIndex + 1] = 0x51
        XCTAssertThrowsError(try IndependentPNGReader.read(badSignature))
    }

    // MARK: - 7. The shipped examples

    func testExampleCardsPublish() throws {
        let root = try TestRoot(examples: true)
        let drain = try root.run(["drain"])
        XCTAssertEqual(drain.status, 0, drain.stderr)
        XCTAssertEqual(root.failures, [])

        let lin = try folder(of: "captain-lin.yaml", in: root)
        for ext in ["png", "json", "charx"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: lin.appendingPathComponent("cards/captain-mei-lin.\(ext)").path), ext)
        }
        let linTexts = try readPNG(lin.appendingPathComponent("cards/captain-mei-lin.png")).texts
        let linCard = dataOf(try cardChunk(linTexts, "ccv3"))
        XCTAssertEqual(linCard["name"] as? String, "Captain Mei Lin")
        XCTAssertEqual(linCard["creator"] as? String, "dropforge examples")
        XCTAssertEqual(((linCard["character_book"] as? [String: Any])?["entries"] as? [Any])?.count, 2)
        XCTAssertEqual((linCard["alternate_greetings"] as? [Any])?.count, 2)
        XCTAssertTrue((linCard["first_mes"] as? String ?? "").contains("{{user}}"))

        let brannoc = try folder(of: "tavern-keeper.json", in: root)
        XCTAssertTrue(FileManager.default.fileExists(atPath: brannoc.appendingPathComponent("cards/old-brannoc.png").path))
        XCTAssertTrue(FileManager.default.fileExists(atPath: brannoc.appendingPathComponent("cards/old-brannoc.json").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: brannoc.appendingPathComponent("cards/old-brannoc.charx").path))
        let input = try jsonObject(Data(contentsOf: root.layout.config.appendingPathComponent("cards/tavern-keeper.json")))
        let (chunks, texts) = try readPNG(brannoc.appendingPathComponent("cards/old-brannoc.png"))
        XCTAssertEqual(texts.filter { ["chara", "ccv3"].contains($0.keyword) }.map(\.keyword), ["chara"]) // spec: v2
        XCTAssertEqual(texts.last?.chunkIndex, chunks.count - 2)
        let chara = try cardChunk(texts, "chara")
        XCTAssertEqual(chara["spec"] as? String, "chara_card_v2")
        let card = dataOf(chara)
        XCTAssertEqual(card["name"] as? String, "Old Brannoc")
        XCTAssertEqual(card["first_mes"] as? String, dataOf(input)["first_mes"] as? String)
        XCTAssertTrue((card["description"] as? String ?? "").contains("Drowned Lantern"), card["description"] as? String ?? "")
        XCTAssertEqual(card["creator_notes"] as? String, dataOf(input)["creator_notes"] as? String)
        let extensions = try XCTUnwrap(card["extensions"] as? [String: Any])
        let inputExtensions = try XCTUnwrap(dataOf(input)["extensions"] as? [String: Any])
        try assertJSONEqual(extensions["talkativeness"] as Any, inputExtensions["talkativeness"] as Any)
        try assertJSONEqual(extensions["depth_prompt"] as Any, inputExtensions["depth_prompt"] as Any)
        try assertJSONEqual(extensions, inputExtensions)
        XCTAssertEqual(card["tags"] as? [String], ["tavern", "innkeeper", "fantasy"])
        try assertJSONEqual(try jsonObject(Data(contentsOf: brannoc.appendingPathComponent("cards/old-brannoc.json"))), chara)
    }
}
