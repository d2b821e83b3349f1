import Foundation
import DropForgeCore
import DropForgeHTTP

/// A reply that came back whole but cannot be used: cut off at the token limit, not JSON, off
/// the schema, refused, or missing a value the stage needs. Models sample, so another attempt
/// may well do (issue 16: small local models ramble or break the schema one time in a few);
/// ``TextProvider/ask(_:image:schema:sampling:call:read:)`` asks again, telling the model in one
/// line what was wrong, and fails the item only when every attempt was unusable.
public struct UnusableReply: Error, Sendable, Equatable, StepErrorConvertible {
    public enum Reason: Sendable, Equatable {
        /// `finish_reason: "length"`.
        case cutOff
        /// The parse error of the last candidate tried.
        case notJSON(String)
        /// The first problems the validator found.
        case offSchema(String)
        case refused
        /// A value the schema allows but the stage cannot use (an empty title).
        case missing(String)
    }

    public var provider: String
    public var reason: Reason
    /// The start of the reply, scrubbed of the API key.
    public var snippet: String
    /// The kind of call and the limit it had, to say which setting to raise when cut off.
    public var call: TextCall?
    public var maxTokens: Int?

    public init(provider: String, reason: Reason, reply: String, call: TextCall? = nil, maxTokens: Int? = nil, secret: String? = nil) {
        self.provider = provider
        self.reason = reason
        var snippet = HTTPError.snippet(of: Data(reply.utf8))
        if let secret, secret.count >= 4 { snippet = snippet.replacingOccurrences(of: secret, with: "[redacted]") }
        self.snippet = snippet
        self.call = call
        self.maxTokens = maxTokens
    }

    /// What was wrong, in a few words.
    public var what: String {
        switch reason {
        case .cutOff: "the reply was cut off at the token limit (finish_reason \"length\")"
        case .notJSON(let error): "the reply is not JSON (\(error))"
        case .offSchema(let problems): "the reply does not match the schema: \(problems)"
        case .refused: "the model refused"
        case .missing(let field): "the reply gave no \(field)"
        }
    }

    /// The line added to the next attempt's instruction.
    public var hint: String {
        let ask = "Reply with JSON only, matching the schema"
        switch reason {
        case .cutOff: return ask + ", and keep it short; your last reply was cut off."
        case .notJSON: return ask + ", with no other text; your last reply was not JSON."
        case .offSchema(let problems): return ask + "; your last reply broke it (\(problems))."
        case .refused: return ask + "."
        case .missing(let field): return ask + "; your last reply left \(field) empty."
        }
    }

    /// What to change when the reply was cut off.
    var advice: String? {
        guard reason == .cutOff else { return nil }
        guard let call else { return "raise max_tokens in the profile" }
        return "raise \(call.setting) in the profile or manifest (it was \(maxTokens ?? call.defaultMaxTokens))"
    }

    var quoted: String { snippet.isEmpty ? "the reply is empty" : "reply: \(snippet)" }

    public var stepError: StepError {
        var message = "provider '\(provider)': \(what)"
        if let advice { message += "; " + advice }
        return .permanent(.invalidOutput, message + " (\(quoted))")
    }

    /// Every attempt failed: each one's reason, what to raise if any was cut off, and the start
    /// of the last reply.
    static func exhausted(_ attempts: [UnusableReply]) -> StepError {
        guard let last = attempts.last else { return .permanent(.invalidOutput, "no reply") }
        guard attempts.count > 1 else { return last.stepError }
        // Runs of the same reason are told once: "attempts 1-3: the reply was cut off …".
        var runs: [(first: Int, last: Int, what: String)] = []
        for (index, attempt) in attempts.enumerated() {
            if let run = runs.last, run.what == attempt.what { runs[runs.count - 1].last = index + 1 } else { runs.append((index + 1, index + 1, attempt.what)) }
        }
        let reasons = runs.map { $0.first == $0.last ? "attempt \($0.first): \($0.what)" : "attempts \($0.first)-\($0.last): \($0.what)" }
            .joined(separator: "; ")
        var message = "provider '\(last.provider)': no usable reply in \(attempts.count) attempts — \(reasons)"
        if let advice = attempts.lazy.compactMap(\.advice).first { message += "; " + advice }
        return .permanent(.invalidOutput, message + " (last \(last.quoted))")
    }
}
