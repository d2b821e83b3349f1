import Foundation
import Synchronization
import DropForgeJSON
import DropForgeHTTP
import DropForgeCore

/// A text provider for any OpenAI-compatible `POST <base_url>/chat/completions` (DESIGN §5):
/// OpenAI itself, Ollama, llama.cpp server, vLLM, LM Studio… `base_url` already ends in `/v1`.
///
/// Request: `{model, messages, temperature?, top_p?, max_tokens?, response_format?}`. A message
/// with an image becomes OpenAI's vision form, `content: [{type: text}, {type: image_url, image_url:
/// {url: "data:image/png;base64,…"}}]`; other messages keep `content` a plain string, which every
/// server understands.
///
/// Schemas: servers differ in what they honour, so a request with a schema tries, in order,
/// 1. `response_format: {type: json_schema, json_schema: {name, strict: true, schema}}`;
/// 2. `{type: json_object}` (JSON mode) when the server answers 400/422 about `response_format`;
/// 3. no `response_format` at all when JSON mode is rejected the same way.
/// Modes 2 and 3 carry the schema in the system prompt ("Reply with JSON only, matching this JSON
/// Schema: …"), because JSON mode does not know the schema (and OpenAI refuses JSON mode unless
/// the messages mention JSON). The instruction joins a leading system message, or becomes one at
/// the front: several chat templates reject a system message anywhere else.
/// The mode that worked is remembered by this instance (all copies share it), so later calls start
/// there instead of paying for the rejected attempts again. Whatever the mode, the reply is always
/// parsed (code fences and surrounding prose removed) and validated with `JSONSchemaValidator`: a
/// reply that is cut off, is not JSON or breaks the schema throws ``UnusableReply``, which `ask`
/// answers with another sample (a permanent `invalid_output` once every attempt was unusable).
///
/// Errors: HTTP failures are classified by the client (transient: connect, timeout, 429 with its
/// `Retry-After`, 5xx, truncated body; permanent: other 4xx); a 2xx body that is not a chat
/// completion is a permanent `invalid_response`. The API key never appears in a message.
public struct OpenAIChatProvider: TextProvider {
    /// How the request asks for JSON, from the most to the least precise.
    public enum ResponseFormatMode: Int, Sendable, Comparable, CustomStringConvertible {
        case jsonSchema
        case jsonObject
        case plain

        public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

        /// The mode to try when the server rejects this one.
        public var fallback: ResponseFormatMode? { ResponseFormatMode(rawValue: rawValue + 1) }

        public var description: String {
            switch self {
            case .jsonSchema: return "json_schema"
            case .jsonObject: return "json_object"
            case .plain: return "plain"
            }
        }
    }

    public let endpoint: ProviderEndpoint
    public let attempts: Int
    private let memory = ModeMemory()

    public init(endpoint: ProviderEndpoint, attempts: Int = 1) {
        self.endpoint = endpoint
        self.attempts = attempts
    }

    public var name: String { endpoint.name }

    /// The mode the next request with a schema starts with.
    public var responseFormatMode: ResponseFormatMode { memory.mode }

    public func complete(_ request: TextRequest) throws -> TextReply {
        let model = try resolveModel(request)
        let url = try endpoint.url("/chat/completions")
        var mode = memory.mode
        while true {
            let body = Self.requestBody(request, model: model, mode: mode)
            let httpRequest = HTTPRequest.json(url: url, body: JSONWriter.compactData(body), headers: endpoint.authorizationHeaders)
            switch try endpoint.sendKeepingHTTPError(httpRequest) {
            case .success(let response):
                return try reply(from: response, to: httpRequest, request: request, model: model)
            case .failure(let error):
                if request.schema != nil, let next = mode.fallback, Self.rejectsResponseFormat(error) {
                    memory.degrade(to: next)
                    mode = next
                    continue
                }
                if request.messages.contains(where: { $0.image != nil }), let said = Self.refusesImages(error) {
                    // llama.cpp answers 500 to an image for a text-only model: no retry will change that.
                    throw StepError.permanent(.providerInvalid, "provider '\(name)': the model '\(model)' cannot read images "
                                              + "(the server said: \(said)); name a model with vision in quality.vision")
                }
                throw error.stepError(provider: name)
            }
        }
    }

    /// The profile's model, else the provider entry's.
    private func resolveModel(_ request: TextRequest) throws -> String {
        let candidates = [request.sampling.model, endpoint.config.model]
            .compactMap { $0?.trimmingCharacters(in: .whitespacesAndNewlines) }
        guard let model = candidates.first(where: { !$0.isEmpty }) else {
            throw StepError.permanent(.providerConfig,
                                      "provider '\(name)': no model to ask: set `model` in its providers: entry or in the profile")
        }
        return model
    }

    // MARK: Request

