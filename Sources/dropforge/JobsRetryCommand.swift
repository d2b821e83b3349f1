import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeStore

extension Jobs {
    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a finished job's failed items again, in a new execution.",
            discussion: prose("""
                Only the items that failed (or were cancelled) in the job's newest execution run again,
                each from its checkpoint: an item that failed in metadata keeps its image and QC verdict.
                Same settings and seeds as before. The new execution publishes <job>.N beside the
                earlier folders, which stay as they are. Rejected items are not failures: see
                `dropforge review`.

                It runs here until done (a progress bar on a terminal); with --no-wait it is only
                queued, for a running `watch` or the next `drain`.
                """))

        @OptionGroup var options: RootOptions

        @Argument(help: "A job id (or an execution id, or a unique prefix).")
        var id: String

        @Flag(help: "Only queue it; do not run it here.")
        var noWait = false

        @Flag(help: "Log every event instead of showing a progress bar.")
        var verbose = false

        func run() throws {
            let bar = standardErrorIsTerminal && !verbose
            let runtime = try openRuntime(options.layout, verbose: verbose, quiet: bar)
            let job = try findJob(id, in: runtime.store)
            let execution: ExecutionRecord
            do {
                execution = try JobControl(layout: runtime.layout, config: runtime.config, store: runtime.store).retry(job)
            } catch let refusal as JobControl.Refusal {
                printError("error: \(refusal)")
                throw ExitCode(1)
            }
            let items = try runtime.store.items(executionID: execution.id).count
            print("retrying \(job.id) as \(execution.id)" + (items > 0 ? " (\(items) item(s))" : " (from parameters)"))
            if noWait { return }
            let announcer = EndAnnouncer(executions: [execution], store: runtime.store)
            let report = try drainShowingProgress(runtime, timeout: nil, bar: bar, announcer: announcer) {
                try $0.run(jobs: [job.id])
            }
            if report.outcome != .allFinished { throw ExitCode(report.outcome.rawValue) }
        }
    }
}

