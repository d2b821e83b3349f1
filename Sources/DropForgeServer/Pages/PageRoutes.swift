import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird

/// The web pages of `dropforge serve`: `/` (jobs), `/jobs/{id}` (one job), `/review` (the
/// review queue), `/login`, and their style and script under `/static/`. They read what the API
/// reads — ``JobsQuery``, ``JobExport``, ``ReviewQueue`` — and their buttons call the API.
struct PageRoutes: Sendable {
    let layout: RootLayout
    let config: DropforgeConfig
    let store: JobStore
    let token: String?

    func add(to router: Router<BasicRequestContext>) {
        router.get("static/dropforge.css") { _, _ in Self.asset(PageAssets.css, type: "text/css; charset=utf-8") }
        router.get("static/dropforge.js") { _, _ in Self.asset(PageAssets.script, type: "text/javascript; charset=utf-8") }
        router.get("") { request, _ in
            let query = try JobsQuery(request.uri.queryParameters)
            let queue = ReviewQueue(layout: layout, config: config, store: store)
            let (page, waiting) = try await offloaded { (try query.page(in: store), try queue.waiting().count) }
            return JobsPage(page: page, waiting: waiting).render()
        }
        router.get("jobs/{id}") { _, context in
            let id = try context.parameters.require("id")
            let (export, events) = try await offloaded {
                let job = try JobLookup.find(id, in: store)
                return (try JobExport.load(job, from: store), try store.events(jobID: job.id, after: 0))
            }
            return JobPage(export: export, events: events, layout: layout).render()
        }
        router.get("review") { request, _ in
            let job = request.uri.queryParameters.get("job")
            let queue = ReviewQueue(layout: layout, config: config, store: store)
            let entries = try await offloaded { try queue.waiting(jobID: try job.map { try JobLookup.find($0, in: store).id }) }
            return ReviewPage(entries: entries, job: job).render()
        }
        router.get("login") { _, _ in
            token == nil ? Response(status: .seeOther, headers: [.location: "/"]) : LoginPage.form()
        }
        router.post("login") { request, _ in
            guard let token else { return Response(status: .seeOther, headers: [.location: "/"]) }
            let given = LoginPage.token(fromForm: try await request.body.collect(upTo: 4096)) ?? ""
            guard BearerToken<BasicRequestContext>.constantTimeEqual(Array(given.utf8), Array(token.utf8)) else { return LoginPage.form(failed: true) }
            return LoginPage.signedIn(token)
        }
    }

    private static func asset(_ text: String, type: String) -> Response {
        Response(status: .ok, headers: [.contentType: type, .cacheControl: "max-age=300"], body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
    }
}
