import Foundation

/// An error a stage raises, classified for the retry policy.
public struct StepError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    /// Network, timeout, HTTP 429/5xx, a full disk: worth another attempt.
    public var isTransient: Bool
    /// A server's `Retry-After`, in seconds.
    public var retryAfter: TimeInterval?

    public init(code: String, message: String, isTransient: Bool, retryAfter: TimeInterval? = nil) {
        self.code = code
        self.message = message
        self.isTransient = isTransient
        self.retryAfter = retryAfter
    }

    public static func permanent(_ code: String, _ message: String) -> StepError {
        StepError(code: code, message: message, isTransient: false)
    }

    public static func transient(_ code: String, _ message: String, retryAfter: TimeInterval? = nil) -> StepError {
        StepError(code: code, message: message, isTransient: true, retryAfter: retryAfter)
    }

    public var description: String { "\(code): \(message)" }

    /// Classifies any error: our own keep their class; file-system trouble (a full disk, an I/O
    /// error) is transient because it can clear; anything else unknown is permanent.
    public static func classify(_ error: Error) -> StepError {
        if let error = error as? StepError { return error }
        if let error = error as? StageFailure { return .permanent(error.code, error.message) }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain, FileSystem.isNoSpace(nsError.code) {
            return .transient("no_space", "\(error.localizedDescription)")
        }
        if nsError.domain == NSPOSIXErrorDomain || nsError.domain == NSCocoaErrorDomain {
            return .transient("io_error", "\(error.localizedDescription)")
        }
        return .permanent("error", String(describing: error))
    }
}
