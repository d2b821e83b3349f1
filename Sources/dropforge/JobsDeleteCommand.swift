import ArgumentParser
import DropForgeKit
import Foundation

extension Jobs {
    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a finished job: its record, outbox folders, log and work files.",
            discussion: prose("""
                Removes the job and every execution of it from the store, and their folders from
                outbox/results, outbox/failures and outbox/review, the log outbox/logs/<job>.jsonl and
                the work files. outbox/index.jsonl is append-only: it gains a `deleted` line per
                execution. A queued or running job is refused (cancel it first). Asks first unless --yes.
                """))

        @OptionGroup var options: RootOptions

        @Argument(help: "A job id (or an execution id, or a unique prefix).")
        var id: String

        @Flag(name: .shortAndLong, help: "Do not ask.")
        var yes = false

        func run() throws {
            let layout = options.layout
            let store = try openStore(layout)
            let job = try findJob(id, in: store)
            guard job.status.isFinished else {
                printError("error: job \(job.id) is \(job.status.rawValue); only finished jobs can be deleted (`dropforge jobs cancel \(job.id)` first)")
                throw ExitCode(1)
            }
            if !yes {
                guard isatty(STDIN_FILENO) == 1 else {
                    printError("error: not deleting \(job.id) without --yes (standard input is not a terminal to ask on)")
                    throw ExitCode(1)
                }
                let executions = try store.executions(jobID: job.id).count
                FileHandle.standardOutput.write(Data("delete \(job.id) (\(executions) execution(s)) and its folders? [y/N] ".utf8))
                guard let answer = readLine(), ["y", "yes"].contains(answer.lowercased()) else {
                    print("not deleted")
                    throw ExitCode(1)
                }
            }
            // Deleting needs no config: an empty one serves (nothing is resolved).
            let config = (try? DropforgeConfig.load(from: layout.configFile)) ?? DropforgeConfig()
            do {
                let removed = try JobControl(layout: layout, config: config, store: store).delete(job)
                print("deleted \(job.id)" + (removed.isEmpty ? "" : ": " + removed.joined(separator: ", ")))
            } catch let refusal as JobControl.Refusal {
                printError("error: \(refusal)")
                throw ExitCode(1)
            }
        }
    }
}
