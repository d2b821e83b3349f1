import Foundation
import DropForgeJSON
import DropForgeMedia
import DropForgeHTTP
import DropForgeCore

/// ComfyUI (`type: comfyui`): a workflow template in ComfyUI's API format ("Save (API)" in the
/// ComfyUI menu; `config/templates/comfy-txt2img.json` is the shipped one), queued with
/// `POST /prompt`, polled with `GET /history/{prompt_id}`, and its first output image fetched
/// with `GET /view`.
///
/// **Placeholders.** Inside the template's JSON string values `{{prompt}}`, `{{negative}}`,
/// `{{seed}}`, `{{width}}` and `{{height}}` are replaced by the item's values, and `{{steps}}`,
/// `{{cfg_scale}}`, `{{sampler}}`, `{{scheduler}}` and `{{checkpoint}}` by the job's `generate:`
/// settings, else the entry's (`steps`, `cfg_scale`, `sampler_name`, `scheduler`,
/// `override_settings.sd_model_checkpoint`, else its `model`); a template that uses one of these
/// with no value set fails its items with a permanent `provider_config` naming the key. The template is
/// parsed as JSON and substituted value by value, so a prompt with quotes, backslashes or
/// newlines cannot break the document (the writer escapes it), and a substituted prompt is never
/// scanned again for placeholders. A string that is exactly `"{{seed}}"`, `"{{width}}"` or
/// `"{{height}}"`, `"{{steps}}"` or `"{{cfg_scale}}"` becomes a JSON number, since ComfyUI's INT
/// and FLOAT inputs refuse strings. Other
/// `{{…}}` text is left alone.
///
/// **Errors.**
/// - A 400 from `/prompt` with `node_errors` → permanent `comfy_node_error` naming each node id,
///   its `class_type` and the messages (a missing checkpoint, a bad sampler name…); a 400 with
///   only `error` → permanent `comfy_prompt_error`.
/// - A history entry whose `status.status_str` is `"error"` → permanent `comfy_execution_error`
///   with the node and exception message; except an out-of-memory exception or an interrupted run
///   (someone pressed Cancel in the UI), which are transient (`comfy_out_of_memory`,
///   `comfy_interrupted`): another attempt can succeed.
/// - No finished entry before `deadline` seconds → transient `timeout`; the prompt is then
///   removed from ComfyUI's queue (best effort) so a retry does not leave a duplicate behind.
/// - While polling, up to `maxPollFailures - 1` consecutive transient HTTP failures are ridden
///   out (a brief blip should not throw away a render in progress); permanent ones end at once.
///
/// **Result.** `model` is the checkpoint the workflow loads (`ckpt_name` without its extension),
/// `steps` the sampler's `steps`, `seed` the sampler's seed after substitution (so a template that
/// fixes its own seed reports that one), else the request's.
public struct ComfyUIProvider: ImageProvider {
    public static let placeholders = ["prompt", "negative", "seed", "width", "height"]
    /// The placeholders the generation settings fill, with the key that sets each.
    public static let settingPlaceholders = [("steps", "steps"), ("cfg_scale", "cfg_scale"), ("sampler", "sampler_name"),
                                             ("scheduler", "scheduler"), ("checkpoint", "override_settings.sd_model_checkpoint or model")]
    static let maxPollFailures = 3

    public let endpoint: ProviderEndpoint
    public let limits: PNGLimits
    public let pollInterval: TimeInterval
    public let deadline: TimeInterval
    /// The parsed template, or why it cannot be used (reported by `generate`, so a bad template
    /// fails its items with a clear message rather than the process).
    let template: Result<JSONValue, StepError>

    public var name: String { endpoint.name }

    public init(endpoint: ProviderEndpoint, workflow: String, limits: PNGLimits,
                pollInterval: TimeInterval = 0.5, deadline: TimeInterval = 600) {
        self.endpoint = endpoint
        self.limits = limits
        self.pollInterval = max(0, pollInterval)
        self.deadline = max(0, deadline)
        do {
            template = .success(try Self.parseWorkflow(workflow, provider: endpoint.name))
        } catch {
            template = .failure(error)
        }
    }

