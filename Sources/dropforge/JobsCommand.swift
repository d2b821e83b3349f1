import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCore
import DropForgeStore

struct Jobs: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List, inspect and control jobs: show, logs, cancel, retry, rerun, export, delete.",
        discussion: prose("""
            A job is one dropped manifest. Each run of it is an execution with its own outbox folder:
            the first is <job>, a retry or rerun makes <job>.2, <job>.3, … and never touches the others.
            IDs may be given whole, as an execution id, or as a unique prefix.
            """),
        subcommands: [List.self, Show.self, Logs.self, Cancel.self, Retry.self, Rerun.self, Export.self, Delete.self],
        defaultSubcommand: List.self)
}

/// Finds a job by its id, one of its execution ids, or a unique prefix of an id (``JobLookup``).
func findJob(_ id: String, in store: JobReader) throws -> JobRecord {
    do {
        return try JobLookup.find(id, in: store)
    } catch let failure as JobLookup.Failure {
        if case .notFound = failure {
            printError("error: \(failure); `dropforge jobs list` shows them")
        } else {
            printError("error: \(failure)")
        }
        throw ExitCode(1)
    }
}

/// `--since` values: `30m`, `2h`, `7d`, `2026-11-21` or an ISO 8601 time.
struct SinceDate: ExpressibleByArgument {
    var date: Date

    init?(argument: String) {
        guard let date = Timestamp.since(argument) else { return nil }
        self.date = date
    }
}

extension JobStatus: ExpressibleByArgument {}
extension JobSettings.Kind: ExpressibleByArgument {}

extension Jobs {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List jobs, newest first.",
            discussion: "Example: dropforge jobs list --status failed --since 24h --name cats")

        @OptionGroup var options: RootOptions

        @Option(help: ArgumentHelp("Only jobs in this state (repeat for several): \(JobStatus.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "STATE"))
        var status: [JobStatus] = []

        @Option(help: ArgumentHelp("Only jobs of this kind: \(JobSettings.Kind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "KIND"))
        var kind: JobSettings.Kind?

        @Option(help: ArgumentHelp("Only jobs created since: 30m, 2h, 7d, 2026-11-21 or an ISO 8601 time.", valueName: "WHEN"))
        var since: SinceDate?

        @Option(help: ArgumentHelp("Only jobs whose name contains this text (any case).", valueName: "TEXT"))
        var name: String?

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        struct Row: Encodable {
            var job: String
            var name: String
            var kind: String
            var status: JobStatus
            var manifest: String
            var created: Date
            var finished: Date?
            /// Items done of total in the newest execution (nil before it has items).
            var items: ItemProgress?
        }

        func run() throws {
            let store = try openStore(options.layout)
            let filter = JobFilter(statuses: status, kind: kind?.rawValue, since: since?.date, name: name)
            let jobs = try store.jobs(matching: filter)
            let progress = try store.itemProgress(jobIDs: jobs.map(\.id))
            let rows = jobs.map {
                Row(job: $0.id, name: $0.name, kind: $0.kind, status: $0.status, manifest: $0.sourceName,
                    created: $0.createdAt, finished: $0.finishedAt, items: progress[$0.id])
            }
            if json { return try printJSON(rows) }
            print(table(["JOB", "KIND", "STATUS", "ITEMS", "MANIFEST", "CREATED"], rows.map {
                [$0.job, $0.kind, $0.status.rawValue, $0.items?.description ?? "-", $0.manifest, Timestamp.iso8601($0.created)]
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
        static let configuration = CommandConfiguration(
            abstract: "Print a job's log, one event a line.",
            discussion: "With --follow, new lines are printed as they happen until the job ends.")

        @OptionGroup var options: RootOptions

        @Argument(help: "A job id (or an execution id, or a unique prefix).")
        var id: String

        @Flag(help: "Print JSON lines (as in outbox/logs/<job>.jsonl).")
        var json = false

        @Flag(name: .shortAndLong, help: "Keep printing new lines while the job runs; stop when it ends.")
        var follow = false

        func run() throws {
            let store = try openStore(options.layout)
            let job = try findJob(id, in: store)
            var last: Int64 = 0
            var warned = false
            while true {
                // Read the status first: events written before the job ended are then all seen.
                let finished = try store.job(id: job.id)?.status.isFinished ?? true
                for event in try store.events(jobID: job.id, after: last) {
                    last = event.id ?? last
                    try printEvent(event)
                }
                if !follow || finished { return }
                // Said once: following goes on, for a `watch` or `drain` started later.
                if !warned && RunningProcess.list(layout: options.layout).isEmpty {
                    printError("note: no dropforge process is running on \(options.layout.root.path); job \(job.id) waits until "
                               + "`dropforge watch` or `dropforge drain` runs it (still following)")
                    warned = true
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }

        private func printEvent(_ event: EventRecord) throws {
            if json {
                print(String(decoding: try JSONCoding.encode(event), as: UTF8.self))
            } else {
                var place = event.execution ?? event.job
                if let item = event.item { place += " #\(item)" }
                if let stage = event.stage { place += " \(stage)" }
                print("\(Timestamp.iso8601(event.ts)) \(event.level.uppercased()) \(place) \(event.event): \(event.message)")
            }
            fflush(nil)  // all streams: naming the C global `stdout` is refused in Swift 6
        }
    }
}
