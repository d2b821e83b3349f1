import Foundation
import Hummingbird

/// `GET /login` and `POST /login`: how a browser gets the API token into a page.
///
/// A browser cannot add `Authorization` to a link it follows, so a right token posted here is
/// kept in the cookie `dropforge_token` (`HttpOnly`, so no script reads it; `SameSite=Strict`, so
/// no other site's page can send it along), which ``BearerToken`` takes like the header.
enum LoginPage {
    static let cookie = "dropforge_token"

    static func form(failed: Bool = false) -> Response {
        PageShell.response(title: "Sign in", status: failed ? .unauthorized : .ok) { html in
            html.element("h1", text: "Sign in")
            html.element("p", text: failed ? "That is not the server's token." :
                            "This server needs its API token (the variable --api-token-env names).")
            html.element("form", [("class", "login"), ("method", "post"), ("action", "/login")]) { form in
                form.void("input", [("type", "password"), ("name", "token"), ("autocomplete", "current-password"),
                                    ("aria-label", "API token"), ("required", "required")])
                form.element("button", [("type", "submit")], text: "Sign in")
            }
        }
    }

    /// The token of an `application/x-www-form-urlencoded` body (`token=…`).
    static func token(fromForm body: ByteBuffer) -> String? {
        let text = String(buffer: body)
        for pair in text.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == "token" else { continue }
            return String(parts[1]).replacingOccurrences(of: "+", with: " ").removingPercentEncoding
        }
        return nil
    }

    /// `Set-Cookie` for `token`, and where to go next.
    static func signedIn(_ token: String) -> Response {
        let value = token.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        return Response(status: .seeOther, headers: [
            .location: "/",
            .setCookie: "\(cookie)=\(value); Path=/; HttpOnly; SameSite=Strict",
        ])
    }

    /// The token a request's `Cookie` header carries, if any.
    static func token(fromCookies header: String?) -> String? {
        for part in (header ?? "").split(separator: ";") {
            let pair = part.trimmingCharacters(in: .whitespaces)
            if pair.hasPrefix(cookie + "=") { return String(pair.dropFirst(cookie.count + 1)).removingPercentEncoding }
        }
        return nil
    }
}
