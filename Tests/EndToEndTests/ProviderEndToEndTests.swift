import DropForgeKit
import FakeServers
import Foundation
import XCTest
import DropForgeMedia
import DropForgeCards

/// Remote providers through a full `drain` of the real binary, against the fake servers of
/// FakeProviders.swift on 127.0.0.1: every image provider with openai-chat writing the prompts,
/// reviewing the images and writing the metadata; transient and permanent faults; the API key
/// never written under the root; a card written field by field by a chat provider.
final class ProviderEndToEndTests: XCTestCase {
    static let keyVariable = "DROPFORGE_E2E_API_KEY"
    static let key = "sk-dropforge-test-SECRET-1234"
    static var environment: [String: String] { [keyVariable: key] }

    /// The price table entry the tests configure, per million tokens.
    static let price = (input: 2.5, output: 10.0)
    static let chatModel = "fake-chat-model"
    static let negative = "blurry, text, watermark"  // the default profile's

    // MARK: - Helpers

    /// A root made by `dropforge init`, with fast retries (`retry: {max_attempts: 3,
    /// base_delay_ms: 50, max_delay_ms: 2000}`, connection failures too unless `connection` says
    /// otherwise), the given `providers:` entries (YAML lines,
    /// indented two spaces), a price for `chatModel`, and optionally a response-size limit.
    func makeRoot(providers: [String], httpResponseBytes: Int? = nil, pricedModel: String = chatModel,
                  connection: String = "{max_attempts: 3, base_delay_ms: 50, max_delay_ms: 2000}") throws -> TestRoot {
        let root = try TestRoot()
        try root.setConfig("retry: {max_attempts: 3, base_delay_ms: 500, max_delay_ms: 60000}",
                           "retry: {max_attempts: 3, base_delay_ms: 50, max_delay_ms: 2000, connection: \(connection)}")
        try root.setConfig("\nproviders: {}\n", "\nproviders:\n" + providers.map { "  " + $0 }.joined(separator: "\n") + "\n")
        try root.setConfig("\nprices: {}\n", "\nprices:\n  \(pricedModel): {input: \(Self.price.input), output: \(Self.price.output)}\n")
        if let bytes = httpResponseBytes {
            try root.setConfig("http_response_bytes: 67108864", "http_response_bytes: \(bytes)")
        }
        return root
    }

    static func chatEntry(_ name: String, _ server: FakeChatServer, timeout: Int = 10) -> String {
        "\(name): {type: openai-chat, base_url: \"\(server.baseURL)\", model: \(chatModel), api_key_env: \(keyVariable), timeout_seconds: \(timeout)}"
    }

    /// An images manifest: one item per keyword (aspect ratios 1:1 and 3:2 in turn, long side 96).
    static func manifest(name: String, keywords: [String], writer: String = "local", generate: String = "local",
                         vision: String? = nil, metadata: String = "local", text: String? = nil) -> String {
        """
        version: 1
        kind: images
        name: \(name)
        params:
          template: "a {keyword} in red and blue circles"
          keywords: [\(keywords.map { "\"\($0)\"" }.joined(separator: ", "))]
          aspect_ratios: ["1:1", "3:2"]
          size: 96
          seed: 7
          writer: \(writer)
        generate: {provider: \(generate)}
        quality: {checks: [decode, dimensions, blank, duplicate]\(vision.map { ", vision: \($0)" } ?? "")}
        metadata: {writer: \(metadata)}
        \(text.map { "text: \($0)" } ?? "")

        """
    }

    static func draft(_ keyword: String) -> String { "a \(keyword) in red and blue circles" }

    /// Every published folder (results/ and failures/) by job name: the folder and its job.json.
    func published(_ root: TestRoot) throws -> [String: (folder: URL, summary: [String: Any])] {
        var found: [String: (URL, [String: Any])] = [:]
        for (parent, folders) in [(root.layout.results, root.results), (root.layout.failures, root.failures)] {
            for folder in folders {
                let url = parent.appendingPathComponent(folder)
                let summary = try root.json(url.appendingPathComponent("job.json"))
                found[summary["name"] as? String ?? folder] = (url, summary)
            }
        }
        return found
    }

    func items(_ summary: [String: Any]) -> [[String: Any]] { summary["items"] as? [[String: Any]] ?? [] }

    /// The `data` of the card JSON a published card job wrote.
    func cardData(_ job: (folder: URL, summary: [String: Any]), in root: TestRoot) throws -> [String: Any] {
        let card = try XCTUnwrap(job.summary["card"] as? [String: Any])
        let jsonFile = try XCTUnwrap((card["files"] as? [String])?.first { $0.hasSuffix(".json") })
        return try XCTUnwrap(try root.json(job.folder.appendingPathComponent(jsonFile))["data"] as? [String: Any])
    }

    func checks(_ item: [String: Any]) -> [[String: Any]] {
        (item["qc"] as? [String: Any])?["checks"] as? [[String: Any]] ?? []
    }

