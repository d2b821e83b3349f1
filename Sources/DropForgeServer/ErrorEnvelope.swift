import DropForgeCore
import DropForgeKit
import Foundation
import Hummingbird

/// Turns every failure into `{"error": {"code", "message", "details"}}` with its status: an
/// ``APIError`` as it is, a lookup failure as 404 or 409, Hummingbird's own (an unknown route,
/// a body too large) with its status, and anything else as a 500 that names no internals.
struct ErrorEnvelope<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.response(error)
        } catch let failure as JobLookup.Failure {
            switch failure {
            case .notFound: return Self.response(APIError(.notFound, code: "not_found", failure.description))
            case .ambiguous(_, let matches):
                return Self.response(APIError(.conflict, code: "ambiguous_id", failure.description, details: matches))
            }
        } catch let error as any HTTPResponseError {
            let code = error.status == .notFound ? "not_found" : error.status == .contentTooLarge ? "too_large" : "http_\(error.status.code)"
            let message = error.status == .notFound ? "no such route: \(request.method) \(request.uri.path)"
                : error.status == .contentTooLarge ? "the request body is larger than limits.manifest_bytes" : error.status.reasonPhrase
            return Self.response(APIError(error.status, code: code, message))
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            return Self.response(APIError(.internalServerError, code: "internal", "the server failed on this request; its log says why"))
        }
    }

    static func response(_ error: APIError) -> Response {
        JSONReply.response(error.envelope, status: error.status)
    }
}