    /// The JSON body for `mode` (which only matters when the request has a schema).
    static func requestBody(_ request: TextRequest, model: String, mode: ResponseFormatMode) -> JSONValue {
        var messages = request.messages
        if let schema = request.schema, mode != .jsonSchema {
            messages = withSchemaInstruction(messages, schema)
        }
        var body: JSONValue = ["model": .string(model), "messages": .array(messages.map(wireMessage))]
        if let temperature = request.sampling.temperature { body["temperature"] = .number(temperature) }
        if let topP = request.sampling.topP { body["top_p"] = .number(topP) }
        if let maxTokens = request.maxTokens { body["max_tokens"] = .number(maxTokens) }
        if let schema = request.schema {
            switch mode {
            case .jsonSchema:
                body["response_format"] = [
                    "type": "json_schema",
                    "json_schema": ["name": .string(wireName(schema.name)), "strict": true, "schema": schema.schema],
                ]
            case .jsonObject:
                body["response_format"] = ["type": "json_object"]
            case .plain:
                break
            }
        }
        return body
    }

    /// `content` a string, or the text-and-image parts of a vision message.
    static func wireMessage(_ message: ChatMessage) -> JSONValue {
        let role = JSONValue.string(message.role.rawValue)
        guard let image = message.image else { return ["role": role, "content": .string(message.text)] }
        var parts: [JSONValue] = []
        if !message.text.isEmpty { parts.append(["type": "text", "text": .string(message.text)]) }
        parts.append(["type": "image_url", "image_url": ["url": .string("data:image/png;base64," + image.base64EncodedString())]])
        return ["role": role, "content": .array(parts)]
    }

    static func schemaInstruction(_ schema: ReplySchema) -> String {
        "Reply with JSON only, matching this JSON Schema: " + JSONWriter.compact(schema.schema)
    }

    static func withSchemaInstruction(_ messages: [ChatMessage], _ schema: ReplySchema) -> [ChatMessage] {
        var messages = messages
        let instruction = schemaInstruction(schema)
        if let first = messages.first, first.role == .system, first.image == nil {
            messages[0].text = first.text.isEmpty ? instruction : first.text + "\n\n" + instruction
        } else {
            messages.insert(ChatMessage(role: .system, text: instruction), at: 0)
        }
        return messages
    }

    /// OpenAI wants `json_schema.name` to match `^[a-zA-Z0-9_-]{1,64}$`.
    static func wireName(_ name: String) -> String {
        let cleaned = String(String.UnicodeScalarView(name.unicodeScalars.map { scalar in
            scalar.isASCII && (CharacterSet.alphanumerics.contains(scalar) || scalar == "_" || scalar == "-") ? scalar : "_"
        }).prefix(64))
        return cleaned.isEmpty ? "reply" : cleaned
    }

    /// A 400 (or 422, FastAPI-style servers) whose body names `response_format` or the JSON modes:
    /// the server does not support what we asked for, and a simpler mode may work.
    static func rejectsResponseFormat(_ error: HTTPError) -> Bool {
        guard error.kind == .status(400) || error.kind == .status(422) else { return false }
        let body = (error.response.map { String(decoding: $0.body, as: UTF8.self) } ?? error.detail).lowercased()
        return ["response_format", "json_schema", "json_object"].contains { body.contains($0) }
    }

    /// What a server said when it refused an image because the model has no vision (llama.cpp:
    /// 500 "image input is not supported"; others: 400 "does not support image input"), or nil.
    static func refusesImages(_ error: HTTPError) -> String? {
        guard case .status(let code) = error.kind, [400, 422, 500].contains(code), let body = error.response?.body else { return nil }
        let text = String(decoding: body, as: UTF8.self)
        let lowered = text.lowercased()
        let signs = ["image input is not supported", "does not support image", "mmproj", "not a multimodal", "vision is not supported"]
        guard signs.contains(where: lowered.contains) else { return nil }
        let message = (try? JSONParser.parse(body))?["error"]?["message"]?.stringValue ?? text
        return HTTPError.snippet(of: Data(message.utf8))
    }

    // MARK: Reply

