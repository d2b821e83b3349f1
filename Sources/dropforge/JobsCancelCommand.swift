import ArgumentParser
import DropForgeKit
import Foundation

extension Jobs {
    struct Cancel: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a queued or running job.",
            discussion: prose("""
                The cancel is one transaction: waiting steps are closed at once; steps running in a
                `watch` or `drain` are stopped within a second, with HTTP calls in flight aborted.
                What was made so far is published under outbox/failures/<job>/ with error code
                `cancelled` (job.json, error.json, the images made). A finished job cannot be
                cancelled (exit 1). `dropforge jobs retry` later runs the cancelled items again.
                """))

        @OptionGroup var options: RootOptions

        @Argument(help: "A job id (or an execution id, or a unique prefix).")
        var id: String

        @Option(help: ArgumentHelp("Wait this long for running steps to stop and the job to be published.", valueName: "SECONDS"))
        var wait: Double = 15

        func run() throws {
            let store = try openStore(options.layout)
            let job = try findJob(id, in: store)
            switch try store.cancel(jobID: job.id, now: Date()) {
            case .notFound:
                printError("error: no job '\(job.id)'")
                throw ExitCode(1)
            case .finished(let status):
                printError("error: job \(job.id) already ended (\(status.rawValue)); only queued or running jobs can be cancelled")
                throw ExitCode(1)
            case .publishing:
                printError("error: job \(job.id) is being published right now and ends as it is; see `dropforge jobs show \(job.id)`")
                throw ExitCode(1)
            case .cancelled(_, let running):
                if running > 0 { print("cancelling \(job.id): stopping \(running) running step(s)") }
            }
            // Publish here (only the export stage runs), unless a running `watch` does it first.
            let runtime = try openRuntime(options.layout, quiet: true, stages: [.export])
            _ = try drainShowingProgress(runtime, timeout: wait, bar: false) { try $0.run(jobs: [job.id]) }
            guard let ended = try store.job(id: job.id), ended.status.isFinished else {
                print("cancelled \(job.id); its running steps have not stopped yet — outbox/failures/ gets its folder when they do")
                return
            }
            let folder = try store.executions(jobID: job.id).last?.outboxPath ?? "outbox/failures/\(job.id)"
            print("cancelled \(job.id) → \(folder)")
        }
    }
}
