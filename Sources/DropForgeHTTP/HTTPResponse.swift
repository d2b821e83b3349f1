import Foundation

/// A complete HTTP response: status, headers in the order received, and the whole body in memory.
///
/// Bodies are held in memory because every provider reply is a JSON document or one image, and
/// `HTTPClientOptions.maxResponseBytes` bounds them (DESIGN §9), so streaming would buy nothing.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// The reason phrase from the status line ("Service Unavailable"); HTTP/2 has none, so it is
    /// filled from the standard phrase for the code.
    public var reason: String
    public var headers: [(name: String, value: String)]
    public var body: Data
    /// The URL that produced this response (after any redirects).
    public var url: URL

    public init(status: Int, reason: String? = nil, headers: [(name: String, value: String)] = [], body: Data = Data(), url: URL) {
        self.status = status
        if let reason, !reason.isEmpty {
            self.reason = reason
        } else {
            self.reason = HTTPResponse.standardReason(for: status)
        }
        self.headers = headers
        self.body = body
        self.url = url
    }

    public var isSuccess: Bool { (200..<300).contains(status) }

    /// The first value of a header, matched case-insensitively (HTTP header names are).
    public func header(_ name: String) -> String? {
        let lower = name.lowercased()
        return headers.first { $0.name.lowercased() == lower }?.value
    }

    /// The body as UTF-8 text (invalid sequences repaired), for messages and JSON decoding.
    public var text: String { String(decoding: body, as: UTF8.self) }

    /// `Retry-After` in seconds from now, from either form RFC 9110 allows: delta-seconds
    /// (`120`) or an HTTP-date (`Wed, 21 Oct 2015 07:28:00 GMT`). A date in the past gives 0.
    /// The pipeline's retry policy waits at least this long before the next attempt.
    public var retryAfter: TimeInterval? { retryAfter(relativeTo: Date()) }

    public func retryAfter(relativeTo now: Date) -> TimeInterval? {
        guard let value = header("Retry-After") else { return nil }
        return HTTPResponse.parseRetryAfter(value, now: now)
    }

    static func parseRetryAfter(_ raw: String, now: Date) -> TimeInterval? {
        let value = raw.trimmingCharacters(in: .whitespaces)
        if !value.isEmpty, value.allSatisfy(\.isASCII), value.allSatisfy(\.isNumber) {
            return TimeInterval(value)
        }
        guard let date = parseHTTPDate(value) else { return nil }
        return max(0, date.timeIntervalSince(now))
    }

    /// IMF-fixdate, plus the obsolete RFC 850 and asctime forms recipients must accept.
    static func parseHTTPDate(_ value: String) -> Date? {
        let formats = ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"]
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in formats {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) { return date }
        }
        return nil
    }

    public static func standardReason(for status: Int) -> String {
        switch status {
        case 200: return "OK"
        case 201: return "Created"
        case 202: return "Accepted"
        case 204: return "No Content"
        case 301: return "Moved Permanently"
        case 302: return "Found"
        case 303: return "See Other"
        case 304: return "Not Modified"
        case 307: return "Temporary Redirect"
        case 308: return "Permanent Redirect"
        case 400: return "Bad Request"
        case 401: return "Unauthorized"
        case 403: return "Forbidden"
        case 404: return "Not Found"
        case 405: return "Method Not Allowed"
        case 408: return "Request Timeout"
        case 409: return "Conflict"
        case 413: return "Content Too Large"
        case 415: return "Unsupported Media Type"
        case 422: return "Unprocessable Content"
        case 429: return "Too Many Requests"
        case 500: return "Internal Server Error"
        case 501: return "Not Implemented"
        case 502: return "Bad Gateway"
        case 503: return "Service Unavailable"
        case 504: return "Gateway Timeout"
        default: return ""
        }
    }
}
