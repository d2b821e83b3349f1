import Hummingbird

/// `Authorization: Bearer <token>` on the requests that need it.
///
/// With a token set, every request but `GET /healthz`, the sign-in page and the pages' style
/// and script needs it when the server listens off loopback, and mutating requests (anything
/// but GET and HEAD) need it everywhere. A browser sends it as the cookie `/login` sets
/// (``LoginPage``); a page asked for without it is sent to `/login`. The token comes from the
/// environment variable `--api-token-env` names; it is compared in constant time, so response
/// timing tells nothing about how much of a guess was right.
struct BearerToken<Context: RequestContext>: RouterMiddleware {
    let token: String
    /// Reads need the token too (the server listens off loopback).
    let guardsReads: Bool

    /// What anyone may ask for.
    static func isOpen(_ path: String) -> Bool {
        path == "/healthz" || path == "/login" || path.hasPrefix("/static/")
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let path = request.uri.path
        let reading = request.method == .get || request.method == .head
        let needed = !Self.isOpen(path) && (reading ? guardsReads : true)
        guard needed else { return try await next(request, context) }
        let header = request.headers[.authorization] ?? ""
        let prefix = "Bearer "
        let given = header.hasPrefix(prefix) ? String(header.dropFirst(prefix.count)) : LoginPage.token(fromCookies: request.headers[.cookie])
        guard let given, Self.constantTimeEqual(Array(given.utf8), Array(token.utf8)) else {
            if reading && !path.hasPrefix("/api/") && path != "/metrics" {
                return Response(status: .seeOther, headers: [.location: "/login"])
            }
            throw APIError(.unauthorized, code: "unauthorized",
                           given == nil ? "this request needs `Authorization: Bearer <token>`" : "the bearer token is not the server's")
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
