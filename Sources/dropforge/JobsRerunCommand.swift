import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeStore

extension Jobs {
    struct Rerun: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run finished jobs again from their manifests, with the current config and profiles.",
            discussion: prose("""
                Each job gets a new execution (<job>.N) made from the manifest as it was dropped, resolved
                against today's config/ and profiles; earlier executions and their folders are never
                touched. Give job ids (run in the order given), or select with --status and --since
                (oldest first). A line is printed as each one ends.

                Examples:
                  dropforge jobs rerun cozy-cats-7f3k2q
                  dropforge jobs rerun --status failed --since 24h
                """))

        @OptionGroup var options: RootOptions

        @Argument(help: "Job ids (or execution ids, or unique prefixes).")
        var ids: [String] = []

        @Option(help: ArgumentHelp("Rerun every job in this state (repeat for several).", valueName: "STATE"))
        var status: [JobStatus] = []

        @Option(help: ArgumentHelp("With --status: only jobs created since 30m, 2h, 7d, a day or a time.", valueName: "WHEN"))
        var since: SinceDate?

        @Flag(help: "Only queue them; do not run them here.")
        var noWait = false

        @Flag(help: "Log every event instead of showing a progress bar.")
        var verbose = false

        func validate() throws {
            if ids.isEmpty == status.isEmpty {
                throw ValidationError("give job ids or --status (not both)")
            }
            if since != nil && status.isEmpty { throw ValidationError("--since goes with --status") }
        }

        func run() throws {
            let bar = standardErrorIsTerminal && !verbose
            let runtime = try openRuntime(options.layout, verbose: verbose, quiet: bar)
            let store = runtime.store
            let jobs = ids.isEmpty
                ? try store.jobs(matching: JobFilter(statuses: status, since: since?.date, oldestFirst: true))
                : try ids.map { try findJob($0, in: store) }
            guard !jobs.isEmpty else {
                print("no job to rerun")
                return
            }
            let executions: [ExecutionRecord]
            do {
                executions = try JobControl(layout: runtime.layout, config: runtime.config, store: store).rerun(jobs)
            } catch let refusal as JobControl.Refusal {
                printError("error: \(refusal)")
                throw ExitCode(1)
            }
            print("rerunning \(executions.count) job(s): " + executions.map(\.id).joined(separator: ", "))
            if noWait { return }
            let announcer = EndAnnouncer(executions: executions, store: store)
            let report = try drainShowingProgress(runtime, timeout: nil, bar: bar, announcer: announcer) {
                try $0.run(jobs: jobs.map(\.id))
            }
            if report.outcome != .allFinished { throw ExitCode(report.outcome.rawValue) }
        }
    }
}

/// Prints `[k/n] <execution>: <status> → <folder>` once for each execution as it ends.
// @unchecked Sendable: called only from drain's single progress callback, one call at a time.
final class EndAnnouncer: @unchecked Sendable {
    private let executions: [ExecutionRecord]
    private let store: JobStore
    private var announced: Set<String> = []

    init(executions: [ExecutionRecord], store: JobStore) {
        self.executions = executions
        self.store = store
    }

    func announce(display: ProgressDisplay?) {
        for queued in executions where !announced.contains(queued.id) {
            guard let execution = try? store.executions(jobID: queued.jobID).first(where: { $0.id == queued.id }),
                  execution.status.isFinished
            else { continue }
            announced.insert(execution.id)
            display?.finish()
            print("[\(announced.count)/\(executions.count)] \(execution.id): \(execution.status.rawValue)"
                  + (execution.outboxPath.map { " → \($0)" } ?? ""))
            fflush(nil)  // all streams: naming the C global `stdout` is refused in Swift 6
        }
    }
}
