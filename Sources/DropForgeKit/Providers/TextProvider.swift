import Foundation
import DropForgeJSON

/// One message of a chat exchange; `image` (a PNG) makes it a vision request.
public struct ChatMessage: Sendable, Equatable {
    public enum Role: String, Sendable { case system, user, assistant }
    public var role: Role
    public var text: String
    public var image: Data?

    public init(role: Role, text: String, image: Data? = nil) {
        self.role = role
        self.text = text
        self.image = image
    }
}

/// A JSON Schema the reply must follow (the subset `JSONSchemaValidator` checks), with the
/// name OpenAI's `response_format` wants.
public struct ReplySchema: Sendable, Equatable {
    public var name: String
    public var schema: JSONValue

    public init(name: String, schema: JSONValue) {
        self.name = name
        self.schema = schema
    }
}

/// Sampling settings from the profile (`text:`).
public struct TextSampling: Codable, Sendable, Equatable {
    public var model: String?
    public var temperature: Double?
    public var topP: Double?
    /// The limits given; each call kind not given has its default (``TextCall/defaultMaxTokens``).
    public var maxTokens: MaxTokens?

    public init(model: String? = nil, temperature: Double? = nil, topP: Double? = nil, maxTokens: MaxTokens? = nil) {
        self.model = model
        self.temperature = temperature
        self.topP = topP
        self.maxTokens = maxTokens
    }

    enum CodingKeys: String, CodingKey {
        case model, temperature, topP = "top_p", maxTokens = "max_tokens"
    }
}

/// What a text provider is asked.
public struct TextRequest: Sendable, Equatable {
    public var messages: [ChatMessage]
    public var schema: ReplySchema?
    public var sampling: TextSampling
    /// The kind of call, for its `max_tokens`; nil sends no limit.
    public var call: TextCall?

    public init(messages: [ChatMessage], schema: ReplySchema? = nil, sampling: TextSampling = TextSampling(), call: TextCall? = nil) {
        self.messages = messages
        self.schema = schema
        self.sampling = sampling
        self.call = call
    }

    /// The `max_tokens` to send: the limit for the kind of call, given or default.
    public var maxTokens: Int? { call.map { (sampling.maxTokens ?? MaxTokens())[$0] } }
}

/// Tokens a call used, as the server reported them.
public struct TokenUsage: Sendable, Equatable, Codable {
    public var promptTokens: Int
    public var completionTokens: Int

    public init(promptTokens: Int = 0, completionTokens: Int = 0) {
        self.promptTokens = promptTokens
        self.completionTokens = completionTokens
    }

    public static func + (lhs: TokenUsage, rhs: TokenUsage) -> TokenUsage {
        TokenUsage(promptTokens: lhs.promptTokens + rhs.promptTokens,
                   completionTokens: lhs.completionTokens + rhs.completionTokens)
    }

    enum CodingKeys: String, CodingKey {
        case promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }
}

/// A text provider's answer: the text, the JSON when a schema was given (already validated
/// against it), the model that answered and the tokens used.
public struct TextReply: Sendable, Equatable {
    public var text: String
    public var json: JSONValue?
    public var model: String
    public var usage: TokenUsage

    public init(text: String, json: JSONValue? = nil, model: String, usage: TokenUsage) {
        self.text = text
        self.json = json
        self.model = model
        self.usage = usage
    }
}

/// A text generator (DESIGN §5): messages, an optional image and an optional JSON schema in;
/// text or validated JSON and token usage out. Implementations throw `StepError` so the retry
/// policy can tell transient from permanent failures, and ``UnusableReply`` for a reply that came
/// back whole but cannot be used (cut off, not JSON, off the schema): another sample may do,
/// which ``ResamplingTextProvider`` asks for.
public protocol TextProvider: Sendable {
    var name: String { get }
    /// How many replies a call may ask for before an unusable one fails it: the provider's
    /// `retry.max_attempts` (its entry's, else the top-level one).
    var attempts: Int { get }
    func complete(_ request: TextRequest) throws -> TextReply
}

extension TextProvider {
    /// One instruction (with an image for vision) whose reply must be JSON matching `schema`:
    /// the shape of every call the stages make. `read` turns the reply into what the stage
    /// needs and may throw ``UnusableReply`` too (a value the schema cannot demand).
    ///
    /// An unusable reply is asked for again, up to ``attempts`` replies in all, each time with
    /// one line after the instruction that says what was wrong with the last one; every sample
    /// taken again is noted in the ``UsageMeter`` (for the job log and the item's attempts).
    /// When all are unusable the call fails with every attempt's reason.
    public func ask<T>(_ text: String, image: Data? = nil, schema: ReplySchema, sampling: TextSampling, call: TextCall,
                       read: (TextReply) throws -> T) throws -> T {
        let limit = max(1, attempts)
        var failures: [UnusableReply] = []
        while true {
            let instruction = failures.last.map { text + "\n\n" + $0.hint } ?? text
            let request = TextRequest(messages: [ChatMessage(role: .user, text: instruction, image: image)], schema: schema,
                                      sampling: sampling, call: call)
            do {
                return try read(try complete(request))
            } catch let unusable as UnusableReply {
                failures.append(unusable)
                guard failures.count < limit else { throw UnusableReply.exhausted(failures) }
                UsageMeter.resampled("reply \(failures.count) of \(limit) from '\(name)' was unusable "
                                     + "(\(unusable.what)); asking again")
            }
        }
    }

    public func ask(_ text: String, image: Data? = nil, schema: ReplySchema, sampling: TextSampling, call: TextCall) throws -> TextReply {
        try ask(text, image: image, schema: schema, sampling: sampling, call: call) { $0 }
    }
}
