import DropForgeCore
import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird

/// `POST /jobs/{id}/cancel`, `POST /jobs/{id}/retry`, `POST /jobs/rerun`, `DELETE /jobs/{id}`:
/// the store's cancel and ``JobControl`` as `jobs cancel|retry|rerun|delete` use them. A control
/// the job's state refuses is a 409 that says why; the new work is run by this server's daemon,
/// which is woken at once.
struct JobControlRoutes: Sendable {
    let layout: RootLayout
    let config: DropforgeConfig
    let store: JobStore
    let wake: @Sendable () -> Void

    struct Cancelling: Encodable, Sendable {
        var job: String
        /// Steps still running in a worker; they stop within a heartbeat.
        var running: Int
        var url: String
    }

    struct Queued: Encodable, Sendable {
        var job: String
        var execution: String
        var url: String
    }

    struct Deleted: Encodable, Sendable {
        var job: String
        var removed: [String]
    }

    /// `{"ids": [...]}` or `{"status": ["failed"], "since": "24h"}`, as `jobs rerun` takes them.
    struct RerunRequest: Decodable, Sendable {
        var ids: [String]?
        var status: [JobStatus]?
        var since: String?
    }

    func add(to api: RouterGroup<BasicRequestContext>) {
        api.post("jobs/{id}/cancel") { _, context in
            let id = try context.parameters.require("id")
            return JSONReply.response(try await offloaded { try cancel(id) }, status: .accepted)
        }
        api.post("jobs/{id}/retry") { _, context in
            let id = try context.parameters.require("id")
            return JSONReply.response(try await offloaded { try retry(id) }, status: .accepted)
        }
        api.post("jobs/rerun") { request, _ in
            let body = try await request.body.collect(upTo: config.limits.manifestBytes)
            let rerun: RerunRequest
            do {
                rerun = try JSONCoding.decode(RerunRequest.self, from: Data(buffer: body))
            } catch {
                throw APIError.badRequest("the body must be JSON: {\"ids\": [...]} or {\"status\": [...], \"since\": \"24h\"} (\(error))")
            }
            return JSONReply.response(try await offloaded { try self.rerun(rerun) }, status: .accepted)
        }
        api.delete("jobs/{id}") { _, context in
            let id = try context.parameters.require("id")
            return JSONReply.response(try await offloaded { try delete(id) })
        }
    }

    private func cancel(_ id: String) throws -> Cancelling {
        let job = try JobLookup.find(id, in: store)
        switch try store.cancel(jobID: job.id, now: Date()) {
        case .notFound: throw JobLookup.Failure.notFound(job.id)
        case .finished(let status):
            throw refused("job \(job.id) already ended (\(status.rawValue)); only queued or running jobs can be cancelled")
        case .publishing:
            throw refused("job \(job.id) is being published right now and ends as it is")
        case .cancelled(_, let running):
            wake()
            return Cancelling(job: job.id, running: running, url: "/api/v1/jobs/\(job.id)")
        }
    }

    private func retry(_ id: String) throws -> Queued {
        let job = try JobLookup.find(id, in: store)
        let execution = try controlled { try JobControl(layout: layout, config: config, store: store).retry(job) }
        wake()
        return Queued(job: job.id, execution: execution.id, url: "/api/v1/jobs/\(job.id)")
    }

    private func rerun(_ request: RerunRequest) throws -> [Queued] {
        let ids = request.ids ?? []
        let statuses = request.status ?? []
        guard ids.isEmpty != statuses.isEmpty else { throw APIError.badRequest("give ids or status (not both)") }
        var since: Date?
        if let text = request.since {
            guard !statuses.isEmpty else { throw APIError.badRequest("since goes with status") }
            guard let date = Timestamp.since(text) else { throw APIError.badRequest("since '\(text)' is not 30m, 2h, 7d, a date or an ISO 8601 time") }
            since = date
        }
        let jobs = ids.isEmpty
            ? try store.jobs(matching: JobFilter(statuses: statuses, since: since, oldestFirst: true))
            : try ids.map { try JobLookup.find($0, in: store) }
        let executions = try controlled { try JobControl(layout: layout, config: config, store: store).rerun(jobs) }
        if !executions.isEmpty { wake() }
        return executions.map { Queued(job: $0.jobID, execution: $0.id, url: "/api/v1/jobs/\($0.jobID)") }
    }

    private func delete(_ id: String) throws -> Deleted {
        let job = try JobLookup.find(id, in: store)
        return Deleted(job: job.id, removed: try controlled { try JobControl(layout: layout, config: config, store: store).delete(job) })
    }

    /// A refusal of ``JobControl`` as a 409.
    private func controlled<T>(_ work: () throws -> T) throws -> T {
        do {
            return try work()
        } catch let refusal as JobControl.Refusal {
            throw refused(refusal.description)
        }
    }

    private func refused(_ message: String) -> APIError { APIError(.conflict, code: "refused", message) }
}
