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

/// Sampling settings from the profile.
public struct TextSampling: Codable, Sendable, Equatable {
    public var model: String?
    public var temperature: Double?
    public var topP: Double?
    public var maxTokens: Int?

    public init(model: String? = nil, temperature: Double? = nil, topP: Double? = nil, maxTokens: Int? = nil) {
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

    public init(messages: [ChatMessage], schema: ReplySchema? = nil, sampling: TextSampling = TextSampling()) {
        self.messages = messages
        self.schema = schema
        self.sampling = sampling
    }
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
/// policy can tell transient from permanent failures (a reply that breaks the schema is permanent).
public protocol TextProvider: Sendable {
    var name: String { get }
    func complete(_ request: TextRequest) throws -> TextReply
}

extension TextProvider {
    /// One instruction (with an image for vision) whose reply must be JSON matching `schema`:
    /// the shape of every call the stages make.
    public func ask(_ text: String, image: Data? = nil, schema: ReplySchema, sampling: TextSampling) throws -> TextReply {
        try complete(TextRequest(messages: [ChatMessage(role: .user, text: text, image: image)], schema: schema, sampling: sampling))
    }
}
