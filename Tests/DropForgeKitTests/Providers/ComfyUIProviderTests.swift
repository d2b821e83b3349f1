import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeJSON
@testable import DropForgeMedia

final class ComfyUIProviderTests: XCTestCase {
    static let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    private let promptID = "5b7e2c1a-93f4-4c4e-9d0a-2f6f1c7d8e90"
    private let request = ImageRequest(prompt: "a \"cosy\" cabin\nin snow {{negative}}", negative: "blurry, text",
                                       width: 832, height: 1216, seed: 3_000_000_000)

    /// A small API-format workflow with every placeholder, in the positions real templates use.
    private let workflow = """
    {
      "3": {"class_type": "KSampler", "inputs": {"seed": "{{seed}}", "steps": 20, "cfg": 8, "sampler_name": "euler",
            "scheduler": "normal", "denoise": 1, "model": ["4", 0], "positive": ["6", 0], "negative": ["7", 0],
            "latent_image": ["5", 0]}},
      "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "v1-5-pruned-emaonly.safetensors"}},
      "5": {"class_type": "EmptyLatentImage", "inputs": {"width": "{{width}}", "height": "{{height}}", "batch_size": 1}},
      "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}, masterpiece", "clip": ["4", 1]}},
      "7": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{negative}}", "clip": ["4", 1]}},
      "8": {"class_type": "VAEDecode", "inputs": {"samples": ["3", 0], "vae": ["4", 2]}},
      "9": {"class_type": "SaveImage", "inputs": {"filename_prefix": "df_{{seed}}_{{unknown}}", "images": ["8", 0]}}
    }
    """

