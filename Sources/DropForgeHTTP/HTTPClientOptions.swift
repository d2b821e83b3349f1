import Foundation

/// Limits for one `HTTPClient.send` call; providers fill them from their config entry.
///
/// What is deliberately NOT here:
/// - a switch to turn TLS verification off: certificates are always verified against the system
///   CA store (a self-signed local server should be reached over plain `http://127.0.0.1`);
/// - proxy settings: libcurl reads the standard environment itself (`http_proxy`,
///   `https_proxy`, `HTTPS_PROXY`, `all_proxy`/`ALL_PROXY`, `no_proxy`/`NO_PROXY`; an upper-case
///   `HTTP_PROXY` is ignored by curl on purpose, see "httpoxy"). The client never sets
///   `CURLOPT_PROXY`, which would override that.
public struct HTTPClientOptions: Sendable, Equatable {
    /// Time allowed to establish the TCP (and TLS) connection.
    public var connectTimeout: TimeInterval
    /// Time allowed for the whole exchange, redirects included. Image generation on a local GPU
    /// can take minutes, hence the generous default.
    public var totalTimeout: TimeInterval
    /// Redirects followed before failing with `tooManyRedirects`.
    public var maxRedirects: Int
    /// Largest body accepted (DESIGN §9: 64 MiB). Checked from `Content-Length` before reading
    /// and again while reading, so a server that lies or streams forever cannot fill memory.
    public var maxResponseBytes: Int

    public static let defaultMaxResponseBytes = 64 * 1024 * 1024

    public init(
        connectTimeout: TimeInterval = 10,
        totalTimeout: TimeInterval = 300,
        maxRedirects: Int = 3,
        maxResponseBytes: Int = HTTPClientOptions.defaultMaxResponseBytes
    ) {
        self.connectTimeout = connectTimeout
        self.totalTimeout = totalTimeout
        self.maxRedirects = maxRedirects
        self.maxResponseBytes = maxResponseBytes
    }
}
