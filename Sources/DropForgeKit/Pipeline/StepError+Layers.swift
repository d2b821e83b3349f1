import DropForgeCore
import DropForgeHTTP
import DropForgeMedia

// The pipeline's classes for the errors of the layers below it, which know nothing of
// `StepError` (DESIGN §4: transient errors are retried with backoff, permanent ones fail the item).

extension PNGTextEmbedder.Failure: StepErrorConvertible {
    public var stepError: StepError {
        switch self {
        case .invalidPNG(let message): return .permanent(.pngInvalid, message)
        case .invalidText(let message): return .permanent(.pngText, message)
        }
    }
}

extension HTTPError {
    /// Classifies this error for the retry policy: transient errors are retried with backoff
    /// (honouring `retryAfter`), permanent ones fail the item at once, and a cancellation becomes
    /// the `cancelled` code the pipeline files under `failures/`.
    public func stepError(provider: String) -> StepError {
        let message = "provider '\(provider)': \(description)"
        if kind == .cancelled { return .permanent(.cancelled, message) }
        var error = StepError(code: ErrorCode(rawValue: code), message: message, isTransient: isTransient, retryAfter: retryAfter)
        error.provider = provider
        // 502/503/504 are what a server that is starting (llama.cpp: 503 "Loading model") or a
        // proxy in front of a stopped one answers: a restart, so the same long window.
        error.isConnectionFailure = [.connectFailed, .timeout, .protocolError, .status(502), .status(503), .status(504)].contains(kind)
        return error
    }
}
