import DropForgeCore
import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird

/// `GET /api/v1/jobs`'s query: the filters of `jobs list` (`status` repeated or comma-separated,
/// `kind`, `since` as `30m`/`2h`/`7d`/a date, `name`) and paging by `limit` (1–500, default 50)
/// and `offset`, newest first.
struct JobsQuery: Sendable {
    var filter = JobFilter()
    var limit = 50
    var offset = 0

    struct Row: Encodable, Sendable {
        var job: String
        var name: String
        var kind: String
        var status: JobStatus
        var manifest: String
        var created: Date
        var finished: Date?
        var items: ItemProgress?
        var url: String
    }

    struct Page: Encodable, Sendable {
        var jobs: [Row]
        var limit: Int
        var offset: Int
        /// The offset of the next page, or nil on the last one.
        var next: Int?
    }

    init(_ parameters: Parameters) throws {
        for value in parameters[values: "status"].map(String.init).flatMap({ $0.split(separator: ",").map(String.init) }) {
            guard let status = JobStatus(rawValue: value) else {
                throw APIError.badRequest("status '\(value)' is not one of \(JobStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.statuses.append(status)
        }
        filter.kind = parameters.get("kind")
        if let since = parameters.get("since") {
            guard let date = Timestamp.since(since) else {
                throw APIError.badRequest("since '\(since)' is not 30m, 2h, 7d, a date (2026-11-21) or an ISO 8601 time")
            }
            filter.since = date
        }
        filter.name = parameters.get("name")
        limit = try Self.number(parameters, "limit", in: 1...500) ?? limit
        offset = try Self.number(parameters, "offset", in: 0...Int(Int32.max)) ?? offset
    }

    private static func number(_ parameters: Parameters, _ key: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = parameters.get(key) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("\(key) '\(text)' is not a whole number in \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// One page; one more row than asked for is read to know whether a next page exists.
    func page(in store: JobStore) throws -> Page {
        var filter = filter
        filter.limit = offset + limit + 1
        let jobs = Array(try store.jobs(matching: filter).dropFirst(offset))
        let shown = Array(jobs.prefix(limit))
        let progress = try store.itemProgress(jobIDs: shown.map(\.id))
        let rows = shown.map {
            Row(job: $0.id, name: $0.name, kind: $0.kind, status: $0.status, manifest: $0.sourceName,
                created: $0.createdAt, finished: $0.finishedAt, items: progress[$0.id], url: "/api/v1/jobs/\($0.id)")
        }
        return Page(jobs: rows, limit: limit, offset: offset, next: jobs.count > limit ? offset + limit : nil)
    }
}
