import Foundation
import Hummingbird

/// An API failure as the client sees it: `{"error": {"code", "message", "details"}}` with its
/// HTTP status. Codes are short snake_case words a program can switch on (`not_found`,
/// `ambiguous_id`, `unauthorized`, `bad_request`); `details` carries what the message summarizes.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String
    public var details: [String]

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, details: [String] = []) {
        self.status = status
        self.code = code
        self.message = message
        self.details = details
    }

    static func notFound(_ message: String) -> APIError { APIError(.notFound, code: "not_found", message) }
    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "bad_request", message) }

    /// The body a client reads.
    var envelope: Envelope { Envelope(error: .init(code: code, message: message, details: details)) }

    struct Envelope: Encodable, Sendable {
        struct Detail: Encodable, Sendable {
            var code: String
            var message: String
            var details: [String]
        }
        var error: Detail
    }
}
