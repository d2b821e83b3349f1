import Foundation

/// The kinds of call the stages make to a text provider. Each has its own `max_tokens`
/// (`text.max_tokens.<kind>` in a profile or manifest), because their replies differ by an order
/// of magnitude: a verdict is a sentence, a card's description is a few hundred words.
public enum TextCall: String, Sendable, CaseIterable, Codable {
    /// `params.writer`: one final prompt.
    case prompt
    /// `metadata.writer`: title, description and tags.
    case metadata
    /// `card.writer`: one card field, or a batch of lorebook entries.
    case card
    /// `quality.vision`: a pass/fail verdict with a reason.
    case vision

    /// Enough for the reply the instruction asks for, with room for a model that talks a little
    /// before its JSON; small enough that a model that rambles is cut off in seconds, not minutes.
    public var defaultMaxTokens: Int {
        switch self {
        case .prompt: 300
        case .metadata: 500
        case .card: 1500
        case .vision: 300
        }
    }

    /// The setting that raises this call's limit, as an error names it.
    public var setting: String { "text.max_tokens.\(rawValue)" }
}

/// `text.max_tokens`: one number for every call, or a number per kind of call
/// (`{prompt: 300, metadata: 500, card: 1500, vision: 300}`); kinds left out keep their default.
/// Stored with the job's settings as a mapping of the kinds that were given.
public struct MaxTokens: Codable, Sendable, Equatable {
    public var limits: [TextCall: Int]

    public init(_ limits: [TextCall: Int] = [:]) {
        self.limits = limits
    }

    /// The same limit for every kind of call.
    public init(all value: Int) {
        self.init(Dictionary(uniqueKeysWithValues: TextCall.allCases.map { ($0, value) }))
    }

    /// The limit for `call`: the given one, else the call's default.
    public subscript(call: TextCall) -> Int { limits[call] ?? call.defaultMaxTokens }

    /// Each kind from `self` when given there, else from `other`.
    public func over(_ other: MaxTokens) -> MaxTokens {
        MaxTokens(limits.merging(other.limits) { mine, _ in mine })
    }

    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Settings stored before the per-call limits hold a single number.
        if let value = try? container.decode(Int.self) {
            self.init(all: value)
            return
        }
        let named = try container.decode([String: Int].self)
        self.init(Dictionary(uniqueKeysWithValues: named.compactMap { key, value in TextCall(rawValue: key).map { ($0, value) } }))
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(Dictionary(uniqueKeysWithValues: limits.map { ($0.key.rawValue, $0.value) }))
    }
}
