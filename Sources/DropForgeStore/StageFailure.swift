import Foundation
import DropForgeCore

/// Why a job, an execution or an item could not finish: the body of `error.json`
/// (`{stage, code, message, attempts, at}`, DESIGN §1).
public struct StageFailure: Error, Codable, Sendable, Equatable, CustomStringConvertible {
    public var stage: String
    public var code: String
    public var message: String
    public var attempts: Int
    public var at: Date

    public init(stage: String, code: String, message: String, attempts: Int = 1, at: Date = Date()) {
        self.stage = stage
        self.code = code
        self.message = message
        self.attempts = attempts
        self.at = at
    }

    public var description: String { "\(stage): \(code): \(message)" }
}

extension StageFailure: StepErrorConvertible {
    /// A failure raised as an error (a refused start-up, a missing execution) is final.
    public var stepError: StepError { .permanent(ErrorCode(rawValue: code), message) }
}

extension StageFailure {
    public init(stage: String, code: ErrorCode, message: String, attempts: Int = 1, at: Date = Date()) {
        self.init(stage: stage, code: code.rawValue, message: message, attempts: attempts, at: at)
    }
}
