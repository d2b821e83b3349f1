import Foundation

extension ModelPrice {
    /// The cost of `usage`.
    public func cost(of usage: TokenUsage) -> Double {
        (Double(usage.promptTokens) * input + Double(usage.completionTokens) * output) / 1_000_000
    }
}

/// The tokens one call used, with who answered (the reply's `model`): counted by the step's
/// `UsageMeter`, stored with the step, summed into `job.json` and `jobs show`.
public struct UsageRecord: Codable, Sendable, Equatable {
    public var provider: String
    public var model: String
    public var promptTokens: Int
    public var completionTokens: Int

    public init(provider: String, model: String, usage: TokenUsage) {
        self.provider = provider
        self.model = model
        promptTokens = usage.promptTokens
        completionTokens = usage.completionTokens
    }

    enum CodingKeys: String, CodingKey {
        case provider, model, promptTokens = "prompt_tokens", completionTokens = "completion_tokens"
    }

    /// Total tokens and cost of `records` at `prices` (models without a price cost 0).
    public static func total(_ records: [UsageRecord], prices: [String: ModelPrice]) -> (usage: TokenUsage, cost: Double) {
        var usage = TokenUsage()
        var cost = 0.0
        for record in records {
            let tokens = TokenUsage(promptTokens: record.promptTokens, completionTokens: record.completionTokens)
            usage = usage + tokens
            cost += price(of: record.model, in: prices)?.cost(of: tokens) ?? 0
        }
        return (usage, cost)
    }

    /// The price of `model`: its own entry, else the longest entry it starts with — servers
    /// answer a request for `gpt-4o-mini` as `gpt-4o-mini-2024-07-18`.
    static func price(of model: String, in prices: [String: ModelPrice]) -> ModelPrice? {
        if let exact = prices[model] { return exact }
        return prices.filter { model.hasPrefix($0.key + "-") || model.hasPrefix($0.key + ":") }
            .max { $0.key.count < $1.key.count }?.value
    }
}
