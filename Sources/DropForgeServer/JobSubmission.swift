import DropForgeCore
import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird
import Synchronization

/// `POST /api/v1/jobs`: a manifest in the body, validated like `dropforge validate`, placed in
/// the inbox like `dropforge submit`, and claimed at once by this server's own intake so the
/// answer can name the job.
///
/// The body's format comes from Content-Type (`application/json`, or YAML: `application/yaml`,
/// `application/x-yaml`, `text/yaml`, `text/plain`); `?filename=` names the file (its stem names
/// the job when the manifest has no `name`), by default `submitted.<ext>`.
final class JobSubmission: Sendable {
    let layout: RootLayout
    let config: DropforgeConfig
    let store: JobStore
    /// Claims an inbox file in this process and returns its job id (nil when another claimed it).
    let claim: @Sendable (String) -> String?
    /// The job ids this server has answered with lately: two submissions of the same manifest
    /// under the same name, both claimed by the inbox watcher, still get a job each.
    private let answered = Mutex<[String]>([])

    init(layout: RootLayout, config: DropforgeConfig, store: JobStore, claim: @escaping @Sendable (String) -> String?) {
        self.layout = layout
        self.config = config
        self.store = store
        self.claim = claim
    }

    struct Accepted: Encodable, Sendable {
        /// The job's id, or nil when no process has claimed the file yet.
        var job: String?
        var url: String?
        /// The file's name in `inbox/`.
        var inbox: String
    }

    func submit(_ request: Request) async throws -> Response {
        let ext = try Self.fileExtension(request.headers[.contentType])
        let limit = config.limits.manifestBytes
        let body = try await request.body.collect(upTo: limit)
        let data = Data(buffer: body)
        let name = try Self.fileName(request.uri.queryParameters.get("filename"), ext: ext)
        let accepted = try await offloaded { try self.place(data, as: name) }
        return JSONReply.response(accepted, status: .accepted)
    }

    private func place(_ data: Data, as name: String) throws -> Accepted {
        do {
            _ = try ManifestResolver(layout: layout, config: config).resolve(data: data, fileName: name)
        } catch let problems as ManifestProblems {
            throw APIError(.unprocessableContent, code: problems.code, "the manifest is not valid (\(problems.errors.count) problem(s))",
                           details: problems.errors.map(\.description))
        }
        let placed = Date()
        let inboxName = try InboxSubmission.place(data, as: name, in: layout)
        let job = claim(inboxName) ?? findClaimed(inboxName, data, since: placed)
        if let job { answered.withLock { $0 = Array(($0 + [job]).suffix(10_000)) } }
        return Accepted(job: job, url: job.map { "/api/v1/jobs/\($0)" }, inbox: inboxName)
    }

    /// When the inbox watcher (or another host) took the file first: its job — the oldest one
    /// since the file was placed with its name and bytes that was not given to another request —
    /// looked for during up to two seconds.
    private func findClaimed(_ name: String, _ data: Data, since: Date) -> String? {
        for _ in 0..<20 {
            let recent = (try? store.jobs(matching: JobFilter(since: since.addingTimeInterval(-1), oldestFirst: true, limit: 500))) ?? []
            let given = Set(answered.withLock { $0 })
            if let job = recent.first(where: { $0.sourceName == name && $0.manifest == data && !given.contains($0.id) }) { return job.id }
            Thread.sleep(forTimeInterval: 0.1)
        }
        return nil
    }

    static func fileExtension(_ contentType: String?) throws -> String {
        let type = (contentType ?? "application/yaml").split(separator: ";")[0].trimmingCharacters(in: .whitespaces).lowercased()
        switch type {
        case "application/json": return "json"
        case "application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain": return "yaml"
        default:
            throw APIError(.unsupportedMediaType, code: "unsupported_media_type",
                           "Content-Type '\(type)' is not a manifest: send application/json or application/yaml")
        }
    }

    /// A plain file name (no folders), with the extension of the body's format.
    static func fileName(_ given: String?, ext: String) throws -> String {
        guard let given, !given.isEmpty else { return "submitted.\(ext)" }
        guard !given.contains("/"), !given.hasPrefix("."), given.count <= 200 else {
            throw APIError.badRequest("filename '\(given)' must be a plain file name (no '/', not starting with '.')")
        }
        let stem = (given as NSString).deletingPathExtension
        return "\(stem.isEmpty ? "submitted" : stem).\(ext)"
    }
}
