import Foundation
import DropForgeJSON
import DropForgeHTTP
import DropForgeCore

/// A configured remote provider as the stages use it: its `providers:` entry, its API key (read
/// from the environment variable the entry names, never stored), the shared HTTP client and the
/// provider's own rate limiter (`concurrency`, `requests_per_minute`).
///
/// Stage runners are synchronous (each stage has worker threads), and so is HTTP: `send` waits for
/// the limiter and runs the exchange on the calling worker thread, under the step's
/// `StepCancellation.current`; HTTP errors come back as `StepError`s the retry policy can classify.
public final class ProviderEndpoint: Sendable {
    public let name: String
    public let config: ProviderConfig
    public let apiKey: String?
    public let client: HTTPClient
    public let limiter: HTTPRateLimiter
    public let options: HTTPClientOptions

    public init(name: String, config: ProviderConfig, environment: [String: String] = ProcessInfo.processInfo.environment,
                client: HTTPClient = HTTPClient(), options: HTTPClientOptions = HTTPClientOptions()) {
        self.name = name
        self.config = config
        apiKey = config.apiKeyEnv.flatMap { environment[$0] }.flatMap { $0.isEmpty ? nil : $0 }
        self.client = client
        limiter = HTTPRateLimiter(concurrency: config.concurrency ?? ProviderConfig.defaultConcurrency, requestsPerMinute: config.requestsPerMinute)
        self.options = options
    }

    /// `base_url` joined with `path` (`http://h:11434/v1` + `/chat/completions`).
    public func url(_ path: String) throws -> URL {
        let base = config.baseURL.hasSuffix("/") ? String(config.baseURL.dropLast()) : config.baseURL
        let tail = path.hasPrefix("/") ? path : "/" + path
        guard let url = URL(string: base + tail) else {
            throw StepError.permanent(.providerConfig, "provider '\(name)': cannot form a URL from \(config.baseURL) and \(path)")
        }
        return url
    }

    /// `Authorization: Bearer <key>` when the entry names a key that is set.
    public var authorizationHeaders: [(name: String, value: String)] {
        apiKey.map { [("Authorization", "Bearer \($0)")] } ?? []
    }

    /// Sends `request` within the provider's limits, blocking the calling worker thread; HTTP
    /// failures come back classified as `StepError`s.
    public func send(_ request: HTTPRequest, options: HTTPClientOptions? = nil) throws -> HTTPResponse {
        switch try sendKeepingHTTPError(request, options: options) {
        case .success(let response): return response
        case .failure(let error): throw error.stepError(provider: name)
        }
    }

    /// `send`, except that an HTTP failure comes back as the `HTTPError` itself so the provider
    /// can read the whole error body first: an OpenAI-compatible server explains in a 400 that it
    /// rejects `response_format`, ComfyUI lists `node_errors` — often past the 200 characters a
    /// `StepError` message keeps. A key the entry names but the environment lacks is a permanent
    /// `api_key_missing`.
    func sendKeepingHTTPError(_ request: HTTPRequest, options: HTTPClientOptions? = nil) throws -> Result<HTTPResponse, HTTPError> {
        if let variable = config.apiKeyEnv, apiKey == nil {
            throw StepError.permanent(.apiKeyMissing, "provider '\(name)': the environment variable \(variable) is not set")
        }
        let options = options ?? self.options
        // A step cancelled before its call, or while it waits for the limiter, sends nothing and
        // throws `CancellationError`; one cancelled in flight throws `HTTPError` `.cancelled`.
        let cancellation = StepCancellation.current?.http
        return try limiter.withPermit(cancellation: cancellation) {
            do {
                let response = try client.send(request, options: options, cancellation: cancellation)
                PipelineMetrics.providerCall(name, error: nil)
                return .success(response)
            } catch let error as HTTPError {
                PipelineMetrics.providerCall(name, error: error.code)
                return .failure(error)
            }
        }
    }

    /// Sends a JSON body and parses the JSON reply (permanent `invalid_response` when it is not JSON).
    public func sendJSON(_ method: String = "POST", path: String, body: JSONValue?,
                         options: HTTPClientOptions? = nil) throws -> (json: JSONValue, response: HTTPResponse) {
        let url = try url(path)
        let request: HTTPRequest = body.map {
            HTTPRequest.json(method, url: url, body: JSONWriter.compactData($0), headers: authorizationHeaders)
        } ?? HTTPRequest(method: method, url: url, headers: authorizationHeaders + [("Accept", "application/json")])
        let response = try send(request, options: options)
        do {
            return (try JSONParser.parse(response.body), response)
        } catch {
            throw HTTPError.invalidBody(response, for: request, reason: "the reply is not JSON (\(error))").stepError(provider: name)
        }
    }
}
