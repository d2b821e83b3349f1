import DropForgeKit
import FakeServers
import Foundation
import XCTest

/// Issue 16, point 1, through the built binary: a reply cut off, not JSON, or off the schema is
/// sampled again with a line saying what was wrong, and the item completes with `attempts: 2`;
/// each call kind sends its own `max_tokens`.
extension ProviderEndToEndTests {
    static func reply(_ content: String, finishReason: String = "stop") -> FakeHTTPServer.FakeResponse {
        .json(FakeChatServer.completion(content, model: chatModel, promptTokens: 40, completionTokens: 20, finishReason: finishReason))
    }

    func testUnusableRepliesAreSampledAgainAndTheItemsComplete() throws {
        let chat = try FakeChatServer { call, attempt in
            guard attempt == 0 else { return nil }
            switch call.kind {
            case "prompt" where call.subject.contains("fox"):
                return Self.reply(#"{"prompt": "a fox in red and blue circles, painted"#, finishReason: "length")
            case "review" where call.subject.contains("owl"):
                return Self.reply("The image looks fine to me: a clean owl.")
            case "metadata" where call.subject.contains("hare"):
                return Self.reply(#"{"title": "Hare", "description": "A hare.", "tags": "hare"}"#)
            default:
                return nil
            }
        }
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        try root.drop("tries.yaml", Self.manifest(name: "tries", keywords: ["fox", "owl", "hare"], writer: "chat", vision: "chat",
                                                  metadata: "chat", text: "{max_tokens: {prompt: 120}}"))
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let summary = try XCTUnwrap(try published(root)["tries"]?.summary)
        XCTAssertEqual(summary["status"] as? String, "completed")
        let byKeyword = Dictionary(uniqueKeysWithValues: items(summary).map { ($0["keyword"] as? String ?? "", $0) })
        for keyword in ["fox", "owl", "hare"] {
            XCTAssertEqual(byKeyword[keyword]?["status"] as? String, "approved", keyword)
            XCTAssertEqual(byKeyword[keyword]?["attempts"] as? Int, 2, "\(keyword): \(byKeyword[keyword] ?? [:])")
        }
        XCTAssertEqual(byKeyword["fox"]?["prompt"] as? String, FakeChatServer.writtenPrompt(draft: Self.draft("fox")))
        XCTAssertEqual(byKeyword["hare"]?["tags"] as? [String], FakeChatServer.tags(keyword: "hare"))

        let foxPrompts = chat.calls("prompt").filter { $0.subject.contains("fox") }
        XCTAssertEqual(foxPrompts.count, 2)
        XCTAssertFalse(foxPrompts[0].userText.contains("your last reply"))
        XCTAssertTrue(foxPrompts[1].userText.hasSuffix("Reply with JSON only, matching the schema, and keep it short; your last reply was cut off."),
                      foxPrompts[1].userText)
        XCTAssertTrue(chat.calls("review").filter { $0.subject.contains("owl") }.last?.userText
            .hasSuffix("with no other text; your last reply was not JSON.") ?? false)
        XCTAssertTrue(chat.calls("metadata").filter { $0.subject.contains("hare") }.last?.userText
            .hasSuffix("your last reply broke it ($.tags: expected an array, found a string).") ?? false)
        // Each kind of call has its own limit: the manifest's for prompts, the defaults otherwise.
        for (kind, limit) in [("prompt", 120), ("review", 300), ("metadata", 500)] {
            XCTAssertEqual(Set(chat.calls(kind).map { $0.body["max_tokens"] as? Int }), [limit], kind)
        }

        // One warning per reply asked for again, in the job log.
        let logs = try FileManager.default.contentsOfDirectory(at: root.layout.logs, includingPropertiesForKeys: nil)
        let lines = try logs.flatMap { try String(contentsOf: $0, encoding: .utf8).split(separator: "\n") }
        let resamples = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            .filter { $0["event"] as? String == "resample" }
        XCTAssertEqual(resamples.map { $0["stage"] as? String ?? "" }.sorted(), ["metadata", "parameters", "quality"], "\(resamples)")
        XCTAssertTrue(resamples.allSatisfy { $0["level"] as? String == "warning" })
        let quality = try XCTUnwrap(resamples.first { $0["stage"] as? String == "quality" }?["message"] as? String)
        XCTAssertTrue(quality.hasPrefix("reply 1 of 3 from 'chat' was unusable (the reply is not JSON"), quality)
    }

    /// A card field cut off once is asked again; the card completes with every field written.
    func testACardFieldCutOffIsAskedAgain() throws {
        let chat = try FakeChatServer { call, attempt in
            call.kind == "card_field" && call.subject == "scenario" && attempt == 0
                ? Self.reply(#"{"text": "Ada meets {{user}} on the"#, finishReason: "length") : nil
        }
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        try root.drop("ada.yaml", """
            version: 1
            kind: card
            name: ada
            card:
              source_material: "# Ada\\n## Description\\nAda keeps the lighthouse."
              avatar: {prompt: "portrait of a keeper", provider: local, seed: 2, size: 64}
              writer: chat
            export: {formats: [card_json]}

            """)
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let job = try XCTUnwrap(try published(root)["ada"])
        XCTAssertEqual(job.summary["status"] as? String, "completed")
        XCTAssertEqual(chat.calls("card_field").map(\.subject), ["personality", "scenario", "scenario", "first_mes", "mes_example"])
        XCTAssertEqual(Set(chat.calls("card_field").map { $0.body["max_tokens"] as? Int }), [1500])
        XCTAssertEqual(try cardData(job, in: root)["scenario"] as? String, FakeChatServer.cardText(field: "scenario"))
    }
}
