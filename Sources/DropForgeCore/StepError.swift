import Foundation

/// An error a stage raises, classified for the retry policy.
public struct StepError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String
    /// Network, timeout, HTTP 429/5xx, a full disk: worth another attempt.
    public var isTransient: Bool
    /// A server's `Retry-After`, in seconds.
    public var retryAfter: TimeInterval?
    /// The provider whose call failed, when one did: its entry may have a `retry:` of its own.
    public var provider: String? = nil
    /// The call never got a whole answer — refused, reset, timed out, cut short — or the server
    /// said it is unavailable (502, 503, 504): it may be restarting, which takes longer than other
    /// transient trouble (its own retry window).
    public var isConnectionFailure = false

    public init(code: ErrorCode, message: String, isTransient: Bool, retryAfter: TimeInterval? = nil) {
        self.code = code.rawValue
        self.message = message
        self.isTransient = isTransient
        self.retryAfter = retryAfter
    }

    public static func permanent(_ code: ErrorCode, _ message: String) -> StepError {
        StepError(code: code, message: message, isTransient: false)
    }

    public static func transient(_ code: ErrorCode, _ message: String, retryAfter: TimeInterval? = nil) -> StepError {
        StepError(code: code, message: message, isTransient: true, retryAfter: retryAfter)
    }

    public var description: String { "\(code): \(message)" }

    /// Classifies any error: our own keep their class; file-system trouble (a full disk, an I/O
    /// error) is transient because it can clear; anything else unknown is permanent.
    public static func classify(_ error: Error) -> StepError {
        if let error = error as? StepError { return error }
        if let error = error as? StepErrorConvertible { return error.stepError }
        let nsError = error as NSError
        if nsError.domain == NSPOSIXErrorDomain, FileSystem.isNoSpace(nsError.code) {
            return .transient(.noSpace, "\(error.localizedDescription)")
        }
        if nsError.domain == NSPOSIXErrorDomain || nsError.domain == NSCocoaErrorDomain {
            return .transient(.ioError, "\(error.localizedDescription)")
        }
        return .permanent(.error, String(describing: error))
    }
}

/// An error of a lower layer (the store, PNG text, HTTP) that knows its pipeline class: the layers
/// below Core's users stay free of `StepError`, and `classify` asks them through this.
public protocol StepErrorConvertible: Error {
    var stepError: StepError { get }
}
