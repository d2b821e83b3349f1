import DropForgeCore
import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird

/// What a job leaves to read: `GET /jobs/{id}/logs` (JSON, or Server-Sent Events with
/// `?follow=1` until the job ends), `GET /jobs/{id}/export?format=json|yaml|csv|xlsx` (the
/// `jobs export` formats) and `GET /jobs/{id}/files/{path}` (its published files).
struct JobOutputRoutes: Sendable {
    let layout: RootLayout
    let store: JobStore

    struct Events: Encodable, Sendable {
        var job: String
        var events: [EventRecord]
    }

    func add(to api: RouterGroup<BasicRequestContext>) {
        api.get("jobs/{id}/logs") { request, context in
            let id = try context.parameters.require("id")
            let after = Int64(request.uri.queryParameters.get("after") ?? "") ?? 0
            let job = try await offloaded { try JobLookup.find(id, in: store) }
            if ["1", "true", "yes"].contains(request.uri.queryParameters.get("follow") ?? "") {
                return follow(job.id, after: after)
            }
            let events = try await offloaded { try store.events(jobID: job.id, after: after) }
            return JSONReply.response(Events(job: job.id, events: events))
        }
        api.get("jobs/{id}/export") { request, context in
            let id = try context.parameters.require("id")
            let name = request.uri.queryParameters.get("format") ?? "json"
            guard let format = JobExport.Format(rawValue: name) else {
                throw APIError.badRequest("format '\(name)' is not one of \(JobExport.Format.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let (job, data) = try await offloaded { try export(id, as: format) }
            var headers: HTTPFields = [.contentType: Self.contentType(ofExtension: format.rawValue)]
            headers[.contentDisposition] = "attachment; filename=\"\(job).\(format.rawValue)\""
            return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
        api.get("jobs/{id}/files/**") { request, context in
            let id = try context.parameters.require("id")
            let parts = context.parameters.getCatchAll().map(String.init)
            let execution = request.uri.queryParameters.get("execution")
            let file = try await offloaded { try publishedFile(id, parts, execution: execution) }
            let data = try await offloaded { try Data(contentsOf: file) }
            return Response(status: .ok, headers: [.contentType: Self.contentType(ofExtension: file.pathExtension)],
                            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
        }
    }

    /// Each event as `id:` + `data:` (its JSON line), polled five times a second, then an
    /// `end` event with the job's status when it has ended; a comment line every 15 s keeps
    /// proxies from closing a quiet stream.
    private func follow(_ job: String, after: Int64) -> Response {
        let store = store
        let body = ResponseBody { writer in
            var last = after
            var quiet = 0
            while true {
                let since = last
                let (events, status) = try await offloaded { () -> ([EventRecord], JobStatus?) in
                    // The status first: events written before the job ended are then all seen.
                    let status = try store.job(id: job)?.status
                    return (try store.events(jobID: job, after: since), status)
                }
                var text = ""
                for event in events {
                    last = event.id ?? last
                    text += "id: \(last)\ndata: \(String(decoding: try JSONCoding.encode(event), as: UTF8.self))\n\n"
                }
                if !text.isEmpty { quiet = 0 } else { quiet += 1 }
                if quiet >= 75 { text = ": still running\n\n"; quiet = 0 }
                if !text.isEmpty { try await writer.write(ByteBuffer(string: text)) }
                if status.map({ $0.isFinished }) ?? true {
                    try await writer.write(ByteBuffer(string: "event: end\ndata: {\"status\":\"\(status?.rawValue ?? "deleted")\"}\n\n"))
                    break
                }
                try await Task.sleep(for: .milliseconds(200))
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    private func export(_ id: String, as format: JobExport.Format) throws -> (String, Data) {
        let job = try JobLookup.find(id, in: store)
        let export = try JobExport.load(job, from: store)
        if format.isText { return (job.id, Data(try export.text(format).utf8)) }
        // The workbook is written by libxlsxwriter to a file: one in staging, read and removed.
        try FileManager.default.createDirectory(at: layout.staging, withIntermediateDirectories: true)
        let file = layout.staging.appendingPathComponent("export-\(UUID().uuidString).\(format.rawValue)")
        defer { try? FileManager.default.removeItem(at: file) }
        try export.write(format, to: file)
        return (job.id, try Data(contentsOf: file))
    }

    /// A file under one of the job's published folders (the newest execution's, or the one
    /// `?execution=` names). Every part is percent-decoded and must be a plain name — no `..`,
    /// no `.`, no empty part — and the file, symbolic links resolved, must lie inside the folder.
    private func publishedFile(_ id: String, _ parts: [String], execution: String?) throws -> URL {
        let job = try JobLookup.find(id, in: store)
        let executions = try store.executions(jobID: job.id)
        guard let chosen = execution.map({ name in executions.first { $0.id == name } }) ?? executions.last else {
            throw APIError.notFound("job \(job.id) has no execution '\(execution ?? "")'")
        }
        let decoded = parts.map { $0.removingPercentEncoding ?? $0 }
        guard !decoded.isEmpty, decoded.allSatisfy({ !$0.isEmpty && $0 != "." && $0 != ".." && !$0.contains("/") && !$0.contains("\0") }) else {
            throw APIError(.badRequest, code: "bad_path", "the path must name a file inside the job's folder (no '..', '.', or empty parts)")
        }
        let folders = [chosen.outboxPath.map { layout.root.appendingPathComponent($0) }, layout.review.appendingPathComponent(chosen.id)].compactMap { $0 }
        for folder in folders {
            let file = decoded.reduce(folder) { $0.appendingPathComponent($1) }
            let resolved = file.resolvingSymlinksInPath().path
            let inside = folder.resolvingSymlinksInPath().path + "/"
            var isFolder: ObjCBool = false
            if resolved.hasPrefix(inside), FileManager.default.fileExists(atPath: resolved, isDirectory: &isFolder), !isFolder.boolValue {
                return URL(fileURLWithPath: resolved)
            }
        }
        throw APIError.notFound("execution \(chosen.id) has no published file '\(decoded.joined(separator: "/"))'")
    }

    static func contentType(ofExtension ext: String) -> String {
        switch ext.lowercased() {
        case "png": "image/png"
        case "json": "application/json"
        case "jsonl": "application/x-ndjson"
        case "yaml", "yml": "application/yaml"
        case "csv": "text/csv; charset=utf-8"
        case "html": "text/html; charset=utf-8"
        case "txt", "md": "text/plain; charset=utf-8"
        case "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        case "charx", "zip": "application/zip"
        default: "application/octet-stream"
        }
    }
}
