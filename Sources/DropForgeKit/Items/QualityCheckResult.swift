/// One QC check's verdict on one item, kept in the store and in the sidecar JSON.
public struct QualityCheckResult: Codable, Sendable, Equatable {
    public var check: String
    public var passed: Bool
    public var detail: String

    public init(check: String, passed: Bool, detail: String) {
        self.check = check
        self.passed = passed
        self.detail = detail
    }
}