    // MARK: Template

    /// Checks a workflow template: API-format JSON (an object of nodes, each with `class_type`
    /// and `inputs`) that uses `{{prompt}}` somewhere. Throws a permanent `provider_config` error.
    public static func validate(workflow: String, provider: String = "comfyui") throws {
        _ = try parseWorkflow(workflow, provider: provider)
    }

    static func parseWorkflow(_ text: String, provider: String) throws(StepError) -> JSONValue {
        func fail(_ message: String) -> StepError {
            .permanent(.providerConfig, "provider '\(provider)': the ComfyUI workflow template \(message)")
        }
        let value: JSONValue
        do {
            value = try JSONParser.parse(text)
        } catch {
            throw fail("is not JSON: \(error)")
        }
        guard let nodes = value.objectValue, !nodes.isEmpty else {
            throw fail("must be a JSON object of nodes (ComfyUI's API format)")
        }
        if nodes["nodes"]?.arrayValue != nil, nodes["links"] != nil {
            throw fail("is in ComfyUI's UI format; export it with \"Save (API)\" (enable the dev mode options) instead")
        }
        for (id, node) in nodes {
            guard node["class_type"]?.stringValue != nil, node["inputs"]?.objectValue != nil else {
                throw fail("has node \"\(id)\" without `class_type` and `inputs` (not ComfyUI's API format)")
            }
        }
        guard JSONWriter.compact(value).contains("{{prompt}}") else {
            throw fail("does not use {{prompt}}: the item's prompt would be ignored")
        }
        return value
    }

    /// The template with the request's values in place of the placeholders.
    public static func render(_ template: JSONValue, with request: ImageRequest, checkpoint: String? = nil) -> JSONValue {
        var values: [String: String] = [
            "prompt": request.prompt, "negative": request.negative, "seed": String(request.seed),
            "width": String(request.width), "height": String(request.height),
        ]
        let settings = request.settings
        values["steps"] = settings.steps.map(String.init)
        values["cfg_scale"] = settings.cfgScale.map(GenerationParameters.formatNumber)
        values["sampler"] = settings.sampler
        values["scheduler"] = settings.scheduler
        values["checkpoint"] = settings.overrideSettings?["sd_model_checkpoint"]?.text ?? checkpoint
        var numbers: [String: String] = [:]
        for key in ["seed", "width", "height", "steps", "cfg_scale"] { numbers["{{\(key)}}"] = values[key] }
        return substitute(template, values: values, numbers: numbers, depth: 0)
    }

    /// The setting placeholders `template` uses that `request` (with the entry's `checkpoint`)
    /// gives no value, as the keys that would set them.
    static func unsetPlaceholders(in template: JSONValue, request: ImageRequest, checkpoint: String?) -> [String] {
        let text = JSONWriter.compact(template)
        let settings = request.settings
        let given: [String: Bool] = [
            "steps": settings.steps != nil, "cfg_scale": settings.cfgScale != nil, "sampler": settings.sampler != nil,
            "scheduler": settings.scheduler != nil,
            "checkpoint": settings.overrideSettings?["sd_model_checkpoint"] != nil || checkpoint != nil,
        ]
        return settingPlaceholders.filter { text.contains("{{\($0.0)}}") && given[$0.0] != true }.map(\.1)
    }

    private static func substitute(_ value: JSONValue, values: [String: String], numbers: [String: String], depth: Int) -> JSONValue {
        switch value {
        case .string(let text):
            if let number = numbers[text] { return .number(number) }
            return .string(replacePlaceholders(in: text, values: values))
        case .array(let elements):
            return .array(elements.map { substitute($0, values: values, numbers: numbers, depth: depth + 1) })
        case .object(var members):
            for index in members.values.indices {
                members.values[index] = substitute(members.values[index], values: values, numbers: numbers, depth: depth + 1)
            }
            return .object(members)
        default:
            return value
        }
    }

