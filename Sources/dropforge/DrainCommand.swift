import ArgumentParser
import DropForgeKit
import DropForgeStore
import DropForgeCore
import Foundation

struct Drain: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Process everything in the inbox now, then exit.",
        discussion: prose("""
            Rescans inbox/ once, claims every manifest, runs until all those jobs (and any left unfinished by an earlier run) are published, and exits. Safe to run from cron beside a running `watch`: then the unfinished jobs are the watch's, and the drain waits only for the jobs it claimed itself (--all waits for every one).

            On a terminal it shows a progress bar (items done of total, rate, time left) and only
            warnings; elsewhere (cron, a pipe) it prints plain log lines. --verbose shows every event.

            Exit codes: 0 all jobs finished, 1 some job failed, 2 usage or config error, 3 timed out.
            """))

    @OptionGroup var options: RootOptions

    @Option(help: ArgumentHelp("Give up after this many seconds (exit 3); unfinished work resumes next time.", valueName: "SECONDS"))
    var timeout: Double?

    @Flag(help: "Log every event, not only the important ones.")
    var verbose = false

    @Flag(help: "Beside a running `watch`, also wait for the unfinished jobs it is working on.")
    var all = false

    func run() throws {
        let bar = standardErrorIsTerminal && !verbose
        let runtime = try openRuntime(options.layout, verbose: verbose, quiet: bar)
        let report = try drainShowingProgress(runtime, timeout: timeout, bar: bar) { try $0.run(waitingForAll: all) }
        writeCounters()
        print("drained: \(report.completed) completed, \(report.failed) failed" + (report.unfinished > 0 ? ", \(report.unfinished) unfinished" : ""))
        if report.outcome != .allFinished { throw ExitCode(report.outcome.rawValue) }
    }
}
