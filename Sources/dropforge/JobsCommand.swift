import ArgumentParser
import DropForgeKit
import Foundation

struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List jobs, show one, or read its log.",
        subcommands: [List.self, Show.self, Logs.self, Export.self],
        defaultSubcommand: List.self)
}

/// Finds a job by its id, one of its execution ids, or a unique prefix of an id.
func findJob(_ id: String, in store: JobStore) throws -> JobRecord {
    if let job = try store.job(id: id) { return job }
    let base = id.split(separator: ".").first.map(String.init) ?? id
    if let job = try store.job(id: base) { return job }
    let matches = try store.jobs(limit: nil).filter { $0.id.hasPrefix(id) }
    if matches.count == 1 { return matches[0] }
    printError(matches.isEmpty
        ? "error: no job '\(id)'; `dropforge jobs list` shows them"
        : "error: '\(id)' matches \(matches.count) jobs (\(matches.prefix(5).map(\.id).joined(separator: ", "))); give more of the id")
    throw ExitCode(1)
}

extension Jobs {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List jobs, newest first.")

        @OptionGroup var options: RootOptions

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        struct Row: Encodable {
            var job: String
            var name: String
            var status: JobStatus
            var manifest: String
            var created: Date
            var finished: Date?
        }

        func run() throws {
            let store = try openStore(options.layout)
            let rows = try store.jobs(limit: nil).map {
                Row(job: $0.id, name: $0.name, status: $0.status, manifest: $0.sourceName, created: $0.createdAt, finished: $0.finishedAt)
            }
            if json { return try printJSON(rows) }
            print(table(["JOB", "STATUS", "MANIFEST", "CREATED"], rows.map {
                [$0.job, $0.status.rawValue, $0.manifest, Timestamp.iso8601($0.created)]
            }))
        }
    }

    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a job: its executions with their settings, stage timings, and every item.")

        @OptionGroup var options: RootOptions

        @Argument(help: "A job id (or an execution id, or a unique prefix).")
        var id: String

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let store = try openStore(options.layout)
            // Prices turn token counts into a cost; a broken config only loses the cost.
            let prices = (try? DropforgeConfig.load(from: options.layout.configFile))?.prices ?? [:]
            let detail = try JobDetail.load(try findJob(id, in: store), from: store, prices: prices)
            if json { return try printJSON(detail) }
            print(detail.text)
        }
    }

    struct Logs: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print a job's log, one event a line.")

        @OptionGroup var options: RootOptions

        @Argument(help: "A job id (or an execution id, or a unique prefix).")
        var id: String

        @Flag(help: "Print JSON lines (as in outbox/logs/<job>.jsonl).")
        var json = false

        func run() throws {
            let store = try openStore(options.layout)
            let job = try findJob(id, in: store)
            for event in try store.events(jobID: job.id, after: 0) {
                if json {
                    let data = try JSONCoding.encode(event)
                    print(String(decoding: data, as: UTF8.self))
                } else {
                    var place = event.execution ?? event.job
                    if let item = event.item { place += " #\(item)" }
                    if let stage = event.stage { place += " \(stage)" }
                    print("\(Timestamp.iso8601(event.ts)) \(event.level.uppercased()) \(place) \(event.event): \(event.message)")
                }
            }
        }
    }
}