    /// One left-to-right pass: substituted text is never searched again.
    static func replacePlaceholders(in text: String, values: [String: String]) -> String {
        guard text.contains("{{") else { return text }
        var output = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            output += rest[..<open.lowerBound]
            let afterOpen = rest[open.upperBound...]
            if let close = afterOpen.range(of: "}}"), let value = values[String(afterOpen[..<close.lowerBound])] {
                output += value
                rest = afterOpen[close.upperBound...]
            } else {
                output += "{{"
                rest = afterOpen
            }
        }
        return output + rest
    }

    // MARK: Generate

    public func generate(_ request: ImageRequest) throws -> GeneratedImage {
        var request = request
        request.settings = request.settings.over(endpoint.config.generation)
        let template = try template.get()
        let unset = Self.unsetPlaceholders(in: template, request: request, checkpoint: endpoint.config.model)
        guard unset.isEmpty else {
            throw StepError.permanent(.providerConfig, "provider '\(name)': the workflow uses a placeholder with no value: set "
                                      + unset.joined(separator: ", ") + " in the job's generate: or the providers entry")
        }
        let workflow = Self.render(template, with: request, checkpoint: endpoint.config.model)
        let started = ContinuousClock.now
        let end = started.advanced(by: .milliseconds(Int64((deadline * 1000).rounded())))

        let promptID = try queue(workflow)
        let entry = try waitForHistory(promptID: promptID, until: end)
        let image = try firstImage(in: entry, promptID: promptID)
        let png = try fetch(image)
        let checked = try RemoteImageSupport.checkPNG(png, limits: limits, provider: name,
                                                      source: "the output image \(image.filename)")
        let summary = Self.summary(of: workflow)
        return GeneratedImage(png: checked.png, pixels: checked.pixels,
                              model: summary.model ?? endpoint.config.model ?? "comfyui",
                              seed: summary.seed ?? request.seed, settings: summary.settings)
    }

    /// `POST /prompt`; returns the `prompt_id`.
    func queue(_ workflow: JSONValue) throws -> String {
        let body: JSONValue = ["prompt": workflow, "client_id": .string(UUID().uuidString.lowercased())]
        let url = try endpoint.url("/prompt")
        let request = HTTPRequest.json(url: url, body: JSONWriter.compactData(body), headers: endpoint.authorizationHeaders)
        let response: HTTPResponse
        do {
            response = try endpoint.sendKeepingHTTPError(request).get()
        } catch let error as HTTPError {
            if case .status(400) = error.kind, let body = error.response?.body,
               let rejection = rejectionError(body) {
                throw rejection
            }
            throw error.stepError(provider: name)
        }
        let reply: JSONValue
        do {
            reply = try JSONParser.parse(response.body)
        } catch {
            throw HTTPError.invalidBody(response, for: request, reason: "the reply is not JSON (\(error))").stepError(provider: name)
        }
        guard let id = reply["prompt_id"]?.stringValue, !id.isEmpty else {
            throw RemoteImageSupport.missingField("prompt_id", provider: name, reply: reply)
        }
        return id
    }

    /// The error for ComfyUI's validation reply (HTTP 400), or nil when the body is not one.
    func rejectionError(_ body: Data) -> StepError? {
        guard let reply = try? JSONParser.parse(body), reply.objectValue != nil else { return nil }
        let topMessage: String? = {
            switch reply["error"] {
            case .string(let text)?: return text
            case let error?:
                let parts = [error["message"]?.stringValue, error["details"]?.stringValue].compactMap { $0 }.filter { !$0.isEmpty }
                return parts.isEmpty ? nil : parts.joined(separator: ": ")
            case nil: return nil
            }
        }()
        var nodes: [String] = []
        for (id, node) in reply["node_errors"]?.objectValue ?? [:] {
            let classType = node["class_type"]?.stringValue ?? "?"
            let messages = (node["errors"]?.arrayValue ?? []).map { error -> String in
                let message = error["message"]?.stringValue ?? error["type"]?.stringValue ?? "error"
                let details = error["details"]?.stringValue ?? ""
                return details.isEmpty ? message : "\(message): \(Self.clip(details))"
            }
            nodes.append("node \(id) (\(classType)): \(messages.isEmpty ? "invalid" : messages.joined(separator: "; "))")
        }
        if !nodes.isEmpty {
            let lead = topMessage.map { "\($0) — " } ?? ""
            return .permanent(.comfyNodeError, "provider '\(name)': ComfyUI rejected the workflow: \(lead)\(nodes.joined(separator: "; "))")
        }
        if let topMessage {
            return .permanent(.comfyPromptError, "provider '\(name)': ComfyUI rejected the workflow: \(topMessage)")
        }
        return nil
    }

    /// Polls `GET /history/{id}` until the entry for `promptID` has `outputs` or failed.
    func waitForHistory(promptID: String, until end: ContinuousClock.Instant) throws -> JSONValue {
        let path = "/history/" + Self.percentEncode(promptID)
        var failures = 0
        while true {
            let remaining = ContinuousClock.now.duration(to: end)
            if remaining <= .zero { throw timedOut(promptID) }
            var reply: JSONValue?
            do {
                reply = try endpoint.sendJSON("GET", path: path, body: nil,
                                              options: endpoint.options(totalTimeoutAtMost: remaining.timeInterval + 1)).json
                failures = 0
            } catch let error as StepError where error.isTransient {
                failures += 1
                if failures >= Self.maxPollFailures { throw error }
            }
            if let entry = reply?[promptID] {
                if let failure = executionError(entry, promptID: promptID) { throw failure }
                if entry["outputs"]?.objectValue != nil { return entry }
            }
            let left = ContinuousClock.now.duration(to: end)
            if left <= .zero { throw timedOut(promptID) }
            let pause = min(pollInterval, left.timeInterval)
            if pause > 0 { Thread.sleep(forTimeInterval: pause) }
        }
    }

    private func timedOut(_ promptID: String) -> StepError {
        dequeue(promptID)
        return .transient(.timeout, "provider '\(name)': ComfyUI did not finish prompt \(promptID) within \(Self.format(deadline)) s")
    }

    /// Best effort: takes a prompt that is still waiting out of ComfyUI's queue.
    private func dequeue(_ promptID: String) {
        _ = try? endpoint.sendJSON(path: "/queue", body: ["delete": [.string(promptID)]],
                                   options: endpoint.options(totalTimeoutAtMost: 5))
    }

    /// The error a finished-with-error history entry stands for, or nil.
    func executionError(_ entry: JSONValue, promptID: String) -> StepError? {
        guard entry["status"]?["status_str"]?.stringValue == "error" else { return nil }
        var details: [String] = []
        var transientCode: ErrorCode?
        for message in entry["status"]?["messages"]?.arrayValue ?? [] {
            guard let kind = message[0]?.stringValue, let data = message[1] else { continue }
            switch kind {
            case "execution_error":
                let node = data["node_id"]?.stringValue ?? data["node_id"].map { JSONWriter.compact($0) } ?? "?"
                let type = data["node_type"]?.stringValue ?? "?"
                let exceptionType = data["exception_type"]?.stringValue ?? ""
                let exception = data["exception_message"]?.stringValue ?? "error"
                if exceptionType.contains("OutOfMemory") || exception.contains("out of memory") {
                    transientCode = .comfyOutOfMemory
                }
                let kindText = exceptionType.isEmpty ? "" : "\(exceptionType): "
                details.append("node \(node) (\(type)): \(kindText)\(Self.clip(exception.trimmingCharacters(in: .whitespacesAndNewlines)))")
            case "execution_interrupted":
                transientCode = transientCode ?? .comfyInterrupted
                details.append("the run was interrupted")
            default:
                continue
            }
        }
        let text = "provider '\(name)': ComfyUI failed to run prompt \(promptID): "
            + (details.isEmpty ? "status error (no execution_error message)" : details.joined(separator: "; "))
        if let transientCode { return .transient(transientCode, text) }
        return .permanent(.comfyExecutionError, text)
    }

    /// One image reference from a history entry's `outputs`.
    struct ImageRef: Equatable {
        var filename: String
        var subfolder: String
        var type: String
    }

    /// The first image in `outputs` (node order as ComfyUI wrote it), preferring saved images
    /// (`type: output`) over previews (`temp`).
    func firstImage(in entry: JSONValue, promptID: String) throws -> ImageRef {
        var found: [ImageRef] = []
        for (_, output) in entry["outputs"]?.objectValue ?? [:] {
            for image in output["images"]?.arrayValue ?? [] {
                guard let filename = image["filename"]?.stringValue, !filename.isEmpty else { continue }
                found.append(ImageRef(filename: filename, subfolder: image["subfolder"]?.stringValue ?? "",
                                      type: image["type"]?.stringValue ?? "output"))
            }
        }
        guard let image = found.first(where: { $0.type == "output" }) ?? found.first else {
            throw RemoteImageSupport.missingField("\(promptID).outputs[…].images[0].filename", provider: name, reply: entry,
                                                  expected: "the workflow needs a SaveImage node")
        }
        return image
    }

    /// `GET /view?filename=…&subfolder=…&type=…`.
    func fetch(_ image: ImageRef) throws -> Data {
        let query = [("filename", image.filename), ("subfolder", image.subfolder), ("type", image.type)]
            .map { "\($0.0)=\(Self.percentEncode($0.1))" }.joined(separator: "&")
        let url = try endpoint.url("/view?" + query)
        return try endpoint.send(HTTPRequest(url: url, headers: endpoint.authorizationHeaders + [("Accept", "image/png")])).body
    }

    // MARK: Helpers

    /// RFC 3986 unreserved characters stay; everything else (including `+`, `&`, `/`, spaces) is
    /// percent-encoded, so aiohttp reads back exactly the name it gave.
    static func percentEncode(_ text: String) -> String {
        var allowed = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    /// What the rendered workflow says about the image: checkpoint, seed, and the sampler's
    /// steps, sampler, scheduler and CFG scale as `parameters` fields.
    static func summary(of workflow: JSONValue) -> (model: String?, seed: UInt32?, settings: [(name: String, value: String)]) {
        var model: String?, seed: UInt32?
        var steps: Int?, sampler: String?, scheduler: String?, cfg: Double?
        for (_, node) in workflow.objectValue ?? [:] {
            guard let inputs = node["inputs"] else { continue }
            if model == nil, let name = inputs["ckpt_name"]?.stringValue ?? inputs["unet_name"]?.stringValue, !name.isEmpty {
                model = stripModelExtension(name)
            }
            if steps == nil, let value = inputs["steps"]?.intValue { steps = value }
            if sampler == nil, let value = inputs["sampler_name"]?.stringValue { sampler = value }
            if scheduler == nil, let value = inputs["scheduler"]?.stringValue { scheduler = value }
            if cfg == nil, let value = inputs["cfg"]?.numberValue { cfg = value }
            if seed == nil, let value = RemoteImageSupport.seed(inputs["seed"] ?? inputs["noise_seed"]) { seed = value }
        }
        var settings: [(name: String, value: String)] = []
        if let steps { settings.append(("Steps", String(steps))) }
        if let sampler { settings.append(("Sampler", sampler)) }
        if let scheduler { settings.append(("Schedule type", scheduler)) }
        if let cfg { settings.append(("CFG scale", GenerationParameters.formatNumber(cfg))) }
        return (model, seed, settings)
    }

    /// `sd_xl_base_1.0.safetensors` → `sd_xl_base_1.0`, as A1111 names models in its infotext.
    static func stripModelExtension(_ name: String) -> String {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        for ext in [".safetensors", ".ckpt", ".pt", ".pth", ".bin", ".gguf", ".sft"] where base.lowercased().hasSuffix(ext) {
            return String(base.dropLast(ext.count))
        }
        return base
    }

    static func clip(_ text: String, limit: Int = 300) -> String {
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
        return oneLine.count > limit ? String(oneLine.prefix(limit)) + "…" : oneLine
    }

    static func format(_ seconds: TimeInterval) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : String(format: "%.1f", seconds)
    }
}

extension Duration {
    /// The duration in seconds, as a `TimeInterval`.
    fileprivate var timeInterval: TimeInterval {
        let parts = components
        return TimeInterval(parts.seconds) + TimeInterval(parts.attoseconds) / 1e18
    }
}
