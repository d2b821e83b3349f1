import DropForgeKit
import FakeServers
import Foundation
import DropForgeMedia

// Fake generators on 127.0.0.1 for the end-to-end provider tests: each speaks its real protocol
// (request and reply shapes as recorded in Tests/DropForgeKitTests/Providers/) on top of
// `FakeHTTPServer`, renders real PNGs of the asked size with the local renderer, records every
// call, and lets a test inject a fault per call.

/// A list that handler threads append to while the test reads it.
final class FakeCallLog<Entry>: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [Entry] = []

    func append(_ entry: Entry) { lock.withLock { entries.append(entry) } }
    var all: [Entry] { lock.withLock { entries } }

    /// Appends `entry` and returns how many earlier entries `matching` accepts (0 for the first).
    func append(_ entry: Entry, countingEarlier matching: (Entry) -> Bool) -> Int {
        lock.withLock {
            let earlier = entries.filter(matching).count
            entries.append(entry)
            return earlier
        }
    }
}

/// Helpers the fakes share.
enum FakeWire {
    static func json(_ object: Any) -> String {
        let data = try! JSONSerialization.data(withJSONObject: object, options: [.withoutEscapingSlashes, .sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    static func object(_ data: Data) -> [String: Any]? {
        (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    /// A real PNG of `width`×`height` from the procedural renderer, optionally with the text
    /// chunks a real generator writes (A1111's `parameters`, ComfyUI's `prompt`/`workflow`).
    static func png(prompt: String, width: Int, height: Int, seed: UInt32, text: [(String, String)] = []) -> Data {
        let image = try! LocalImageProvider().generate(
            ImageRequest(prompt: prompt, negative: "", width: max(1, width), height: max(1, height), seed: seed))
        if text.isEmpty { return image.png }
        return try! PNGCodec.encode(image.pixels!, text: text.map { PNGTextChunk(keyword: $0.0, text: $0.1, kind: .tEXt) })
    }

    /// The value after `label` on the line that starts with it.
    static func line(after label: String, in text: String) -> String? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(label) {
                return String(trimmed.dropFirst(label.count)).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    /// A stable seed for servers that take none (OpenAI Images): FNV-1a of the prompt.
    static func seed(of text: String) -> UInt32 {
        var hash: UInt32 = 2_166_136_261
        for byte in text.utf8 { hash = (hash ^ UInt32(byte)) &* 16_777_619 }
        return hash
    }
}

// MARK: - OpenAI-compatible chat

/// `POST /v1/chat/completions`, answering by what is asked: the request's
/// `response_format.json_schema.name` (or, in the json_object / plain fallbacks, the schema named
/// in the system message) says whether it is a `prompt`, a `review`, `metadata`, a `card_field`
/// or lorebook `lore_topics`/`lore_entries`; the reply is a `chat.completion` with `usage`.
final class FakeChatServer: @unchecked Sendable {
    struct Call: @unchecked Sendable {
        var at: Date
        /// The schema's name: prompt, review, metadata, card_field, lore_topics, lore_entries ("" when none).
        var kind: String
        /// json_schema, json_object or plain.
        var mode: String
        var authorization: String?
        var body: [String: Any]
        var userText: String
        var systemText: String
        /// The PNG a vision request carried, decoded from its data URL.
        var image: Data?
        /// What the call is about, for routing faults: the keyword (prompt, metadata), the prompt
        /// under review, or the card field.
        var subject: String
        var status = 200
        var promptTokens = 0
        var completionTokens = 0
    }

    /// Returns a response to send instead of the normal answer; `attempt` counts the earlier calls
    /// of the same kind and subject (0 for the first).
    typealias Fault = @Sendable (_ call: Call, _ attempt: Int) -> FakeHTTPServer.FakeResponse?

    /// The `usage` each kind of call reports (prompt, completion tokens).
    static let tokens: [String: (prompt: Int, completion: Int)] = [
        "prompt": (120, 31), "review": (850, 17), "metadata": (210, 64), "card_field": (330, 90),
        "lore_topics": (400, 20), "lore_entries": (520, 140), "": (50, 10),
    ]

    let server: FakeHTTPServer
    private let log: FakeCallLog<Call>

    /// `rejectsJSONSchema`: answer `response_format: json_schema` with the 400 older servers give,
    /// so the provider falls back to JSON mode. `answeredModel`: the `model` of every reply (real
    /// OpenAI answers a dated name); nil echoes the request's.
    init(rejectsJSONSchema: Bool = false, answeredModel: String? = nil, fault: Fault? = nil) throws {
        let log = FakeCallLog<Call>()
        self.log = log
        server = try FakeHTTPServer { request in
            FakeChatServer.handle(request, log: log, rejectsJSONSchema: rejectsJSONSchema,
                                  answeredModel: answeredModel, fault: fault)
        }
    }

    deinit { server.stop() }

    func stop() { server.stop() }

    /// `base_url` for the providers entry (includes `/v1`, as OpenAI's does).
    var baseURL: String { server.baseURL.absoluteString + "/v1" }
    var calls: [Call] { log.all }
    func calls(_ kind: String) -> [Call] { calls.filter { $0.kind == kind } }
    func calls(about subject: String) -> [Call] { calls.filter { $0.subject.contains(subject) } }

    /// The prompt the fake writes for a draft.
    static func writtenPrompt(draft: String) -> String { "\(draft), painted by the fake LLM, crisp detail" }
    static func title(keyword: String) -> String { "Fake LLM title about \(keyword) under soft studio light" }
    static func description(keyword: String) -> String {
        "A fake description written by the chat server for \(keyword): a calm, well lit composition with clear shapes, "
            + "gentle colours and plenty of space for a headline."
    }
    static func tags(keyword: String) -> [String] { ["fake-llm", keyword, "studio light"] }
    static func cardText(field: String) -> String { "Fake LLM \(field) for {{char}}, from the chat server." }

    /// A `chat.completion` body as api.openai.com returns it.
    static func completion(_ content: String, model: String, promptTokens: Int, completionTokens: Int,
                           finishReason: String = "stop", padding: Int = 0) -> String {
        var object: [String: Any] = [
            "id": "chatcmpl-fake\(UInt32.random(in: 0...UInt32.max))",
            "object": "chat.completion",
            "created": 1_741_570_283,
            "model": model,
            "choices": [[
                "index": 0,
                "message": ["role": "assistant", "content": content, "refusal": NSNull()] as [String: Any],
                "logprobs": NSNull(),
                "finish_reason": finishReason,
            ] as [String: Any]],
            "usage": ["prompt_tokens": promptTokens, "completion_tokens": completionTokens,
                      "total_tokens": promptTokens + completionTokens],
            "system_fingerprint": "fp_fake",
        ]
        if padding > 0 { object["x_padding"] = String(repeating: "x", count: padding) }
        return FakeWire.json(object)
    }

    private static func handle(_ request: FakeHTTPServer.RecordedRequest, log: FakeCallLog<Call>, rejectsJSONSchema: Bool,
                               answeredModel: String?, fault: Fault?) -> FakeHTTPServer.FakeResponse {
        guard request.method == "POST", request.path == "/v1/chat/completions" else {
            return .json(#"{"error": {"message": "Unknown request URL", "type": "invalid_request_error"}}"#, status: 404)
        }
        guard let body = FakeWire.object(request.body) else {
            return .json(#"{"error": {"message": "We could not parse the JSON body of your request.", "type": "invalid_request_error"}}"#,
                         status: 400)
        }
        var call = parse(body, request: request)
        let model = answeredModel ?? (body["model"] as? String ?? "unknown")
        if rejectsJSONSchema, call.mode == "json_schema" {
            call.status = 400
            log.append(call)
            return .json(#"{"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.", "type": "invalid_request_error", "param": "response_format", "code": null}}"#,
                         status: 400)
        }
        if let fault {
            let attempt = log.all.filter { $0.kind == call.kind && $0.subject == call.subject }.count
            if let response = fault(call, attempt) {
                var failed = call
                failed.status = status(of: response)
                log.append(failed)
                return response
            }
        }
        let issued = Self.tokens[call.kind] ?? (50, 10)
        var answered = call
        answered.promptTokens = issued.prompt
        answered.completionTokens = issued.completion
        log.append(answered)
        return .json(completion(content(for: call), model: model, promptTokens: issued.prompt, completionTokens: issued.completion))
    }

    /// The status a fault response carries (0 when it sends none).
    static func status(of response: FakeHTTPServer.FakeResponse) -> Int {
        switch response {
        case .normal(let status, _, _), .trickle(let status, _, _, _, _, _), .closeDelimited(let status, _, _),
             .chunked(let status, _, _), .truncated(let status, _, _, _), .redirect(let status, _):
            return status
        case .delayed(_, let next): return status(of: next)
        case .closeWithoutResponse: return 0
        }
    }

    private static func parse(_ body: [String: Any], request: FakeHTTPServer.RecordedRequest) -> Call {
        var userText = "", systemText = ""
        var image: Data?
        for message in body["messages"] as? [[String: Any]] ?? [] {
            var text = ""
            if let content = message["content"] as? String {
                text = content
            } else if let parts = message["content"] as? [[String: Any]] {
                for part in parts {
                    if part["type"] as? String == "text" { text += part["text"] as? String ?? "" }
                    if part["type"] as? String == "image_url",
                       let url = (part["image_url"] as? [String: Any])?["url"] as? String,
                       url.hasPrefix("data:image/png;base64,") {
                        image = Data(base64Encoded: String(url.dropFirst("data:image/png;base64,".count)))
                    }
                }
            }
            if message["role"] as? String == "system" { systemText += text } else { userText += text }
        }
        var kind = "", mode = "plain"
        if let format = body["response_format"] as? [String: Any] {
            mode = format["type"] as? String ?? "?"
            if mode == "json_schema" { kind = (format["json_schema"] as? [String: Any])?["name"] as? String ?? "" }
        }
        if kind.isEmpty, let range = systemText.range(of: "JSON Schema: "),
           let schema = FakeWire.object(Data(systemText[range.upperBound...].utf8)),
           let required = (schema["required"] as? [String])?.first {
            kind = ["prompt": "prompt", "passed": "review", "title": "metadata", "text": "card_field",
                    "topics": "lore_topics", "entries": "lore_entries"][required] ?? ""
        }
        let subject: String
        switch kind {
        case "prompt", "metadata": subject = FakeWire.line(after: "Keyword:", in: userText) ?? ""
        case "review": subject = FakeWire.line(after: "The image was generated from this prompt:", in: userText) ?? ""
        case "card_field": subject = field(in: userText)
        default: subject = ""
        }
        return Call(at: Date(), kind: kind, mode: mode, authorization: request.header("Authorization"), body: body,
                    userText: userText, systemText: systemText, image: image, subject: subject)
    }

    /// `Write the card's "first_mes" field: …` → `first_mes`.
    private static func field(in text: String) -> String {
        guard let start = text.range(of: "Write the card's \""), let end = text[start.upperBound...].range(of: "\"") else { return "" }
        return String(text[start.upperBound..<end.lowerBound])
    }

    /// The JSON the model "writes" for a call.
    private static func content(for call: Call) -> String {
        switch call.kind {
        case "prompt":
            let draft = FakeWire.line(after: "Draft:", in: call.userText) ?? call.subject
            return FakeWire.json(["prompt": writtenPrompt(draft: draft)])
        case "review":
            // A real look at the picture: it must be a PNG that decodes.
            guard let image = call.image, (try? PNGCodec.decode(image)) != nil else {
                return FakeWire.json(["passed": false, "reason": "no readable image was attached"])
            }
            if call.subject.lowercased().contains("logo") {
                return FakeWire.json(["passed": false, "reason": "fake vision: a brand logo is visible"])
            }
            return FakeWire.json(["passed": true, "reason": "fake vision: clean image, no text or logos"])
        case "metadata":
            return FakeWire.json(["title": title(keyword: call.subject), "description": description(keyword: call.subject),
                                  "tags": tags(keyword: call.subject)])
        case "card_field":
            return FakeWire.json(["text": cardText(field: call.subject)])
        case "lore_topics":
            return FakeWire.json(["topics": ["the fake harbour", "the fake lighthouse", "the fake guild"]])
        case "lore_entries":
            let topics = call.userText.range(of: "for each of these topics: ").map { range -> [String] in
                let rest = call.userText[range.upperBound...]
                let list = rest.range(of: ". Each").map { rest[..<$0.lowerBound] } ?? rest
                return list.components(separatedBy: "; ")
            } ?? []
            return FakeWire.json(["entries": topics.map { ["keys": [$0], "content": "Fake lore about \($0)."] as [String: Any] }])
        default:
            return "A plain answer from the fake chat server."
        }
    }
}

// MARK: - AUTOMATIC1111

/// `POST /sdapi/v1/txt2img`: renders a PNG of the asked width × height from the prompt and seed,
/// with A1111's own `parameters` chunk, and answers `{images, parameters, info}` where `info` is
/// JSON text whose `all_seeds[0]` is the seed "used" (the asked seed + `seedOffset`, as when A1111
/// picks one itself).
final class FakeA1111Server: @unchecked Sendable {
    struct Call: @unchecked Sendable {
        var at: Date
        var path: String
        var authorization: String?
        var body: [String: Any]
        var text: String
    }

    typealias Fault = @Sendable (_ call: Call, _ attempt: Int) -> FakeHTTPServer.FakeResponse?

    static let model = "fake_sdxl_a1111"
    static let seedOffset: UInt32 = 1000

    let server: FakeHTTPServer
    private let log: FakeCallLog<Call>

    init(fault: Fault? = nil) throws {
        let log = FakeCallLog<Call>()
        self.log = log
        server = try FakeHTTPServer { request in
            let call = Call(at: Date(), path: request.path, authorization: request.header("Authorization"),
                            body: FakeWire.object(request.body) ?? [:], text: request.text)
            let attempt = log.append(call) { _ in true }
            if let response = fault?(call, attempt) { return response }
            guard request.method == "POST", request.path == "/sdapi/v1/txt2img" else { return .json(#"{"detail": "Not Found"}"#, status: 404) }
            return .json(FakeA1111Server.reply(to: call.body))
        }
    }

    deinit { server.stop() }
    func stop() { server.stop() }

    var baseURL: String { server.baseURL.absoluteString }
    var calls: [Call] { log.all }

    static func reply(to body: [String: Any]) -> String {
        let prompt = body["prompt"] as? String ?? ""
        let width = body["width"] as? Int ?? 64, height = body["height"] as? Int ?? 64
        let seed = UInt32(truncatingIfNeeded: body["seed"] as? Int ?? 0) &+ seedOffset
        // Like A1111, `info` tells what was used: the request's sampling (its defaults when absent).
        let steps = body["steps"] as? Int ?? 20, sampler = body["sampler_name"] as? String ?? "Euler a"
        let cfg = body["cfg_scale"] as? Double ?? 7, scheduler = body["scheduler"] as? String ?? "Automatic"
        let checkpoint = (body["override_settings"] as? [String: Any])?["sd_model_checkpoint"] as? String ?? model
        let png = FakeWire.png(prompt: prompt, width: width, height: height, seed: seed,
                               text: [("parameters", "\(prompt)\nSteps: \(steps), Sampler: \(sampler), Seed: \(seed), Size: \(width)x\(height)")])
        let info: [String: Any] = [
            "prompt": prompt, "all_prompts": [prompt], "negative_prompt": body["negative_prompt"] as? String ?? "",
            "seed": Int(seed), "all_seeds": [Int(seed)], "subseed": 99, "all_subseeds": [99],
            "width": width, "height": height, "sampler_name": sampler, "scheduler": scheduler, "cfg_scale": cfg, "steps": steps,
            "batch_size": 1, "sd_model_name": checkpoint, "sd_model_hash": "31e35c80fc", "version": "v1.10.1",
        ]
        return FakeWire.json(["images": [png.base64EncodedString()], "parameters": body, "info": FakeWire.json(info)])
    }
}

// MARK: - OpenAI Images

/// `POST /v1/images/generations`: a PNG of the asked `size` (`WxH`), answered as
/// `{created, data: [{b64_json, revised_prompt}], usage}`.
final class FakeOpenAIImagesServer: @unchecked Sendable {
    struct Call: @unchecked Sendable {
        var at: Date
        var path: String
        var authorization: String?
        var body: [String: Any]
    }

    typealias Fault = @Sendable (_ call: Call, _ attempt: Int) -> FakeHTTPServer.FakeResponse?

    let server: FakeHTTPServer
    private let log: FakeCallLog<Call>

    init(fault: Fault? = nil) throws {
        let log = FakeCallLog<Call>()
        self.log = log
        server = try FakeHTTPServer { request in
            let call = Call(at: Date(), path: request.path, authorization: request.header("Authorization"),
                            body: FakeWire.object(request.body) ?? [:])
            let attempt = log.append(call) { _ in true }
            if let response = fault?(call, attempt) { return response }
            guard request.method == "POST", request.path == "/v1/images/generations" else {
                return .json(#"{"error": {"message": "Unknown request URL", "type": "invalid_request_error"}}"#, status: 404)
            }
            let prompt = call.body["prompt"] as? String ?? ""
            let size = (call.body["size"] as? String ?? "64x64").split(separator: "x").compactMap { Int($0) }
            let png = FakeWire.png(prompt: prompt, width: size.first ?? 64, height: size.last ?? 64, seed: FakeWire.seed(of: prompt))
            return .json(FakeWire.json([
                "created": 1_713_833_628,
                "data": [["b64_json": png.base64EncodedString(), "revised_prompt": "Revised: \(prompt)"]],
                "usage": ["total_tokens": 100, "input_tokens": 50, "output_tokens": 50],
            ]))
        }
    }

    deinit { server.stop() }
    func stop() { server.stop() }

    /// `base_url` for the providers entry (includes `/v1`).
    var baseURL: String { server.baseURL.absoluteString + "/v1" }
    var calls: [Call] { log.all }
}

// MARK: - ComfyUI

/// ComfyUI's API: `POST /prompt` queues the workflow (answer `{prompt_id, number, node_errors}`),
/// `GET /history/{id}` is `{}` for the first `pendingPolls` polls and then the finished entry
/// with a SaveImage output, `GET /view?filename=…` serves that PNG (with ComfyUI's `prompt` and
/// `workflow` chunks), rendered at the workflow's EmptyLatentImage size and KSampler seed.
/// `rejectWithNodeErrors` answers `/prompt` with the 400 ComfyUI gives for a missing checkpoint.
final class FakeComfyUIServer: @unchecked Sendable {
    struct Call: @unchecked Sendable {
        var at: Date
        var method: String
        var path: String
        var body: [String: Any]
    }

    /// One queued workflow.
    struct Queued {
        var prompt: String
        var width: Int
        var height: Int
        var seed: UInt32
        var number = 0
        var polls = 0
    }

    let server: FakeHTTPServer
    private let log: FakeCallLog<Call>
    private let queue: QueueState

    final class QueueState: @unchecked Sendable {
        let lock = NSLock()
        var prompts: [String: Queued] = [:]
        var files: [String: String] = [:]  // filename → prompt id
        var number = 0
    }

    static let nodeErrorsReply = #"""
    {"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}},
     "node_errors": {"4": {"errors": [{"type": "value_not_in_list", "message": "Value not in list",
       "details": "ckpt_name: 'sd_xl_base_1.0.safetensors' not in ['v1-5-pruned-emaonly.safetensors']",
       "extra_info": {"input_name": "ckpt_name", "input_config": null, "received_value": "sd_xl_base_1.0.safetensors"}}],
       "dependent_outputs": ["9"], "class_type": "CheckpointLoaderSimple"}}}
    """#

    init(pendingPolls: Int = 1, rejectWithNodeErrors: Bool = false) throws {
        let log = FakeCallLog<Call>()
        let queue = QueueState()
        self.log = log
        self.queue = queue
        server = try FakeHTTPServer { request in
            let call = Call(at: Date(), method: request.method, path: request.path, body: FakeWire.object(request.body) ?? [:])
            log.append(call)
            return FakeComfyUIServer.handle(call, queue: queue, pendingPolls: pendingPolls, reject: rejectWithNodeErrors)
        }
    }

    deinit { server.stop() }
    func stop() { server.stop() }

    var baseURL: String { server.baseURL.absoluteString }
    var calls: [Call] { log.all }

    private static func handle(_ call: Call, queue: QueueState, pendingPolls: Int, reject: Bool) -> FakeHTTPServer.FakeResponse {
        if call.method == "POST", call.path == "/prompt" {
            if reject { return .json(nodeErrorsReply, status: 400) }
            guard let workflow = call.body["prompt"] as? [String: [String: Any]] else {
                return .json(#"{"error": {"type": "invalid_prompt", "message": "Cannot execute because prompt is not a dict", "details": "", "extra_info": {}}, "node_errors": []}"#,
                             status: 400)
            }
            var item = Queued(prompt: "", width: 0, height: 0, seed: 0)
            for (_, node) in workflow {
                let inputs = node["inputs"] as? [String: Any] ?? [:]
                switch node["class_type"] as? String {
                case "EmptyLatentImage":
                    item.width = inputs["width"] as? Int ?? 0
                    item.height = inputs["height"] as? Int ?? 0
                case "KSampler":
                    item.seed = UInt32(truncatingIfNeeded: inputs["seed"] as? Int ?? 0)
                case "CLIPTextEncode":
                    // The shipped template titles its negative encoder "… (Negative Prompt)".
                    let title = (node["_meta"] as? [String: Any])?["title"] as? String ?? ""
                    if !title.contains("Negative") { item.prompt = inputs["text"] as? String ?? "" }
                default:
                    break
                }
            }
            guard item.width > 0, item.height > 0 else {
                return .json(#"{"error": {"type": "prompt_outputs_failed_validation", "message": "Prompt outputs failed validation", "details": "", "extra_info": {}}, "node_errors": {"5": {"errors": [{"type": "invalid_input_type", "message": "Failed to convert an input value to a INT value", "details": "width", "extra_info": {}}], "dependent_outputs": ["9"], "class_type": "EmptyLatentImage"}}}"#,
                             status: 400)
            }
            let id = UUID().uuidString.lowercased()
            let number = queue.lock.withLock { () -> Int in
                queue.number += 1
                item.number = queue.number
                queue.prompts[id] = item
                return queue.number
            }
            return .json(FakeWire.json(["prompt_id": id, "number": number, "node_errors": [String: Any]()]))
        }
        if call.method == "GET", call.path.hasPrefix("/history/") {
            let id = String(call.path.dropFirst("/history/".count))
            let state: (ready: Bool, number: Int)? = queue.lock.withLock {
                guard var item = queue.prompts[id] else { return nil }
                item.polls += 1
                queue.prompts[id] = item
                return (item.polls > pendingPolls, item.number)
            }
            guard let state else { return .json("{}") }
            guard state.ready else { return .json("{}") }
            let filename = "dropforge_\(String(format: "%05d", state.number))_.png"
            queue.lock.withLock { queue.files[filename] = id }
            let entry: [String: Any] = [
                "prompt": [state.number, id, [String: Any](), ["client_id": "x"], ["9"]],
                "outputs": ["9": ["images": [["filename": filename, "subfolder": "", "type": "output"]]]],
                "status": ["status_str": "success", "completed": true,
                           "messages": [["execution_start", ["prompt_id": id, "timestamp": 1_718_000_000_000]],
                                        ["execution_success", ["prompt_id": id, "timestamp": 1_718_000_004_000]]]],
                "meta": ["9": ["node_id": "9", "display_node": "9", "parent_node": NSNull(), "real_node_id": "9"]],
            ]
            return .json(FakeWire.json([id: entry]))
        }
        if call.method == "GET", call.path.hasPrefix("/view?") {
            let query = URLComponents(string: "http://x" + call.path)?.queryItems ?? []
            let filename = query.first { $0.name == "filename" }?.value ?? ""
            let item: Queued? = queue.lock.withLock { queue.files[filename].flatMap { queue.prompts[$0] } }
            guard let item else { return .text("404: Not Found", status: 404) }
            let png = FakeWire.png(prompt: item.prompt, width: item.width, height: item.height, seed: item.seed,
                                   text: [("prompt", #"{"3": {"class_type": "KSampler"}}"#), ("workflow", #"{"nodes": []}"#)])
            return .normal(status: 200, headers: [("Content-Type", "image/png")], body: png)
        }
        if call.method == "POST", call.path == "/queue" { return .json("{}") }
        return .text("404: Not Found", status: 404)
    }
}