    private func reply(from response: HTTPResponse, to httpRequest: HTTPRequest, request: TextRequest, model: String) throws -> TextReply {
        func invalid(_ reason: String) -> StepError {
            HTTPError.invalidBody(response, for: httpRequest, reason: reason).stepError(provider: name)
        }
        let json: JSONValue
        do {
            json = try JSONParser.parse(response.body)
        } catch {
            throw invalid("the reply is not JSON (\(error))")
        }
        guard let choice = json["choices"]?[0] else {
            if let message = json["error"]?["message"]?.stringValue ?? json["error"]?.stringValue {
                throw invalid("the server reported an error: \(message)")
            }
            throw invalid("the reply has no choices")
        }
        guard let message = choice["message"], message.objectValue != nil else {
            throw invalid("choices[0] has no message")
        }
        let content: String?
        switch message["content"] {
        case .string(let text)?:
            content = text
        case .array(let parts)?:
            // Text parts (`{"type": "text", "text": …}`, or bare strings); other kinds are skipped.
            content = parts.compactMap { part -> String? in
                if let text = part.stringValue { return text }
                let isText = part["type"] == nil || part["type"] == "text"
                return isText ? part["text"]?.stringValue : nil
            }.joined()
        case .null?, nil:
            content = nil
        case let other?:
            throw invalid("choices[0].message.content is \(other.typeName == "object" ? "an" : "a") \(other.typeName)")
        }
        let usage = TokenUsage(promptTokens: json["usage"]?["prompt_tokens"]?.intValue ?? 0,
                               completionTokens: json["usage"]?["completion_tokens"]?.intValue ?? 0)
        let answeredBy = json["model"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } ?? model
        // Spent from here on, whatever the reply turns out to be worth.
        UsageMeter.record(UsageRecord(provider: name, model: answeredBy, usage: usage))

        if request.schema != nil, choice["finish_reason"]?.stringValue == "length" {
            throw unusable(.cutOff, reply: content ?? "", request)
        }
        guard let text = content else {
            if let refusal = message["refusal"]?.stringValue {
                throw unusable(.refused, reply: refusal, request)
            }
            throw invalid("choices[0].message has no content")
        }
        guard let schema = request.schema else {
            return TextReply(text: text, model: answeredBy, usage: usage)
        }
        let parsed: JSONValue
        do {
            parsed = try Self.extractJSON(from: text)
        } catch {
            throw unusable(.notJSON("\(error)"), reply: text, request)
        }
        let problems = JSONSchemaValidator.validate(parsed, against: schema.schema)
        if !problems.isEmpty {
            let listed = problems.prefix(3).map(\.description).joined(separator: "; ")
            let more = problems.count > 3 ? " (and \(problems.count - 3) more)" : ""
            throw unusable(.offSchema(listed + more), reply: text, request)
        }
        return TextReply(text: text, json: parsed, model: answeredBy, usage: usage)
    }

    /// An unusable reply, quoting its start scrubbed of the key (in case a model was ever shown
    /// it and echoes it).
    private func unusable(_ reason: UnusableReply.Reason, reply: String, _ request: TextRequest) -> UnusableReply {
        UnusableReply(provider: name, reason: reason, reply: reply, call: request.call, maxTokens: request.maxTokens,
                      secret: endpoint.apiKey)
    }

    // MARK: JSON in the reply

    /// The JSON value in a model's reply, trying in turn: the whole text; the first fenced code
    /// block (```` ```json … ``` ```` or ```` ``` … ``` ````); the text from the first `{` to the last
    /// `}` (prose around the object); from the first `[` to the last `]`. A leading
    /// `<think>…</think>` block (reasoning models) is dropped first. Throws the parse error of the
    /// last candidate tried.
    static func extractJSON(from reply: String) throws -> JSONValue {
        var text = reply.trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("<think>"), let end = text.range(of: "</think>") {
            text = text[end.upperBound...].trimmingCharacters(in: .whitespacesAndNewlines)
        }
        var candidates = [text]
        if let fenced = fencedBlock(in: text) { candidates.append(fenced) }
        for (open, close) in [("{", "}"), ("[", "]")] {
            if let start = text.range(of: open), let end = text.range(of: close, options: .backwards), start.lowerBound < end.lowerBound {
                candidates.append(String(text[start.lowerBound..<end.upperBound]))
            }
        }
        var lastError: Error = JSONParseError(message: "the reply is empty", offset: 0, line: 1, column: 1)
        var tried = Set<String>()
        for candidate in candidates where tried.insert(candidate).inserted {
            do {
                return try JSONParser.parse(candidate)
            } catch {
                lastError = error
            }
        }
        throw lastError
    }

    /// The inside of the first ```` ``` ```` block, without its info string (`json`); to the end of
    /// the text when the closing fence is missing (a reply cut short).
    static func fencedBlock(in text: String) -> String? {
        guard let open = text.range(of: "```") else { return nil }
        let afterInfo = text[open.upperBound...].firstIndex(of: "\n").map { text.index(after: $0) } ?? text.endIndex
        let rest = text[afterInfo...]
        let inside = rest.range(of: "```").map { rest[..<$0.lowerBound] } ?? rest
        let trimmed = inside.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }
}

/// The response-format mode that last worked, shared by every copy of one provider and safe to
/// read and lower from any worker thread. It only ever moves towards `plain`.
private final class ModeMemory: Sendable {
    private let current = Mutex(OpenAIChatProvider.ResponseFormatMode.jsonSchema)

    var mode: OpenAIChatProvider.ResponseFormatMode { current.withLock { $0 } }

    func degrade(to mode: OpenAIChatProvider.ResponseFormatMode) {
        current.withLock { if mode > $0 { $0 = mode } }
    }
}