    /// Counts the requests per path, for handlers that answer "not yet, then ready".
    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var counts: [String: Int] = [:]
        func next(_ key: String) -> Int {
            lock.lock()
            defer { lock.unlock() }
            counts[key, default: 0] += 1
            return counts[key]!
        }
    }

    // MARK: Recorded shapes

    private func queued() -> String {
        #"{"prompt_id": "\#(promptID)", "number": 3, "node_errors": {}}"#
    }

    private func history(outputs: String = #"{"9": {"images": [{"filename": "df 00001_+.png", "subfolder": "dropforge/a&b", "type": "output"}]}}"#,
                         status: String = "success", messages: String? = nil) -> String {
        let messages = messages ?? #"[["execution_start", {"prompt_id": "\#(promptID)", "timestamp": 1718000000000}], ["execution_cached", {"nodes": [], "prompt_id": "\#(promptID)", "timestamp": 1718000000001}], ["execution_success", {"prompt_id": "\#(promptID)", "timestamp": 1718000004000}]]"#
        return #"{"\#(promptID)": {"prompt": [3, "\#(promptID)", {}, {"client_id": "x"}, ["9"]], "outputs": \#(outputs), "status": {"status_str": "\#(status)", "completed": \#(status == "success"), "messages": \#(messages)}, "meta": {"9": {"node_id": "9", "display_node": "9", "parent_node": null, "real_node_id": "9"}}}}"#
    }

    private func provider(_ server: FakeHTTPServer, workflow: String? = nil, deadline: TimeInterval = 5,
                          limits: PNGLimits = .standard) -> ComfyUIProvider {
        ComfyUIProvider(endpoint: ProviderTestSupport.endpoint(server, type: .comfyui, name: "comfy"),
                        workflow: workflow ?? self.workflow, limits: limits, pollInterval: 0.02, deadline: deadline)
    }

    /// A server that queues, answers `{}` to the first `pendingPolls` history polls, then `history`,
    /// and serves `image` from /view.
    private func server(pendingPolls: Int = 1, history: String? = nil, image: Data? = nil,
                        prompt: FakeHTTPServer.FakeResponse? = nil) throws -> FakeHTTPServer {
        let counter = Counter()
        let ready = history ?? self.history()
        let png = try image ?? ProviderTestSupport.png()
        let queued = queued()
        let id = promptID
        return try FakeHTTPServer { request in
            if request.method == "POST", request.path == "/prompt" { return prompt ?? .json(queued) }
            if request.method == "POST", request.path == "/queue" { return .json("{}") }
            if request.path == "/history/\(id)" {
                return counter.next("history") <= pendingPolls ? .json("{}") : .json(ready)
            }
            if request.path.hasPrefix("/view?") {
                return .normal(status: 200, headers: [("Content-Type", "image/png")], body: png)
            }
            return .json(#"{"error": "not found"}"#, status: 404)
        }
    }

    // MARK: Template

    func testPlaceholdersAreSubstitutedAndNumbersAreNumbers() throws {
        let template = try JSONParser.parse(workflow)
        let rendered = ComfyUIProvider.render(template, with: request)

        XCTAssertEqual(rendered["3"]?["inputs"]?["seed"], .number("3000000000"))
        XCTAssertEqual(rendered["5"]?["inputs"]?["width"], .number("832"))
        XCTAssertEqual(rendered["5"]?["inputs"]?["height"], .number("1216"))
        XCTAssertEqual(rendered["6"]?["inputs"]?["text"], .string("a \"cosy\" cabin\nin snow {{negative}}, masterpiece"),
                       "substituted text is not searched again")
        XCTAssertEqual(rendered["7"]?["inputs"]?["text"], "blurry, text")
        XCTAssertEqual(rendered["9"]?["inputs"]?["filename_prefix"], "df_3000000000_{{unknown}}",
                       "inside a longer string a number stays text; unknown placeholders stay")
        XCTAssertEqual(rendered["3"]?["inputs"]?["model"], ["4", 0])
        XCTAssertEqual(Array(rendered.objectValue!.keys), ["3", "4", "5", "6", "7", "8", "9"])
        // The JSON written is valid and escapes the prompt.
        let text = JSONWriter.compact(rendered)
        XCTAssertTrue(text.contains(#""text":"a \"cosy\" cabin\nin snow {{negative}}, masterpiece""#), text)
        XCTAssertNoThrow(try JSONSerialization.jsonObject(with: Data(text.utf8)))
    }

    /// `{{steps}}`, `{{cfg_scale}}`, `{{sampler}}`, `{{scheduler}}`, `{{checkpoint}}` from the
    /// generation settings (issue 16); one used with no value is named.
    func testSettingPlaceholdersAreFilledOrNamedWhenUnset() throws {
        let template = try JSONParser.parse(#"""
            {"3": {"class_type": "KSampler", "inputs": {"seed": "{{seed}}", "steps": "{{steps}}", "cfg": "{{cfg_scale}}",
                   "sampler_name": "{{sampler}}", "scheduler": "{{scheduler}}"}},
             "4": {"class_type": "CheckpointLoaderSimple", "inputs": {"ckpt_name": "{{checkpoint}}"}},
             "6": {"class_type": "CLIPTextEncode", "inputs": {"text": "{{prompt}}"}}}
            """#)
        var job = request
        job.settings = GenerationSettings(steps: 28, cfgScale: 5.5, sampler: "dpmpp_2m", scheduler: "karras")
        XCTAssertEqual(ComfyUIProvider.unsetPlaceholders(in: template, request: job, checkpoint: "sdxl.safetensors"), [])
        let rendered = ComfyUIProvider.render(template, with: job, checkpoint: "sdxl.safetensors")
        XCTAssertEqual(rendered["3"]?["inputs"]?["steps"], .number("28"))
        XCTAssertEqual(rendered["3"]?["inputs"]?["cfg"], .number("5.5"))
        XCTAssertEqual(rendered["3"]?["inputs"]?["sampler_name"], "dpmpp_2m")
        XCTAssertEqual(rendered["3"]?["inputs"]?["scheduler"], "karras")
        XCTAssertEqual(rendered["4"]?["inputs"]?["ckpt_name"], "sdxl.safetensors")
        XCTAssertEqual(ComfyUIProvider.summary(of: rendered).settings.map { "\($0.name): \($0.value)" },
                       ["Steps: 28", "Sampler: dpmpp_2m", "Schedule type: karras", "CFG scale: 5.5"])
        XCTAssertEqual(ComfyUIProvider.unsetPlaceholders(in: template, request: request, checkpoint: nil),
                       ["steps", "cfg_scale", "sampler_name", "scheduler", "override_settings.sd_model_checkpoint or model"])
    }

    func testShippedTemplateIsValidAndFillsTheRightInputs() throws {
        let file = Self.repository.appendingPathComponent("config/templates/comfy-txt2img.json")
        let text = try String(contentsOf: file, encoding: .utf8)
        XCTAssertNoThrow(try ComfyUIProvider.validate(workflow: text))
        let rendered = ComfyUIProvider.render(try JSONParser.parse(text), with: request)
        var byClass: [String: [JSONValue]] = [:]
        for (_, node) in rendered.objectValue! {
            byClass[node["class_type"]!.stringValue!, default: []].append(node["inputs"]!)
        }
        XCTAssertEqual(Set(byClass.keys), ["CheckpointLoaderSimple", "CLIPTextEncode", "EmptyLatentImage", "KSampler",
                                           "VAEDecode", "SaveImage"])
        XCTAssertEqual(byClass["CheckpointLoaderSimple"]?.first?["ckpt_name"], "sd_xl_base_1.0.safetensors")
        XCTAssertEqual(byClass["CLIPTextEncode"]?.compactMap { $0["text"]?.stringValue }.sorted(),
                       [request.negative, request.prompt].sorted())
        XCTAssertEqual(byClass["EmptyLatentImage"]?.first?["width"], .number("832"))
        XCTAssertEqual(byClass["EmptyLatentImage"]?.first?["height"], .number("1216"))
        XCTAssertEqual(byClass["KSampler"]?.first?["seed"], .number("3000000000"))
        let plain = ImageRequest(prompt: "a cabin", negative: "text", width: 1024, height: 1024, seed: 1)
        XCTAssertFalse(JSONWriter.compact(ComfyUIProvider.render(try JSONParser.parse(text), with: plain)).contains("{{"),
                       "every placeholder in the shipped template is a known one")
        let summary = ComfyUIProvider.summary(of: rendered)
        XCTAssertEqual(summary.model, "sd_xl_base_1.0")
        XCTAssertEqual(summary.seed, 3_000_000_000)
    }

    func testBadTemplatesArePermanentConfigErrors() throws {
        let server = try server()
        defer { server.stop() }
        let templates = [
            ("{not json", "is not JSON"),
            (#"{"nodes": [], "links": [], "version": 0.4}"#, "UI format"),
            (#"{"1": {"class_type": "SaveImage", "inputs": {"filename_prefix": "x"}}}"#, "{{prompt}}"),
            (#"{"1": {"inputs": {"text": "{{prompt}}"}}}"#, "class_type"),
        ]
        for (template, expected) in templates {
            let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, workflow: template).generate(request) })
            XCTAssertEqual(error.code, "provider_config")
            XCTAssertFalse(error.isTransient)
            XCTAssertTrue(error.message.contains(expected), error.message)
        }
        XCTAssertTrue(server.requests.isEmpty, "nothing is sent for a broken template")
    }

    // MARK: Round trip

    func testQueuesPollsAndFetchesTheImage() throws {
        let png = try ProviderTestSupport.png(text: [PNGTextChunk(keyword: "prompt", text: "{\"3\": {}}", kind: .tEXt),
                                                     PNGTextChunk(keyword: "workflow", text: "{}", kind: .tEXt)])
        let server = try server(pendingPolls: 2, image: png)
        defer { server.stop() }

        let image = try provider(server).generate(request)

        let requests = server.requests
        XCTAssertEqual(requests.map { "\($0.method) \($0.path)" }, [
            "POST /prompt", "GET /history/\(promptID)", "GET /history/\(promptID)", "GET /history/\(promptID)",
            "GET /view?filename=df%2000001_%2B.png&subfolder=dropforge%2Fa%26b&type=output",
        ])
        let body = try ProviderTestSupport.json(requests[0])
        XCTAssertEqual(body.objectValue.map { Array($0.keys) }, ["prompt", "client_id"])
        XCTAssertNotNil(UUID(uuidString: try XCTUnwrap(body["client_id"]?.stringValue)))
        XCTAssertEqual(body["prompt"], ComfyUIProvider.render(try JSONParser.parse(workflow), with: request))
        XCTAssertEqual(body["prompt"]?["3"]?["inputs"]?["seed"], .number("3000000000"))
        XCTAssertEqual(requests[0].header("content-type"), "application/json")

        XCTAssertEqual(image.model, "v1-5-pruned-emaonly")
        XCTAssertEqual(image.settings.first.map { "\($0.name): \($0.value)" }, "Steps: 20")
        XCTAssertEqual(image.seed, 3_000_000_000)
        XCTAssertEqual(image.pixels, try PNGCodec.decode(png).image)
        XCTAssertEqual(try ProviderTestSupport.textKeywords(image.png), [], "ComfyUI's prompt/workflow chunks are dropped")
    }

    func testPrefersSavedImagesOverPreviews() throws {
        let outputs = #"{"10": {"images": [{"filename": "ComfyUI_temp_abcd_00001_.png", "subfolder": "", "type": "temp"}]}, "9": {"images": [{"filename": "dropforge_00001_.png", "subfolder": "", "type": "output"}]}}"#
        let server = try server(pendingPolls: 0, history: history(outputs: outputs))
        defer { server.stop() }
        _ = try provider(server).generate(request)
        XCTAssertEqual(server.requests.last?.path, "/view?filename=dropforge_00001_.png&subfolder=&type=output")
    }

    func testRidesOutABriefPollingFailure() throws {
        let counter = Counter()
        let png = try ProviderTestSupport.png()
        let ready = history(), queued = queued(), id = promptID
        let server = try FakeHTTPServer { request in
            if request.path == "/prompt" { return .json(queued) }
            if request.path == "/history/\(id)" {
                return counter.next("h") == 1 ? .text("502 Bad Gateway", status: 502) : .json(ready)
            }
            return .normal(status: 200, headers: [], body: png)
        }
        defer { server.stop() }
        let image = try provider(server).generate(request)
        XCTAssertEqual(image.pixels?.width, 48)
    }

    // MARK: Errors

    func testNodeErrorsArePermanentAndNameTheNode() throws {
        let rejection = #"""
        {"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}},
         "node_errors": {"4": {"errors": [{"type": "value_not_in_list", "message": "Value not in list",
            "details": "ckpt_name: 'sd_xl_base_1.0.safetensors' not in ['v1-5-pruned-emaonly.safetensors']",
            "extra_info": {"input_name": "ckpt_name", "input_config": [["v1-5-pruned-emaonly.safetensors"]], "received_value": "sd_xl_base_1.0.safetensors"}}],
          "dependent_outputs": ["9"], "class_type": "CheckpointLoaderSimple"}}}
        """#
        let server = try server(prompt: .json(rejection, status: 400))
        defer { server.stop() }

        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })

        XCTAssertEqual(error.code, "comfy_node_error")
        XCTAssertFalse(error.isTransient)
        for part in ["provider 'comfy'", "node 4 (CheckpointLoaderSimple)", "Value not in list",
                     "ckpt_name: 'sd_xl_base_1.0.safetensors' not in", "Prompt outputs failed validation"] {
            XCTAssertTrue(error.message.contains(part), "\(part) missing from: \(error.message)")
        }
        XCTAssertEqual(server.requests.count, 1, "no polling after a rejection")
    }

    func testPromptErrorWithoutNodeErrors() throws {
        let server = try server(prompt: .json(
            #"{"error": {"type": "prompt_no_outputs", "message": "Prompt has no outputs", "details": "", "extra_info": {}}, "node_errors": []}"#,
            status: 400))
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertEqual(error.code, "comfy_prompt_error")
        XCTAssertFalse(error.isTransient)
        XCTAssertTrue(error.message.contains("Prompt has no outputs"), error.message)
    }

    func testOther400IsAPlainPermanentHTTPError() throws {
        let server = try server(prompt: .text("400: Bad Request", status: 400))
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertEqual(error.code, "http_400")
        XCTAssertFalse(error.isTransient)
    }

    func testExecutionErrorIsPermanentWithTheMessage() throws {
        let messages = #"[["execution_start", {"prompt_id": "\#(promptID)", "timestamp": 1}], ["execution_error", {"prompt_id": "\#(promptID)", "node_id": "3", "node_type": "KSampler", "executed": ["4", "5"], "exception_message": "Expected all tensors to be on the same device\n", "exception_type": "RuntimeError", "traceback": ["  File \"execution.py\", line 1\n"], "current_inputs": {}, "current_outputs": {}, "timestamp": 2}]]"#
        let server = try server(pendingPolls: 1, history: history(outputs: "{}", status: "error", messages: messages))
        defer { server.stop() }

        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })

        XCTAssertEqual(error.code, "comfy_execution_error")
        XCTAssertFalse(error.isTransient)
        XCTAssertTrue(error.message.contains("node 3 (KSampler): RuntimeError: Expected all tensors to be on the same device"), error.message)
        XCTAssertFalse(server.requests.contains { $0.path.hasPrefix("/view") })
    }

    func testOutOfMemoryAndInterruptionAreTransient() throws {
        let oom = #"[["execution_error", {"prompt_id": "\#(promptID)", "node_id": "8", "node_type": "VAEDecode", "exception_message": "Allocation on device", "exception_type": "torch.OutOfMemoryError"}]]"#
        let interrupted = #"[["execution_interrupted", {"prompt_id": "\#(promptID)", "node_id": "3", "node_type": "KSampler", "executed": []}]]"#
        for (messages, code) in [(oom, "comfy_out_of_memory"), (interrupted, "comfy_interrupted")] {
            let server = try server(pendingPolls: 0, history: history(outputs: "{}", status: "error", messages: messages))
            defer { server.stop() }
            let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
            XCTAssertEqual(error.code, code)
            XCTAssertTrue(error.isTransient)
        }
    }

    func testDeadlineIsTransientAndDequeuesThePrompt() throws {
        let server = try server(pendingPolls: .max)
        defer { server.stop() }
        let started = Date()

        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, deadline: 0.3).generate(request) })

        let elapsed = Date().timeIntervalSince(started)
        XCTAssertEqual(error.code, "timeout")
        XCTAssertTrue(error.isTransient)
        XCTAssertTrue(error.message.contains(promptID), error.message)
        XCTAssertGreaterThanOrEqual(elapsed, 0.25)
        XCTAssertLessThan(elapsed, 2)
        XCTAssertGreaterThanOrEqual(server.requests.filter { $0.path.hasPrefix("/history/") }.count, 3)
        let dequeue = try XCTUnwrap(server.requests.last)
        XCTAssertEqual(dequeue.path, "/queue")
        XCTAssertEqual(try ProviderTestSupport.json(dequeue), ["delete": [.string(promptID)]])
    }

    // MARK: Faults

    func testPromptServerErrorIsTransient() throws {
        let server = try server(prompt: .text("500 Internal Server Error", status: 500))
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertEqual(error.code, "http_500")
        XCTAssertTrue(error.isTransient)
    }

    func testMalformedOrIncompleteRepliesArePermanentInvalidResponse() throws {
        let cases: [(FakeHTTPServer.FakeResponse?, String?, String?)] = [
            (.json(#"{"prompt_id": "abc"#), nil, nil),                                   // malformed /prompt reply
            (.json(#"{"number": 1, "node_errors": {}}"#), nil, "prompt_id"),              // no prompt_id
            (nil, #"{"\#(promptID)": {"outputs": "#, nil),                                // malformed history
            (nil, history(outputs: #"{"9": {"text": ["hi"]}}"#), "outputs"),              // no images
        ]
        for (prompt, history, field) in cases {
            let server = try server(pendingPolls: 0, history: history, prompt: prompt)
            defer { server.stop() }
            let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
            XCTAssertEqual(error.code, "invalid_response", "\(error)")
            XCTAssertFalse(error.isTransient)
            if let field { XCTAssertTrue(error.message.contains(field), error.message) }
        }
    }

    func testViewReturningNonPNGIsPermanentInvalidOutput() throws {
        let server = try server(pendingPolls: 0, image: Data("RIFF\u{0}\u{0}\u{0}\u{0}WEBPVP8 ".utf8))
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertEqual(error.code, "invalid_output")
        XCTAssertFalse(error.isTransient)
        XCTAssertTrue(error.message.contains("df 00001_+.png"), error.message)
    }

    func testOversizedImageIsPermanentInvalidOutput() throws {
        let server = try server(pendingPolls: 0)
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError {
            _ = try provider(server, limits: PNGLimits(maxWidth: 16, maxHeight: 16)).generate(request)
        })
        XCTAssertEqual(error.code, "invalid_output")
    }

    func testTruncatedViewIsTransient() throws {
        let png = try ProviderTestSupport.png()
        let queued = queued(), ready = history(), id = promptID
        let server = try FakeHTTPServer { request in
            if request.path == "/prompt" { return .json(queued) }
            if request.path == "/history/\(id)" { return .json(ready) }
            return .truncated(status: 200, headers: [("Content-Type", "image/png")], body: png.prefix(20), declaredLength: png.count)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertTrue(error.isTransient, "\(error)")
    }
}
