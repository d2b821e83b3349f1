/// One QC check's verdict on one item, kept in the store and in the sidecar JSON.
public struct QualityCheckResult: Codable, Sendable, Equatable {
    public var check: String
    public var passed: Bool
    public var detail: String
    /// Tokens a provider used for this verdict (the `vision` check).
    public var usage: UsageRecord?

    public init(check: String, passed: Bool, detail: String, usage: UsageRecord? = nil) {
        self.check = check
        self.passed = passed
        self.detail = detail
        self.usage = usage
    }
}
