import Hummingbird

/// `Authorization: Bearer <token>` on the requests that need it.
///
/// With a token set, every request but `GET /healthz` needs it when the server listens off
/// loopback, and mutating requests (anything but GET and HEAD) need it everywhere. The token
/// comes from the environment variable `--api-token-env` names; it is compared in constant time,
/// so response timing tells nothing about how much of a guess was right.
struct BearerToken<Context: RequestContext>: RouterMiddleware {
    let token: String
    /// Reads need the token too (the server listens off loopback).
    let guardsReads: Bool

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let reading = request.method == .get || request.method == .head
        let needed = reading ? guardsReads && request.uri.path != "/healthz" : true
        guard needed else { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), Self.constantTimeEqual(Array(header.utf8.dropFirst(prefix.utf8.count)), Array(token.utf8)) else {
            throw APIError(.unauthorized, code: "unauthorized",
                           header.isEmpty ? "this request needs `Authorization: Bearer <token>`" : "the bearer token is not the server's")
        }
        return try await next(request, context)
    }

    /// Looks at every byte of the longer input whatever the first difference.
    static func constantTimeEqual(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}
