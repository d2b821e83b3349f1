import DropForgeStore

/// Finding a job the way people name it: its id, one of its execution ids (`cozy-cats-4z0m2o.2`),
/// or a unique prefix of an id. The CLI's `jobs …` commands and the HTTP API share it.
public enum JobLookup {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case notFound(String)
        /// The prefix matched several jobs: the first few of them.
        case ambiguous(String, matches: [String])

        public var description: String {
            switch self {
            case .notFound(let id): "no job '\(id)'"
            case .ambiguous(let id, let matches):
                "'\(id)' matches several jobs (\(matches.prefix(5).joined(separator: ", "))); give more of the id"
            }
        }
    }

    public static func find(_ id: String, in store: JobReader) throws -> JobRecord {
        if let job = try store.job(id: id) { return job }
        if let dot = id.lastIndex(of: "."), Int(id[id.index(after: dot)...]) != nil,
           let job = try store.job(id: String(id[..<dot])) {
            return job
        }
        let matches = try store.jobs(matching: JobFilter(idPrefix: id, limit: 6))
        if matches.count == 1 { return matches[0] }
        throw matches.isEmpty ? Failure.notFound(id) : Failure.ambiguous(id, matches: matches.map(\.id))
    }
}
