import Foundation

/// Which jobs a listing wants (`jobs list`, `jobs rerun --status`). Empty fields match all.
public struct JobFilter: Sendable, Equatable {
    public var statuses: [JobStatus] = []
    public var kind: String?
    /// Jobs created at or after this moment.
    public var since: Date?
    /// A part of the job's name, any case.
    public var name: String?
    public var idPrefix: String?
    /// Oldest first instead of newest first.
    public var oldestFirst = false
    public var limit: Int?

    public init(statuses: [JobStatus] = [], kind: String? = nil, since: Date? = nil, name: String? = nil,
                idPrefix: String? = nil, oldestFirst: Bool = false, limit: Int? = nil) {
        self.statuses = statuses
        self.kind = kind
        self.since = since
        self.name = name
        self.idPrefix = idPrefix
        self.oldestFirst = oldestFirst
        self.limit = limit
    }
}

extension JobStore {
    /// The newest jobs first.
    public func jobs(limit: Int?) throws -> [JobRecord] {
        try jobs(matching: JobFilter(limit: limit))
    }
}
