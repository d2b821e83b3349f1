import Foundation

/// Why an HTTP exchange failed, with enough detail for a clear message and for the pipeline's
/// retry policy (`stepError(provider:)`). Retrying is not the client's business (issue 4): it only
/// says what happened; the pipeline decides from the class.
///
/// Messages name the method, host and path (never the query or user info) and what happened, and
/// are scrubbed of secret header values, even if a server echoes them back in its error body.
public struct HTTPError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// DNS failure, connection refused or reset before any response: the server may come back.
        case connectFailed
        /// The connect or total timeout expired.
        case timeout
        /// The calling task was cancelled; the transfer was aborted.
        case cancelled
        /// The body is, or announced it would be, larger than `maxResponseBytes`.
        case tooLarge
        /// More redirects than `maxRedirects`, or a redirect to something other than http(s).
        case tooManyRedirects
        /// TLS handshake or certificate verification failed.
        case tls
        /// The server broke HTTP: truncated body, garbage reply, connection closed mid-response.
        case protocolError
        /// A complete response with a non-2xx status.
        case status(Int)
        /// A 2xx response whose body the caller could not use (malformed JSON, wrong shape).
        case invalidBody
        /// The request itself cannot be sent (bad URL, unsupported scheme, CR/LF in a header).
        case invalidRequest
    }

    public var kind: Kind
    public var method: String
    /// The request URL without query or credentials (`HTTPRequest.displayURL`).
    public var url: String
    /// What happened, already scrubbed of secrets (curl's explanation, or the body's first 200 characters).
    public var detail: String
    /// The full response for `.status` and `.invalidBody` errors: a caller may need the body (for
    /// example ComfyUI's `node_errors` arrive with a 400).
    public var response: HTTPResponse?
    /// The server's `Retry-After`, in seconds, if it sent one.
    public var retryAfter: TimeInterval?

    public init(kind: Kind, method: String, url: String, detail: String, response: HTTPResponse? = nil, retryAfter: TimeInterval? = nil) {
        self.kind = kind
        self.method = method
        self.url = url
        self.detail = detail
        self.response = response
        self.retryAfter = retryAfter
    }

    init(_ kind: Kind, _ request: HTTPRequest, _ detail: String, response: HTTPResponse? = nil) {
        self.init(
            kind: kind, method: request.method, url: request.displayURL, detail: request.redacting(detail),
            response: response, retryAfter: response?.retryAfter)
    }

    /// The error for a complete response with a non-2xx status.
    static func status(_ response: HTTPResponse, for request: HTTPRequest) -> HTTPError {
        var detail = "HTTP \(response.status)"
        if !response.reason.isEmpty { detail += " \(response.reason)" }
        let snippet = HTTPError.snippet(of: response.body)
        if !snippet.isEmpty { detail += ": \(snippet)" }
        return HTTPError(.status(response.status), request, detail, response: response)
    }

    /// For providers: a 2xx response whose body does not parse or breaks the expected shape.
    public static func invalidBody(_ response: HTTPResponse, for request: HTTPRequest, reason: String) -> HTTPError {
        let snippet = HTTPError.snippet(of: response.body)
        let detail = "invalid response body: \(reason)" + (snippet.isEmpty ? "" : " (body: \(snippet))")
        return HTTPError(.invalidBody, request, detail, response: response)
    }

    /// The first 200 characters of a body, on one line, for messages.
    package static func snippet(of body: Data, limit: Int = 200) -> String {
        let text = String(decoding: body.prefix(limit * 4), as: UTF8.self)
        let oneLine = text.split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        return oneLine.count > limit ? String(oneLine.prefix(limit)) + "…" : oneLine
    }

    /// True for failures worth another attempt: connect failure, timeout, 408, 429, 5xx, and a
    /// broken (truncated) response.
    public var isTransient: Bool {
        switch kind {
        case .connectFailed, .timeout, .protocolError: return true
        case .status(let code): return code == 408 || code == 429 || (500...599).contains(code)
        case .cancelled, .tooLarge, .tooManyRedirects, .tls, .invalidBody, .invalidRequest: return false
        }
    }

    /// A stable code for `error.json` and logs.
    public var code: String {
        switch kind {
        case .connectFailed: return "http_connect_failed"
        case .timeout: return "http_timeout"
        case .cancelled: return "cancelled"
        case .tooLarge: return "http_too_large"
        case .tooManyRedirects: return "http_too_many_redirects"
        case .tls: return "http_tls"
        case .protocolError: return "http_protocol_error"
        case .status(let code): return "http_\(code)"
        case .invalidBody: return "invalid_response"
        case .invalidRequest: return "http_invalid_request"
        }
    }

    /// `POST http://127.0.0.1:8123/v1/chat/completions: HTTP 503 Service Unavailable: <body>`.
    public var description: String { "\(method) \(url): \(detail)" }
}