    /// Every regular file under `folder` whose bytes contain `needle`, relative to `folder`.
    func filesContaining(_ needle: String, under folder: URL) throws -> [String] {
        let bytes = Data(needle.utf8)
        var hits: [String] = []
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard try url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile == true else { continue }
            if try Data(contentsOf: url).range(of: bytes) != nil {
                hits.append(String(url.path.dropFirst(folder.path.count)))
            }
        }
        return hits
    }

    func fileCount(under folder: URL) -> Int {
        var count = 0
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true { count += 1 }
        }
        return count
    }

    func pngText(_ data: Data) throws -> [String: [String]] {
        Dictionary(grouping: try PNGCodec.decode(data).text, by: \.keyword).mapValues { $0.map(\.text) }
    }

    func cost(promptTokens: Int, completionTokens: Int) -> Double {
        (Double(promptTokens) * Self.price.input + Double(completionTokens) * Self.price.output) / 1_000_000
    }

    // MARK: - 1. A full drain with each image provider

    /// Two items: `lighthouse` is approved; `logo mug` gets a prompt that mentions a logo, which
    /// the fake vision model rejects, so it waits in review/. Returns the job's folder and items.
    @discardableResult
    func assertFullDrain(generate: String, chat: FakeChatServer, root: TestRoot,
                         file: StaticString = #filePath, line: UInt = #line) throws -> (folder: URL, items: [[String: Any]]) {
        try root.drop("studio.yaml", Self.manifest(name: "studio", keywords: ["lighthouse", "logo mug"], writer: "chat",
                                                   generate: generate, vision: "chat", metadata: "chat",
                                                   text: "{temperature: 0.3, top_p: 0.9, max_tokens: 400}"))
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, "drain: \(result.stdout)\n\(result.stderr)", file: file, line: line)
        XCTAssertEqual(root.failures, [], file: file, line: line)
        let folder = root.layout.results.appendingPathComponent(try XCTUnwrap(root.results.first, file: file, line: line))
        let summary = try root.json(folder.appendingPathComponent("job.json"))
        XCTAssertEqual(summary["status"] as? String, "completed", file: file, line: line)
        XCTAssertEqual((summary["counts"] as? [String: Int])?["approved"], 1, "\(summary["counts"] ?? "")", file: file, line: line)
        XCTAssertEqual((summary["counts"] as? [String: Int])?["rejected"], 1, file: file, line: line)
        let items = self.items(summary)
        XCTAssertEqual(items.count, 2, file: file, line: line)

        for item in items {
            let keyword = item["keyword"] as? String ?? "?"
            // The prompt in job.json is the one the chat server wrote from the template's draft.
            XCTAssertEqual(item["prompt"] as? String, FakeChatServer.writtenPrompt(draft: Self.draft(keyword)), file: file, line: line)
            XCTAssertEqual(item["provider"] as? String, generate, file: file, line: line)
            let vision = checks(item).first { $0["check"] as? String == "vision" }
            XCTAssertNotNil(vision, "no vision verdict for \(keyword): \(checks(item))", file: file, line: line)
            if keyword == "lighthouse" {
                XCTAssertEqual(item["status"] as? String, "approved", file: file, line: line)
                XCTAssertEqual(vision?["passed"] as? Bool, true, file: file, line: line)
                XCTAssertEqual(vision?["detail"] as? String, "chat: fake vision: clean image, no text or logos", file: file, line: line)
                XCTAssertEqual(item["title"] as? String, FakeChatServer.title(keyword: keyword), file: file, line: line)
                XCTAssertEqual(item["description"] as? String, FakeChatServer.description(keyword: keyword), file: file, line: line)
                XCTAssertEqual(item["tags"] as? [String], FakeChatServer.tags(keyword: keyword), file: file, line: line)
                // The image decodes at the asked size and carries the server's metadata.
                let data = try Data(contentsOf: folder.appendingPathComponent(try XCTUnwrap(item["file"] as? String, file: file, line: line)))
                let png = try PNGCodec.decode(data)
                XCTAssertEqual(png.image.width, item["width"] as? Int, file: file, line: line)
                XCTAssertEqual(png.image.height, item["height"] as? Int, file: file, line: line)
                let text = try pngText(data)
                XCTAssertEqual(text["Title"], [FakeChatServer.title(keyword: keyword)], file: file, line: line)
                XCTAssertEqual(text["Keywords"], [FakeChatServer.tags(keyword: keyword).joined(separator: ", ")], file: file, line: line)
                XCTAssertEqual(text["parameters"]?.count, 1, "one parameters chunk, dropforge's: \(text.keys)", file: file, line: line)
                XCTAssertNil(text["workflow"], "the generator's own chunks are dropped", file: file, line: line)
                let sidecar = try root.json(folder.appendingPathComponent("images/0001.json"))
                XCTAssertEqual(sidecar["title"] as? String, FakeChatServer.title(keyword: keyword), file: file, line: line)
                // The item's usage: its prompt, review and metadata calls.
                let usage = item["usage"] as? [String: Any]
                let tokens = ["prompt", "review", "metadata"].compactMap { FakeChatServer.tokens[$0] }
                XCTAssertEqual(usage?["prompt_tokens"] as? Int, tokens.map(\.prompt).reduce(0, +), file: file, line: line)
                XCTAssertEqual(usage?["completion_tokens"] as? Int, tokens.map(\.completion).reduce(0, +), file: file, line: line)
            } else {
                XCTAssertEqual(item["status"] as? String, "rejected", file: file, line: line)
                XCTAssertEqual(vision?["passed"] as? Bool, false, file: file, line: line)
                XCTAssertTrue((vision?["detail"] as? String ?? "").contains("logo"), "\(vision ?? [:])", file: file, line: line)
            }
        }
        let review = root.layout.review.appendingPathComponent(folder.lastPathComponent)
        XCTAssertTrue(FileManager.default.fileExists(atPath: review.appendingPathComponent("0002.png").path), file: file, line: line)

        // The chat server: two prompts, two reviews with the image attached, metadata for the approved one.
        let calls = chat.calls
        XCTAssertEqual(chat.calls("prompt").count, 2, file: file, line: line)
        XCTAssertEqual(chat.calls("review").count, 2, file: file, line: line)
        XCTAssertEqual(chat.calls("metadata").map(\.subject), ["lighthouse"], file: file, line: line)
        for call in calls {
            XCTAssertEqual(call.authorization, "Bearer \(Self.key)", file: file, line: line)
            XCTAssertEqual(call.mode, "json_schema", file: file, line: line)
            XCTAssertEqual(call.body["model"] as? String, Self.chatModel, file: file, line: line)
            // The manifest's `text:` sampling reaches every call.
            XCTAssertEqual(call.body["temperature"] as? Double, 0.3, file: file, line: line)
            XCTAssertEqual(call.body["top_p"] as? Double, 0.9, file: file, line: line)
            XCTAssertEqual(call.body["max_tokens"] as? Int, 400, file: file, line: line)
        }
        for call in chat.calls("review") {
            let image = try XCTUnwrap(call.image, "a review without the image", file: file, line: line)
            XCTAssertNoThrow(try PNGCodec.decode(image), file: file, line: line)
        }
        // job.json: the summed tokens of every call, and their cost from `prices:`.
        let usage = try XCTUnwrap(summary["usage"] as? [String: Any], file: file, line: line)
        let promptTokens = calls.map(\.promptTokens).reduce(0, +), completionTokens = calls.map(\.completionTokens).reduce(0, +)
        XCTAssertEqual(usage["prompt_tokens"] as? Int, promptTokens, file: file, line: line)
        XCTAssertEqual(usage["completion_tokens"] as? Int, completionTokens, file: file, line: line)
        XCTAssertEqual(usage["cost"] as? Double ?? -1, cost(promptTokens: promptTokens, completionTokens: completionTokens),
                       accuracy: 1e-6, file: file, line: line)
        XCTAssertGreaterThan(usage["cost"] as? Double ?? 0, 0, file: file, line: line)
        // And the key, passed only through the environment, is written nowhere.
        XCTAssertEqual(try filesContaining(Self.key, under: root.url), [], file: file, line: line)
        XCTAssertFalse(result.stdout.contains(Self.key) || result.stderr.contains(Self.key), file: file, line: line)
        return (folder, items)
    }

    func testFullDrainWithAUTOMATIC1111() throws {
        let chat = try FakeChatServer()
        let a1111 = try FakeA1111Server()
        defer { chat.stop(); a1111.stop() }
        let root = try makeRoot(providers: [
            Self.chatEntry("chat", chat),
            "gpu: {type: a1111, base_url: \"\(a1111.baseURL)\", concurrency: 1, timeout_seconds: 10}",
        ])
        let (folder, items) = try assertFullDrain(generate: "gpu", chat: chat, root: root)

        let calls = a1111.calls
        XCTAssertEqual(calls.count, 2)
        for (call, item) in zip(calls.sorted { ($0.body["seed"] as? Int ?? 0) < ($1.body["seed"] as? Int ?? 0) },
                                items.sorted { ($0["seed"] as? Int ?? 0) < ($1["seed"] as? Int ?? 0) }) {
            XCTAssertEqual(call.path, "/sdapi/v1/txt2img")
            XCTAssertNil(call.authorization, "no api_key_env, no Authorization")
            XCTAssertEqual(call.body["prompt"] as? String, item["prompt"] as? String)
            XCTAssertEqual(call.body["negative_prompt"] as? String, Self.negative)
            XCTAssertEqual(call.body["width"] as? Int, item["width"] as? Int)
            XCTAssertEqual(call.body["height"] as? Int, item["height"] as? Int)
            XCTAssertEqual(call.body["seed"] as? Int, item["seed"] as? Int)
            XCTAssertEqual(call.body["steps"] as? Int, 20)
            XCTAssertEqual(call.body["cfg_scale"] as? Double, 7)
            XCTAssertEqual(call.body["sampler_name"] as? String, "Euler a")
            XCTAssertEqual(call.body["batch_size"] as? Int, 1)
        }
        XCTAssertEqual(Set(items.compactMap { $0["width"] as? Int }.map { $0 }), [96])
        XCTAssertEqual(Set(items.compactMap { $0["height"] as? Int }), [96, 64])
        // The seed actually used comes from A1111's `info`, into the PNG's parameters.
        let approved = try XCTUnwrap(items.first { $0["status"] as? String == "approved" })
        let parameters = try pngText(Data(contentsOf: folder.appendingPathComponent(approved["file"] as? String ?? "")))["parameters"]?.first ?? ""
        let usedSeed = UInt32(approved["seed"] as? Int ?? 0) + FakeA1111Server.seedOffset
        XCTAssertTrue(parameters.contains("Seed: \(usedSeed)"), parameters)
        XCTAssertTrue(parameters.contains("Model: \(FakeA1111Server.model)"), parameters)
    }

    /// Generation settings from the providers entry and the manifest reach A1111 key by key, and
    /// the PNG's `parameters` names what was used (issue 16, point 3).
    func testGenerationSettingsReachA1111AndTheParametersText() throws {
        let a1111 = try FakeA1111Server()
        defer { a1111.stop() }
        let root = try makeRoot(providers: [
            "gpu: {type: a1111, base_url: \"\(a1111.baseURL)\", steps: 25, sampler_name: \"DPM++ 2M\", cfg_scale: 6, timeout_seconds: 10}",
        ])
        try root.drop("tuned.yaml", """
            version: 1
            kind: images
            name: tuned
            params: {template: "a {keyword} in red and blue circles", keywords: [fox], size: 64, seed: 5}
            generate: {provider: gpu, cfg_scale: 4.5, scheduler: Karras, override_settings: {sd_model_checkpoint: ponyV6, CLIP_stop_at_last_layers: 2}}
            quality: {checks: [decode, dimensions]}

            """)
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let call = try XCTUnwrap(a1111.calls.first)
        XCTAssertEqual(call.body["steps"] as? Int, 25, "the entry's")
        XCTAssertEqual(call.body["sampler_name"] as? String, "DPM++ 2M")
        XCTAssertEqual(call.body["cfg_scale"] as? Double, 4.5, "the manifest's over the entry's")
        XCTAssertEqual(call.body["scheduler"] as? String, "Karras")
        let overrides = try XCTUnwrap(call.body["override_settings"] as? [String: Any])
        XCTAssertEqual(overrides["sd_model_checkpoint"] as? String, "ponyV6")
        XCTAssertEqual(overrides["CLIP_stop_at_last_layers"] as? Int, 2)
        let job = try XCTUnwrap(try published(root)["tuned"])
        let item = try XCTUnwrap(items(job.summary).first)
        let parameters = try pngText(Data(contentsOf: job.folder.appendingPathComponent(item["file"] as? String ?? "")))["parameters"]?.first ?? ""
        XCTAssertTrue(parameters.contains("Steps: 25, Sampler: DPM++ 2M, Schedule type: Karras, CFG scale: 4.5, Seed: "), parameters)
        XCTAssertTrue(parameters.hasSuffix("Model: ponyV6"), parameters)
    }

    func testFullDrainWithComfyUIAndTheShippedWorkflow() throws {
        let chat = try FakeChatServer()
        let comfy = try FakeComfyUIServer(pendingPolls: 1)
        defer { chat.stop(); comfy.stop() }
        let root = try makeRoot(providers: [
            Self.chatEntry("chat", chat),
            "comfy: {type: comfyui, base_url: \"\(comfy.baseURL)\", workflow: templates/comfy-txt2img.json, timeout_seconds: 20}",
        ])
        // `dropforge init` installs the shipped template; it is the repository's file.
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let installed = root.layout.config.appendingPathComponent("templates/comfy-txt2img.json")
        XCTAssertEqual(try Data(contentsOf: installed), try Data(contentsOf: repository.appendingPathComponent("config/templates/comfy-txt2img.json")))

        let (folder, items) = try assertFullDrain(generate: "comfy", chat: chat, root: root)

        let calls = comfy.calls
        let queued = calls.filter { $0.method == "POST" && $0.path == "/prompt" }
        XCTAssertEqual(queued.count, 2)
        for call in queued {
            let workflow = try XCTUnwrap(call.body["prompt"] as? [String: [String: Any]])
            let inputs = { (node: String) in workflow[node]?["inputs"] as? [String: Any] ?? [:] }
            let item = try XCTUnwrap(items.first { $0["prompt"] as? String == inputs("6")["text"] as? String },
                                     "the positive CLIPTextEncode carries an item's written prompt")
            XCTAssertEqual(inputs("7")["text"] as? String, Self.negative)
            XCTAssertEqual(inputs("3")["seed"] as? Int, item["seed"] as? Int)
            XCTAssertEqual(inputs("5")["width"] as? Int, item["width"] as? Int)
            XCTAssertEqual(inputs("5")["height"] as? Int, item["height"] as? Int)
            XCTAssertEqual(inputs("4")["ckpt_name"] as? String, "sd_xl_base_1.0.safetensors")
            XCTAssertNotNil(call.body["client_id"] as? String)
        }
        // Each prompt was polled (pending once, then done) and its image fetched through /view.
        XCTAssertGreaterThanOrEqual(calls.filter { $0.method == "GET" && $0.path.hasPrefix("/history/") }.count, 4)
        XCTAssertEqual(calls.filter { $0.method == "GET" && $0.path.hasPrefix("/view?") }.count, 2)
        XCTAssertTrue(calls.filter { $0.path.hasPrefix("/view?") }.allSatisfy { $0.path.contains("type=output") })
        let approved = try XCTUnwrap(items.first { $0["status"] as? String == "approved" })
        let parameters = try pngText(Data(contentsOf: folder.appendingPathComponent(approved["file"] as? String ?? "")))["parameters"]?.first ?? ""
        XCTAssertTrue(parameters.contains("Model: sd_xl_base_1.0"), parameters)
        XCTAssertTrue(parameters.contains("Steps: 30"), parameters)
        XCTAssertTrue(parameters.contains("Seed: \(approved["seed"] as? Int ?? -1)"), parameters)
    }

    func testFullDrainWithOpenAIImages() throws {
        let chat = try FakeChatServer()
        let images = try FakeOpenAIImagesServer()
        defer { chat.stop(); images.stop() }
        let root = try makeRoot(providers: [
            Self.chatEntry("chat", chat),
            "dalle: {type: openai-images, base_url: \"\(images.baseURL)\", model: fake-image-1, api_key_env: \(Self.keyVariable), timeout_seconds: 10}",
        ])
        let (_, items) = try assertFullDrain(generate: "dalle", chat: chat, root: root)

        let calls = images.calls
        XCTAssertEqual(calls.count, 2)
        for call in calls {
            XCTAssertEqual(call.path, "/v1/images/generations")
            XCTAssertEqual(call.authorization, "Bearer \(Self.key)")
            XCTAssertEqual(call.body["model"] as? String, "fake-image-1")
            XCTAssertEqual(call.body["n"] as? Int, 1)
            XCTAssertEqual(call.body["response_format"] as? String, "b64_json")
            let item = try XCTUnwrap(items.first { $0["prompt"] as? String == call.body["prompt"] as? String })
            // A model the size table does not know gets the item's own size.
            XCTAssertEqual(call.body["size"] as? String, "\(item["width"] as? Int ?? 0)x\(item["height"] as? Int ?? 0)")
        }
    }

    // MARK: - 2. Faults

    /// 500 then success, 429 with `Retry-After: 1`, and a truncated body: each is retried and its
    /// job completes.
    func testTransientFaultsAreRetriedAndTheJobsComplete() throws {
        let chat = try FakeChatServer { call, attempt in
            guard call.kind == "prompt", attempt == 0 else { return nil }
            switch call.subject {
            case "flaky":
                return .json(#"{"error": {"message": "The server had an error while processing your request. Sorry about that!", "type": "server_error"}}"#,
                             status: 500)
            case "throttled":
                return .json(#"{"error": {"message": "Rate limit reached for fake-chat-model", "type": "requests", "code": "rate_limit_exceeded"}}"#,
                             status: 429, headers: [("Retry-After", "1")])
            case "truncated":
                let whole = Data(FakeChatServer.completion(#"{"prompt": "never seen"}"#, model: "m", promptTokens: 1, completionTokens: 1).utf8)
                return .truncated(status: 200, headers: [("Content-Type", "application/json")],
                                  body: whole.prefix(whole.count / 2), declaredLength: whole.count)
            default:
                return nil
            }
        }
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        for keyword in ["flaky", "throttled", "truncated"] {
            try root.drop("\(keyword).yaml", Self.manifest(name: keyword, keywords: [keyword], writer: "chat"))
        }
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let jobs = try published(root)
        XCTAssertEqual(root.failures, [])
        for keyword in ["flaky", "throttled", "truncated"] {
            let summary = try XCTUnwrap(jobs[keyword]?.summary, "no job \(keyword): \(jobs.keys)")
            XCTAssertEqual(summary["status"] as? String, "completed", keyword)
            XCTAssertEqual(items(summary).first?["prompt"] as? String, FakeChatServer.writtenPrompt(draft: Self.draft(keyword)))
            let calls = chat.calls(about: keyword)
            XCTAssertEqual(calls.count, 2, "\(keyword): \(calls.map(\.status))")
            // The log has the failed attempt and the retry.
            let log = try String(contentsOf: root.layout.log(job: jobs[keyword]!.folder.lastPathComponent), encoding: .utf8)
            XCTAssertTrue(log.contains("\"retry\""), "\(keyword) log: \(log)")
        }
        XCTAssertEqual(chat.calls(about: "flaky").map(\.status), [500, 200])
        XCTAssertEqual(chat.calls(about: "throttled").map(\.status), [429, 200])
        let throttled = chat.calls(about: "throttled")
        let gap = throttled[1].at.timeIntervalSince(throttled[0].at)
        XCTAssertGreaterThanOrEqual(gap, 0.9, "Retry-After: 1 was not honoured (second call after \(gap) s)")
        // The job that was merely throttled still records only the successful call's tokens.
        let usage = jobs["throttled"]?.summary["usage"] as? [String: Any]
        XCTAssertEqual(usage?["prompt_tokens"] as? Int, FakeChatServer.tokens["prompt"]?.prompt)
    }

    /// A call that hangs past `timeout_seconds: 1` every time: three attempts, then the item fails
    /// with a timeout error in error.json and job.json.
    func testAHangPastTheTimeoutFailsTheItemAfterMaxAttempts() throws {
        let a1111 = try FakeA1111Server { call, _ in .delayed(8, .json(FakeA1111Server.reply(to: call.body))) }
        defer { a1111.stop() }
        let root = try makeRoot(providers: ["gpu: {type: a1111, base_url: \"\(a1111.baseURL)\", timeout_seconds: 1}"])
        try root.drop("slow.yaml", Self.manifest(name: "slow", keywords: ["owl"], generate: "gpu"))
        let started = Date()
        let result = try root.run(["drain"], environment: Self.environment)
        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(root.results, [])
        let folder = root.layout.failures.appendingPathComponent(try XCTUnwrap(root.failures.first))
        let error = try root.json(folder.appendingPathComponent("error.json"))
        XCTAssertEqual(error["stage"] as? String, "generate")
        XCTAssertEqual(error["code"] as? String, "items_failed")
        XCTAssertEqual(error["attempts"] as? Int, 3)
        let message = error["message"] as? String ?? ""
        XCTAssertTrue(message.contains("http_timeout") && message.contains("timed out"), message)
        XCTAssertTrue(message.contains("provider 'gpu'") && message.contains("/sdapi/v1/txt2img"), message)
        let item = try XCTUnwrap(items(try root.json(folder.appendingPathComponent("job.json"))).first)
        XCTAssertEqual(item["status"] as? String, "failed")
        XCTAssertEqual(item["attempts"] as? Int, 3)
        XCTAssertTrue((item["error"] as? String ?? "").contains("timed out"), "\(item["error"] ?? "")")
        XCTAssertEqual(a1111.calls.count, 3)
        XCTAssertGreaterThanOrEqual(elapsed, 3, "three attempts of at least 1 s each")
        XCTAssertLessThan(elapsed, 8, "each attempt must end at its 1 s timeout, not when the server answers")
    }

    /// Malformed JSON, a body over `limits.http_response_bytes` and ComfyUI `node_errors` fail at
    /// once (one call each), JSON that always breaks the schema after its three samples, all with
    /// clear messages; a good job in the same drain, and a later drain, still run.
    func testPermanentFaultsFailAtOnceAndLaterJobsStillRun() throws {
        let limit = 16384
        let chat = try FakeChatServer { call, _ in
            guard call.kind == "prompt" else { return nil }
            switch call.subject {
            case "malformed":
                return .json(#"{"id": "chatcmpl-1", "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assis"#)
            case "schema-break":
                return .json(FakeChatServer.completion(#"{"prompt": 42}"#, model: chatModelAnswer, promptTokens: 5, completionTokens: 5))
            case "oversize":
                return .json(FakeChatServer.completion(#"{"prompt": "big"}"#, model: chatModelAnswer, promptTokens: 5, completionTokens: 5,
                                                       padding: 4 * limit))
            case "oversize-chunked":
                // No Content-Length to refuse up front: the limit must hold while reading.
                let body = Data(FakeChatServer.completion(#"{"prompt": "big"}"#, model: chatModelAnswer, promptTokens: 5, completionTokens: 5,
                                                          padding: 4 * limit).utf8)
                return .chunked(status: 200, headers: [("Content-Type", "application/json")],
                                chunks: stride(from: 0, to: body.count, by: 4096).map { body.subdata(in: $0..<min(body.count, $0 + 4096)) })
            default:
                return nil
            }
        }
        let comfy = try FakeComfyUIServer(rejectWithNodeErrors: true)
        defer { chat.stop(); comfy.stop() }
        let root = try makeRoot(providers: [
            Self.chatEntry("chat", chat),
            "comfy: {type: comfyui, base_url: \"\(comfy.baseURL)\", workflow: templates/comfy-txt2img.json}",
        ], httpResponseBytes: limit)
        for keyword in ["malformed", "schema-break", "oversize", "oversize-chunked", "steady"] {
            try root.drop("\(keyword).yaml", Self.manifest(name: keyword, keywords: [keyword], writer: "chat"))
        }
        try root.drop("comfy-broken.yaml", Self.manifest(name: "comfy-broken", keywords: ["kite"], generate: "comfy"))

        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 1, result.stderr)
        var jobs = try published(root)
        XCTAssertEqual(jobs["steady"]?.summary["status"] as? String, "completed", "a good job beside failing ones completes")

        func error(_ name: String) throws -> [String: Any] {
            let folder = try XCTUnwrap(jobs[name]?.folder, "no job \(name): \(jobs.keys)")
            XCTAssertEqual(folder.deletingLastPathComponent().lastPathComponent, "failures", name)
            return try root.json(folder.appendingPathComponent("error.json"))
        }
        let expected: [(job: String, code: String, text: String)] = [
            ("malformed", "invalid_response", "not JSON"),
            ("schema-break", "invalid_output", "does not match the schema"),
            ("oversize", "http_too_large", "larger than \(limit) bytes"),
            ("oversize-chunked", "http_too_large", "larger than \(limit) bytes"),
        ]
        for (job, code, text) in expected {
            let failure = try error(job)
            // Prompt writing is a step per item: the one item fails there, and the job with it.
            XCTAssertEqual(failure["stage"] as? String, "parameters", job)
            XCTAssertEqual(failure["code"] as? String, "items_failed", job)
            // A reply off the schema is sampled again, up to retry.max_attempts (3); the others are
            // permanent at once.
            let calls = job == "schema-break" ? 3 : 1
            XCTAssertEqual(failure["attempts"] as? Int, calls, job)
            let message = failure["message"] as? String ?? ""
            XCTAssertTrue(message.contains(text) && message.contains(code + ": "), "\(job): \(message)")
            XCTAssertTrue(message.contains("provider 'chat'"), "\(job): \(message)")
            XCTAssertEqual(chat.calls.filter { $0.subject == job }.count, calls, "\(job): \(calls) call(s), no step retry")
        }
        let comfyFailure = try error("comfy-broken")
        XCTAssertEqual(comfyFailure["code"] as? String, "items_failed")
        let comfyMessage = comfyFailure["message"] as? String ?? ""
        for text in ["comfy_node_error", "node 4 (CheckpointLoaderSimple)", "ckpt_name: 'sd_xl_base_1.0.safetensors' not in"] {
            XCTAssertTrue(comfyMessage.contains(text), "missing \(text): \(comfyMessage)")
        }
        XCTAssertEqual(comfy.calls.map(\.path), ["/prompt"], "node_errors are permanent: queued once, never polled")
        XCTAssertEqual(items(jobs["comfy-broken"]!.summary).first?["attempts"] as? Int, 1)

        // A later drain on the same root runs its job.
        try root.drop("later.yaml", Self.manifest(name: "later", keywords: ["later"], writer: "chat"))
        let second = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(second.status, 0, second.stderr)
        jobs = try published(root)
        XCTAssertEqual(jobs["later"]?.summary["status"] as? String, "completed")
        XCTAssertEqual(items(jobs["later"]?.summary ?? [:]).first?["prompt"] as? String,
                       FakeChatServer.writtenPrompt(draft: Self.draft("later")))
    }

    // MARK: - 3. Secrets

    /// With the key in the environment, after a drain with a good job and a failing call whose
    /// error body echoes the key, no file under the root, and no command output, holds the key.
    func testTheAPIKeyIsWrittenNowhereUnderTheRoot() throws {
        let chat = try FakeChatServer()
        let images = try FakeOpenAIImagesServer()
        // A server that rejects the key, echoing it back the way some proxies do.
        let rejecting = try FakeChatServer { call, _ in
            .json(#"{"error": {"message": "Incorrect API key provided: \#(call.authorization?.replacingOccurrences(of: "Bearer ", with: "") ?? ""). You can find your API key at https://platform.openai.com/account/api-keys.", "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}"#,
                  status: 401)
        }
        defer { chat.stop(); images.stop(); rejecting.stop() }
        let root = try makeRoot(providers: [
            Self.chatEntry("chat", chat),
            Self.chatEntry("locked", rejecting),
            "dalle: {type: openai-images, base_url: \"\(images.baseURL)\", model: fake-image-1, api_key_env: \(Self.keyVariable)}",
        ])
        try root.drop("good.yaml", Self.manifest(name: "good", keywords: ["heron"], writer: "chat", generate: "dalle",
                                                 vision: "chat", metadata: "chat"))
        try root.drop("locked.yaml", Self.manifest(name: "locked", keywords: ["badger"], writer: "locked"))
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 1, result.stderr)

        let jobs = try published(root)
        XCTAssertEqual(jobs["good"]?.summary["status"] as? String, "completed")
        let failure = try root.json(try XCTUnwrap(jobs["locked"]?.folder).appendingPathComponent("error.json"))
        XCTAssertEqual(failure["code"] as? String, "items_failed")
        XCTAssertTrue((failure["message"] as? String ?? "").contains("http_401: "), "\(failure)")
        XCTAssertEqual(rejecting.calls.count, 1, "a 401 is permanent")
        XCTAssertEqual(rejecting.calls.first?.authorization, "Bearer \(Self.key)", "the key did reach the server")
        XCTAssertTrue((failure["message"] as? String ?? "").contains("Incorrect API key provided"), "\(failure)")
        XCTAssertFalse(chat.calls.isEmpty)
        XCTAssertFalse(images.calls.isEmpty)

        // The commands that read the store print no key either.
        var outputs = [result.stdout, result.stderr]
        for arguments in [["jobs", "list", "--json"], ["status", "--json"]]
            + jobs.values.flatMap({ [["jobs", "show", $0.folder.lastPathComponent, "--json"], ["jobs", "logs", $0.folder.lastPathComponent]] }) {
            let run = try root.run(arguments, environment: Self.environment)
            XCTAssertEqual(run.status, 0, "\(arguments): \(run.stderr)")
            outputs += [run.stdout, run.stderr]
        }
        XCTAssertTrue(outputs.joined().contains("Incorrect API key provided"), "the failure is reported")
        XCTAssertFalse(outputs.joined().contains(Self.key), "a command printed the key")

        // Every file's bytes: outbox, logs, state database (and its WAL), exports, work files.
        XCTAssertTrue(FileManager.default.fileExists(atPath: root.url.appendingPathComponent(".dropforge/state.sqlite").path))
        XCTAssertGreaterThan(fileCount(under: root.url), 10)
        XCTAssertEqual(try filesContaining(Self.key, under: root.url), [])
        // The scan does find what is there: the variable's name is in the config.
        XCTAssertEqual(try filesContaining(Self.keyVariable, under: root.url.appendingPathComponent("config")), ["/dropforge.yaml"])
    }

    /// The key comes only from the binary's environment: without the variable the job fails with
    /// `api_key_missing` naming it, and the server is never called.
    func testAMissingKeyFailsWithoutCallingTheServer() throws {
        let chat = try FakeChatServer()
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        try root.drop("nokey.yaml", Self.manifest(name: "nokey", keywords: ["moth"], writer: "chat"))
        let result = try root.run(["drain"])
        XCTAssertEqual(result.status, 1, result.stderr)
        let folder = try XCTUnwrap(try published(root)["nokey"]?.folder)
        let error = try root.json(folder.appendingPathComponent("error.json"))
        XCTAssertEqual(error["code"] as? String, "items_failed")
        XCTAssertEqual(error["stage"] as? String, "parameters")
        XCTAssertEqual(error["attempts"] as? Int, 1)
        XCTAssertTrue((error["message"] as? String ?? "").contains("api_key_missing: "), "\(error)")
        XCTAssertTrue((error["message"] as? String ?? "").contains(Self.keyVariable), "\(error)")
        XCTAssertEqual(chat.calls.count, 0)
    }

    // MARK: - 4. A card written by a chat provider

    /// `card.writer: <chat provider>`: the fields the source leaves empty are the server's `text`
    /// replies, one call per field; the server rejects `json_schema`, so the provider falls back
    /// to JSON mode with the schema in a system message, and keeps that mode.
    func testCardFieldsAreWrittenByTheChatProvider() throws {
        let chat = try FakeChatServer(rejectsJSONSchema: true)
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        let description = "Captain Ada Vell keeps the harbour lights of Saltmere burning through every storm."
        try root.drop("ada.yaml", """
            version: 1
            kind: card
            name: ada-vell
            card:
              spec: v3
              source_material: |
                # Ada Vell
                ## Description
                \(description)
                ## Tags
                harbour, captain
              avatar: {prompt: "portrait of a harbour captain", provider: local, seed: 3, size: 64}
              writer: chat
            export:
              formats: [card_png, card_json]

            """)
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let job = try XCTUnwrap(try published(root)["ada-vell"])
        XCTAssertEqual(job.summary["status"] as? String, "completed")
        let card = try XCTUnwrap(job.summary["card"] as? [String: Any])
        let data = try cardData(job, in: root)
        XCTAssertEqual(data["name"] as? String, "Ada Vell")
        XCTAssertEqual(data["description"] as? String, description, "the source's field is kept, not rewritten")
        let filled = ["personality", "scenario", "first_mes", "mes_example"]
        for field in filled {
            XCTAssertEqual(data[field] as? String, FakeChatServer.cardText(field: field), field)
        }
        // The embedded card says the same.
        let png = try CardFile.read(contentsOf: job.folder.appendingPathComponent(try XCTUnwrap((card["files"] as? [String])?.first { $0.hasSuffix(".png") })))
        XCTAssertEqual(png.card.text("first_mes"), FakeChatServer.cardText(field: "first_mes"))

        let fieldCalls = chat.calls("card_field")
        XCTAssertEqual(fieldCalls.filter { $0.status == 200 }.map(\.subject), filled, "one call per empty field, in card order")
        XCTAssertEqual(chat.calls.first?.mode, "json_schema")
        XCTAssertEqual(chat.calls.first?.status, 400)
        XCTAssertEqual(chat.calls.dropFirst().map(\.mode), Array(repeating: "json_object", count: chat.calls.count - 1),
                       "after one rejection, JSON mode is remembered")
        for call in chat.calls.dropFirst() {
            XCTAssertTrue(call.systemText.contains("Reply with JSON only, matching this JSON Schema:"), call.systemText)
            XCTAssertEqual(call.authorization, "Bearer \(Self.key)")
        }
    }

    /// `book.generate: 2`: after the fields, the chat provider lists topics, then writes their
    /// entries; every call's tokens are in job.json, priced.
    func testCardWriterWritesLorebookEntriesAndItsUsageIsInJobJSON() throws {
        let chat = try FakeChatServer()
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        try root.drop("bo.yaml", """
            version: 1
            kind: card
            name: bo
            card:
              source_material: "# Bo\\n## Description\\nBo mends nets on the quay."
              avatar: {prompt: "portrait of a fisher", provider: local, seed: 1, size: 64}
              book: {generate: 2}
              writer: chat
            export: {formats: [card_json]}

            """)
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let job = try XCTUnwrap(try published(root)["bo"])
        XCTAssertEqual(job.summary["status"] as? String, "completed")
        XCTAssertEqual(chat.calls.map(\.kind), ["card_field", "card_field", "card_field", "card_field", "lore_topics", "lore_entries"])
        let card = try XCTUnwrap(job.summary["card"] as? [String: Any])
        XCTAssertEqual(card["lorebook_entries"] as? Int, 2)
        let data = try cardData(job, in: root)
        let entries = (data["character_book"] as? [String: Any])?["entries"] as? [[String: Any]] ?? []
        XCTAssertEqual(entries.map { $0["keys"] as? [String] ?? [] }, [["the fake harbour"], ["the fake lighthouse"]])
        XCTAssertEqual(entries.first?["content"] as? String, "Fake lore about the fake harbour.")

        let calls = chat.calls
        let promptTokens = calls.map(\.promptTokens).reduce(0, +), completionTokens = calls.map(\.completionTokens).reduce(0, +)
        let usage = job.summary["usage"] as? [String: Any]
        XCTAssertEqual(usage?["prompt_tokens"] as? Int, promptTokens, "\(usage ?? [:])")
        XCTAssertEqual(usage?["completion_tokens"] as? Int, completionTokens)
        XCTAssertEqual(usage?["cost"] as? Double ?? -1, cost(promptTokens: promptTokens, completionTokens: completionTokens), accuracy: 1e-6)
    }

    // MARK: - Provider limits

    /// `concurrency: 1` on the GPU box: with two generate workers and three items, its calls
    /// never overlap.
    func testConcurrencyOneSerialisesTheCalls() throws {
        let a1111 = try FakeA1111Server { call, _ in .delayed(0.4, .json(FakeA1111Server.reply(to: call.body))) }
        defer { a1111.stop() }
        let root = try makeRoot(providers: ["gpu: {type: a1111, base_url: \"\(a1111.baseURL)\", concurrency: 1, timeout_seconds: 10}"])
        try root.drop("one.yaml", Self.manifest(name: "one", keywords: ["fox", "hare", "vole"], generate: "gpu"))
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let arrivals = a1111.calls.map(\.at).sorted()
        XCTAssertEqual(arrivals.count, 3)
        for (earlier, later) in zip(arrivals, arrivals.dropFirst()) {
            XCTAssertGreaterThanOrEqual(later.timeIntervalSince(earlier), 0.35, "a call started while another was in flight")
        }
    }

    // MARK: - Prices

    /// api.openai.com answers a request for `gpt-4o-mini` with `"model": "gpt-4o-mini-2024-07-18"`;
    /// the README's example prices `gpt-4o-mini`, so a dated name takes its base model's price.
    func testCostUsesThePriceOfTheConfiguredModelWhenTheServerAnswersADatedName() throws {
        let chat = try FakeChatServer(answeredModel: Self.chatModel + "-2024-07-18")
        defer { chat.stop() }
        let root = try makeRoot(providers: [Self.chatEntry("chat", chat)])
        try root.drop("dated.yaml", Self.manifest(name: "dated", keywords: ["wren"], writer: "chat"))
        let result = try root.run(["drain"], environment: Self.environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        let usage = try XCTUnwrap(try published(root)["dated"]?.summary["usage"] as? [String: Any])
        let tokens = try XCTUnwrap(FakeChatServer.tokens["prompt"])
        XCTAssertEqual(usage["prompt_tokens"] as? Int, tokens.prompt)
        XCTAssertEqual(usage["cost"] as? Double ?? -1, cost(promptTokens: tokens.prompt, completionTokens: tokens.completion), accuracy: 1e-6,
                       "prices: {\(Self.chatModel): …} should price a reply from \(Self.chatModel)-2024-07-18")
    }
}

/// The model the fault replies name (any: they fail before usage counts).
private let chatModelAnswer = "fake-chat-model"
