import Foundation

/// One HTTP request, as a plain value the providers build and `HTTPClient` sends.
///
/// Headers are an ordered list rather than a dictionary because order and repeated names are
/// legal in HTTP and some servers care. Headers that carry credentials are listed in
/// `secretHeaderNames` so that nothing that prints a request — `description`, error messages,
/// logs — ever shows their values (issue 4: "headers that carry secrets are never logged").
public struct HTTPRequest: Sendable, CustomStringConvertible {
    /// Header names (lower-cased) treated as secret unless the caller changes the set.
    public static let defaultSecretHeaderNames: Set<String> = [
        "authorization", "proxy-authorization", "x-api-key", "api-key", "x-goog-api-key", "cookie",
    ]

    public var method: String
    public var url: URL
    public var headers: [(name: String, value: String)]
    public var body: Data?
    /// Lower-cased names whose values are redacted everywhere this request is described.
    public var secretHeaderNames: Set<String>

    public init(
        method: String = "GET",
        url: URL,
        headers: [(name: String, value: String)] = [],
        body: Data? = nil,
        secretHeaderNames: Set<String> = HTTPRequest.defaultSecretHeaderNames
    ) {
        self.method = method.uppercased()
        self.url = url
        self.headers = headers
        self.body = body
        self.secretHeaderNames = Set(secretHeaderNames.map { $0.lowercased() })
    }

    /// A POST with a JSON body and `Content-Type: application/json` (the shape every provider uses).
    public static func json(
        _ method: String = "POST", url: URL, body: Data, headers: [(name: String, value: String)] = []
    ) -> HTTPRequest {
        var all = headers
        if !all.contains(where: { $0.name.lowercased() == "content-type" }) {
            all.append((name: "Content-Type", value: "application/json"))
        }
        if !all.contains(where: { $0.name.lowercased() == "accept" }) {
            all.append((name: "Accept", value: "application/json"))
        }
        return HTTPRequest(method: method, url: url, headers: all, body: body)
    }

    /// The first value of a header, matched case-insensitively.
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    public func isSecret(headerName: String) -> Bool {
        secretHeaderNames.contains(headerName.lowercased())
    }

    /// The URL as it may appear in messages: without user info (`user:password@`) and without the
    /// query string, where some APIs put keys (`?key=…`).
    public var displayURL: String { Self.displayString(for: url) }

    static func displayString(for url: URL) -> String {
        guard var parts = URLComponents(url: url, resolvingAgainstBaseURL: false) else {
            return "<invalid url>"
        }
        parts.user = nil
        parts.password = nil
        let hadQuery = parts.query != nil
        parts.query = nil
        parts.fragment = nil
        return (parts.string ?? "<invalid url>") + (hadQuery ? "?…" : "")
    }

    /// Method, URL and headers with secret values replaced by `[redacted]`; the body by size only
    /// (bodies can be megabytes of base64 and may quote the user's data).
    public var description: String {
        let shown = headers.map { "\($0.name): \(isSecret(headerName: $0.name) ? "[redacted]" : $0.value)" }
        var text = "\(method) \(displayURL)"
        if !shown.isEmpty { text += " [\(shown.joined(separator: ", "))]" }
        if let body { text += " body: \(body.count) bytes" }
        return text
    }

    /// The values that must never appear in any text we produce: the secret headers' values, and
    /// for `Bearer <token>`-style values the token itself, plus the URL's password and query.
    var secretValues: [String] {
        var values: [String] = []
        for header in headers where isSecret(headerName: header.name) {
            let value = header.value.trimmingCharacters(in: .whitespaces)
            if value.count >= 4 { values.append(value) }
            if let space = value.firstIndex(of: " ") {
                let token = value[value.index(after: space)...].trimmingCharacters(in: .whitespaces)
                if token.count >= 4 { values.append(token) }
            }
        }
        if let parts = URLComponents(url: url, resolvingAgainstBaseURL: false) {
            if let password = parts.password, password.count >= 4 { values.append(password) }
            for item in parts.queryItems ?? [] {
                if let value = item.value, value.count >= 8 { values.append(value) }
            }
        }
        return values.sorted { $0.count > $1.count }
    }

    /// `text` with every secret value replaced by `[redacted]`: used on anything that may echo the
    /// request back (curl's error buffer, a server's error body).
    func redacting(_ text: String) -> String {
        var result = text
        for secret in secretValues where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: "[redacted]")
        }
        return result
    }
}
