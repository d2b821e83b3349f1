import Foundation

/// The one HTTP client every provider uses (DESIGN §5), on libcurl.
///
/// - Synchronous: `send` runs every exchange on the calling thread (a stage's worker thread),
///   which it blocks until the response is in. Why: the callers are plain threads, so an async
///   client only added a bridge, a task, a continuation and a thread per exchange between them
///   and libcurl. Never call it from Swift concurrency's cooperative pool.
/// - Cancellation: cancelling the `HTTPCancellation` passed in (from any other thread) wakes
///   libcurl and aborts the transfer in flight at once (see `CurlTransfer`), so a cancelled job
///   stops its calls well within a second; the call throws `HTTPError` with `.cancelled`.
/// - Redirects are followed here rather than by curl so that secret headers are dropped when a
///   redirect leaves the original origin (curl only drops `Authorization`/`Cookie`, not
///   `x-api-key`), and so the total timeout spans the whole chain.
/// - Any non-2xx final status throws `HTTPError` with `.status(code)`; the error carries the
///   response so a caller can still read its body.
/// - Retrying is not done here: `HTTPError.stepError(provider:)` classifies for the pipeline.
public final class HTTPClient: Sendable {
    public init() {}

    /// Sends `request` on the calling thread and returns the final 2xx response, or throws
    /// `HTTPError` (`.cancelled` when `cancellation` is, or becomes, cancelled: nothing more is sent).
    public func send(
        _ request: HTTPRequest, options: HTTPClientOptions = HTTPClientOptions(), cancellation: HTTPCancellation? = nil
    ) throws -> HTTPResponse {
        try Self.validate(request)
        let started = ProcessInfo.processInfo.systemUptime
        var current = request
        var redirects = 0
        while true {
            let remaining = options.totalTimeout - (ProcessInfo.processInfo.systemUptime - started)
            guard remaining > 0 else {
                throw HTTPError(.timeout, request, "timed out after \(options.totalTimeout) s (redirects included)")
            }
            let outcome = try CurlTransfer(request: current, options: options, timeout: remaining)
                .perform(cancellation: cancellation).get()
            let response = outcome.response
            if [301, 302, 303, 307, 308].contains(response.status), let location = outcome.redirectURL {
                guard redirects < options.maxRedirects else {
                    // The redirect itself comes along: with `maxRedirects` 0 the caller reads where it points.
                    throw HTTPError(.tooManyRedirects, request, "more than \(options.maxRedirects) redirects", response: response)
                }
                redirects += 1
                current = try Self.redirected(current, status: response.status, to: location, original: request)
                continue
            }
            guard response.isSuccess else { throw HTTPError.status(response, for: current) }
            return response
        }
    }

    /// Header injection (CR/LF) and odd schemes are refused before anything is sent.
    static func validate(_ request: HTTPRequest) throws {
        let scheme = request.url.scheme?.lowercased()
        guard scheme == "http" || scheme == "https", request.url.host != nil else {
            throw HTTPError(.invalidRequest, request, "only http and https URLs are supported")
        }
        let forbidden = CharacterSet(charactersIn: "\r\n\0")
        for header in request.headers {
            if header.name.isEmpty || header.name.contains(":") || header.name.rangeOfCharacter(from: forbidden) != nil
                || header.name.contains(" ")
            {
                throw HTTPError(.invalidRequest, request, "invalid header name '\(header.name)'")
            }
            if header.value.rangeOfCharacter(from: forbidden) != nil {
                throw HTTPError(.invalidRequest, request, "header '\(header.name)' contains a line break")
            }
        }
        guard request.method.allSatisfy({ $0.isLetter && $0.isASCII }), !request.method.isEmpty else {
            throw HTTPError(.invalidRequest, request, "invalid method")
        }
    }

    /// The request for the next hop, with the same rules browsers and curl apply: 303 (and 301/302
    /// after a POST) become a GET without body; other redirects repeat the method and body. Secret
    /// headers go only to the original origin.
    static func redirected(_ request: HTTPRequest, status: Int, to location: String, original: HTTPRequest) throws -> HTTPRequest {
        guard let target = URL(string: location), let scheme = target.scheme?.lowercased(),
            scheme == "http" || scheme == "https"
        else {
            throw HTTPError(.tooManyRedirects, original, "redirect to an unsupported location")
        }
        var next = request
        next.url = target
        if status == 303 && request.method != "HEAD" || (status == 301 || status == 302) && request.method == "POST" {
            next.method = "GET"
            next.body = nil
            next.headers.removeAll { ["content-type", "content-length"].contains($0.name.lowercased()) }
        }
        if origin(of: target) != origin(of: original.url) {
            let secret = next.secretHeaderNames
            next.headers.removeAll { secret.contains($0.name.lowercased()) }
        }
        return next
    }

    private static func origin(of url: URL) -> String {
        let scheme = url.scheme?.lowercased() ?? ""
        let port = url.port ?? (scheme == "https" ? 443 : 80)
        return "\(scheme)://\(url.host?.lowercased() ?? ""):\(port)"
    }
}
