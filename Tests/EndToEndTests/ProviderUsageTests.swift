import DropForgeKit
import FakeServers
import Foundation
import XCTest

/// Issue 17, point 10, against the fake OpenAI-compatible chat server: every call's tokens are
/// counted whether its step then succeeds or fails, a retry execution counts only its own calls,
/// job.json and `jobs show` name the model that answered, and small costs stay readable.
extension ProviderEndToEndTests {
    /// What the servers answer with: a dated name, as real servers do, priced by its base name.
    static var answered: String { chatModel + "-2024-07-18" }
    /// The tokens of the unusable review the fault sends.
    static var wasted: (prompt: Int, completion: Int) { (700, 300) }

    /// A reply that is a proper chat completion with usage, whose content breaks the review schema.
    static func unusableReview() -> FakeHTTPServer.FakeResponse {
        .json(FakeChatServer.completion(#"{"verdict": "maybe"}"#, model: answered,
                                        promptTokens: wasted.prompt, completionTokens: wasted.completion))
    }

    func usage(_ summary: [String: Any]) -> [String: Any] { summary["usage"] as? [String: Any] ?? [:] }

    /// Two items with a prompt writer and a vision check: the owl's reviews are unusable all three
    /// times it is asked (then a permanent `invalid_output`), so the owl fails in quality. Its
    /// wasted calls still count, on the item and on the execution; the retry then counts only its
    /// own review.
    func testFailedCallsCountAndARetryCountsOnlyItsOwnCalls() throws {
        let chat = try FakeChatServer(answeredModel: Self.answered) { call, attempt in
            call.kind == "review" && call.subject.contains("owl") && attempt < 3 ? Self.unusableReview() : nil
        }
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        try root.drop("night.yaml", """
            version: 1
            kind: images
            name: night
            params: {template: "a {keyword} in red and blue circles", keywords: [fox, owl], size: 64, seed: 3, writer: chat}
            quality: {checks: [decode, dimensions, blank], vision: chat}
            metadata: {enabled: false}

            """)
        XCTAssertEqual(try root.run(["drain"], environment: Self.environment).status, 0)
        let first = try XCTUnwrap(try published(root)["night"]?.summary)
        XCTAssertEqual((first["counts"] as? [String: Int])?["failed"], 1)
        let tokens = FakeChatServer.tokens
        let prompt = try XCTUnwrap(tokens["prompt"]), review = try XCTUnwrap(tokens["review"])
        // Two prompts written, the fox's review and the owl's three unusable ones.
        let promptTokens = 2 * prompt.prompt + review.prompt + 3 * Self.wasted.prompt
        let completionTokens = 2 * prompt.completion + review.completion + 3 * Self.wasted.completion
        XCTAssertEqual(usage(first)["prompt_tokens"] as? Int, promptTokens, "\(usage(first))")
        XCTAssertEqual(usage(first)["completion_tokens"] as? Int, completionTokens)
        XCTAssertEqual(usage(first)["calls"] as? Int, 6)
        XCTAssertEqual(usage(first)["models"] as? [String], [Self.answered])
        XCTAssertEqual(usage(first)["cost"] as? Double ?? -1, cost(promptTokens: promptTokens, completionTokens: completionTokens),
                       accuracy: 1e-6)
        let owl = try XCTUnwrap(items(first).first { $0["keyword"] as? String == "owl" })
        XCTAssertEqual(owl["status"] as? String, "failed")
        XCTAssertEqual(owl["attempts"] as? Int, 3)
        XCTAssertTrue((owl["error"] as? String ?? "").contains("no usable reply in 3 attempts — attempts 1-3: the reply does not match"),
                      "\(owl)")
        XCTAssertEqual((owl["usage"] as? [String: Any])?["prompt_tokens"] as? Int, prompt.prompt + 3 * Self.wasted.prompt)

        let retry = try root.run(["jobs", "retry", "night"], environment: Self.environment)
        XCTAssertEqual(retry.status, 0, retry.stdout + retry.stderr)
        let second = try XCTUnwrap(try root.results.first { $0.hasSuffix(".2") }.map {
            try root.json(root.layout.results.appendingPathComponent($0).appendingPathComponent("job.json"))
        }, "the retry is published in results/: \(root.results) \(root.failures)")
        XCTAssertEqual(second["parent"] as? String, first["execution"] as? String)
        // Only the owl's second review: its prompt was written (and paid for) by the parent.
        XCTAssertEqual(usage(second)["prompt_tokens"] as? Int, review.prompt, "\(usage(second))")
        XCTAssertEqual(usage(second)["completion_tokens"] as? Int, review.completion)
        XCTAssertEqual(usage(second)["calls"] as? Int, 1)

        let show = try root.run(["jobs", "show", "night"])
        XCTAssertEqual(show.status, 0, show.stderr)
        XCTAssertTrue(show.stdout.contains("in 6 call(s), cost $0.01"), show.stdout)
        XCTAssertTrue(show.stdout.contains("answered by \(Self.answered)"), show.stdout)
        XCTAssertFalse(show.stdout.contains("$0.0000"), "a priced job's cost is never shown as zero: \(show.stdout)")
        let detail = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try root.run(["jobs", "show", "night", "--json"]).stdout.utf8)) as? [String: Any])
        let executions = detail["executions"] as? [[String: Any]] ?? []
        XCTAssertEqual(executions.map { $0["calls"] as? Int }, [6, 1])
        XCTAssertEqual(executions.last?["models"] as? [String], [Self.answered])
    }

    /// Every item fails in metadata (the writer's reply has an empty title): error.json names
    /// the metadata stage, where the items failed, not generate.
    func testItemsFailedNamesTheStageTheItemsFailedIn() throws {
        let chat = try FakeChatServer { call, _ in
            call.kind == "metadata"
                ? .json(FakeChatServer.completion(#"{"title": "", "description": "d", "tags": []}"#, model: Self.chatModel,
                                                  promptTokens: 10, completionTokens: 5))
                : nil
        }
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        try root.drop("dull.yaml", Self.manifest(name: "dull", keywords: ["fox", "owl"], metadata: "chat"))
        XCTAssertEqual(try root.run(["drain"], environment: Self.environment).status, 1)
        let folder = root.layout.failures.appendingPathComponent(try XCTUnwrap(root.failures.first))
        let error = try root.json(folder.appendingPathComponent("error.json"))
        XCTAssertEqual(error["code"] as? String, "items_failed")
        XCTAssertEqual(error["stage"] as? String, "metadata", "\(error)")
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("2 in metadata") && message.contains("invalid_output"), message)
    }

    /// Prompt writing is a step per item: the owl's unusable prompts (all three samples) fail only
    /// the owl, and the fox's 503 is retried on its own; the hare never notices either. `jobs
    /// retry` then asks for the owl's prompt again, from its draft.
    func testPromptWritingFailsAndRetriesItemByItem() throws {
        let chat = try FakeChatServer { call, attempt in
            guard call.kind == "prompt" else { return nil }
            if call.subject.contains("owl") && attempt < 3 {
                return .json(FakeChatServer.completion(#"{"prompt": ""}"#, model: Self.chatModel, promptTokens: 10, completionTokens: 1))
            }
            return call.subject.contains("fox") && attempt == 0 ? .json(#"{"error": {"message": "loading model"}}"#, status: 503) : nil
        }
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        try root.drop("three.yaml", Self.manifest(name: "three", keywords: ["fox", "owl", "hare"], writer: "chat"))
        XCTAssertEqual(try root.run(["drain"], environment: Self.environment).status, 0)
        let summary = try XCTUnwrap(try published(root)["three"]?.summary)
        XCTAssertEqual(summary["counts"] as? [String: Int], ["total": 3, "approved": 2, "rejected": 0, "failed": 1])
        let byKeyword = Dictionary(uniqueKeysWithValues: items(summary).map { ($0["keyword"] as? String ?? "", $0) })
        XCTAssertEqual(byKeyword["owl"]?["status"] as? String, "failed")
        XCTAssertTrue((byKeyword["owl"]?["error"] as? String ?? "").hasPrefix("invalid_output"), "\(byKeyword["owl"] ?? [:])")
        XCTAssertEqual(byKeyword["fox"]?["prompt"] as? String, FakeChatServer.writtenPrompt(draft: Self.draft("fox")))
        XCTAssertEqual(chat.calls("prompt").filter { $0.subject.contains("fox") }.count, 2, "the fox's prompt was asked again")
        XCTAssertEqual(chat.calls("prompt").filter { $0.subject.contains("hare") }.count, 1, "the hare's prompt was asked once")
        XCTAssertEqual(chat.calls("prompt").filter { $0.subject.contains("owl") }.count, 3, "the owl's prompt was sampled three times")

        let retry = try root.run(["jobs", "retry", "three"], environment: Self.environment)
        XCTAssertEqual(retry.status, 0, retry.stdout + retry.stderr)
        let again = try XCTUnwrap(try root.results.first { $0.hasSuffix(".2") }.map {
            try root.json(root.layout.results.appendingPathComponent($0).appendingPathComponent("job.json"))
        }, "\(root.results) \(root.failures)")
        XCTAssertEqual(items(again).map { $0["keyword"] as? String }, ["owl"])
        XCTAssertEqual(items(again).first?["status"] as? String, "approved")
        XCTAssertEqual(items(again).first?["prompt"] as? String, FakeChatServer.writtenPrompt(draft: Self.draft("owl")))
    }

    /// A server that resets every connection four times (a restart) is waited for by the
    /// connection window — here the provider entry's own `retry:`, since the top-level one
    /// allows only 3 attempts — while a 500 keeps the standard 3 attempts.
    func testConnectionFailuresGetTheLongerWindowOfTheProvidersRetry() throws {
        let chat = try FakeChatServer { call, attempt in
            guard call.kind == "prompt" else { return nil }
            if call.subject.contains("owl") { return attempt < 4 ? .closeWithoutResponse : nil }
            return .json(#"{"error": {"message": "boom"}}"#, status: 500)
        }
        defer { chat.stop() }
        let root = try makeRoot(providers: [
            "chat: {type: openai-chat, base_url: \"\(chat.baseURL)\", model: \(Self.chatModel), api_key_env: \(Self.keyVariable), "
                + "timeout_seconds: 10, retry: {connection: {max_attempts: 6, base_delay_ms: 20, max_delay_ms: 100}}}",
        ])
        try root.drop("restart.yaml", Self.manifest(name: "restart", keywords: ["owl", "fox"], writer: "chat"))
        XCTAssertEqual(try root.run(["drain"], environment: Self.environment).status, 0)
        let summary = try XCTUnwrap(try published(root)["restart"]?.summary)
        let byKeyword = Dictionary(uniqueKeysWithValues: items(summary).map { ($0["keyword"] as? String ?? "", $0) })
        XCTAssertEqual(byKeyword["owl"]?["status"] as? String, "approved", "\(byKeyword["owl"] ?? [:])")
        XCTAssertEqual(chat.calls("prompt").filter { $0.subject.contains("owl") }.count, 5, "four resets, then the answer")
        XCTAssertEqual(byKeyword["fox"]?["status"] as? String, "failed")
        XCTAssertEqual(chat.calls("prompt").filter { $0.subject.contains("fox") }.count, 3, "a 500 keeps the standard attempts")
    }
}
