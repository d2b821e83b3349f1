import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird

/// `GET /review` (`?job=` for one job's items) and `POST /review/{execution}/{item}/approve`,
/// `…/reject`, `…/retry` (`?regenerate=1&seed=N`): the review queue of `dropforge review`, the
/// same ``ReviewQueue`` deciding. An item is `<execution>/<NNNN>` as the list names it.
struct ReviewRoutes: Sendable {
    let layout: RootLayout
    let config: DropforgeConfig
    let store: JobStore

    struct Waiting: Encodable, Sendable {
        var items: [ReviewQueue.Entry]
    }

    func add(to api: RouterGroup<BasicRequestContext>) {
        let queue = ReviewQueue(layout: layout, config: config, store: store)
        api.get("review") { request, _ in
            let job = request.uri.queryParameters.get("job")
            return JSONReply.response(Waiting(items: try await offloaded {
                try queue.waiting(jobID: try job.map { try JobLookup.find($0, in: store).id })
            }))
        }
        api.post("review/{execution}/{item}/{action}") { request, context in
            let reference = "\(try context.parameters.require("execution"))/\(try context.parameters.require("item"))"
            let action = try context.parameters.require("action")
            let query = request.uri.queryParameters
            let regenerate = ["1", "true", "yes"].contains(query.get("regenerate") ?? "")
            let seed = try query.get("seed").map { text -> UInt32 in
                guard regenerate, let seed = UInt32(text) else { throw APIError.badRequest("seed '\(text)' needs regenerate=1 and a whole number 0…4294967295") }
                return seed
            }
            let decide: @Sendable () throws -> [ReviewQueue.Decision]
            switch action {
            case "approve": decide = { try queue.approve([reference]) }
            case "reject": decide = { try queue.dismiss([reference]) }
            case "retry": decide = { try queue.retry([reference], regenerate: regenerate, seed: seed) }
            default: throw APIError.notFound("no review action '\(action)' (approve, reject, retry)")
            }
            let decision = try await offloaded { try decide()[0] }
            switch decision.result {
            case .success(let outcome): return JSONReply.response(outcome)
            case .failure(let refusal as ReviewRefusal): throw Self.error(refusal)
            case .failure(let error): throw error
            }
        }
    }

    static func error(_ refusal: ReviewRefusal) -> APIError {
        switch refusal {
        case .badReference: APIError(.badRequest, code: "bad_reference", refusal.description)
        case .notFound: APIError(.notFound, code: "not_found", refusal.description)
        default: APIError(.conflict, code: "refused", refusal.description)
        }
    }
}
