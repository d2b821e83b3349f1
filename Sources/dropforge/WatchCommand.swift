import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeStore

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon: watch inbox/ and process manifests as they arrive.",
        discussion: prose("""
            Uses inotify as a hint and rescans inbox/ at start, after an event overflow and every
            rescan_seconds (config/dropforge.yaml); `watcher: poll` polls instead (network folders).
            SIGTERM or SIGINT stops it gracefully: no new steps are claimed, steps in flight finish
            within shutdown_grace_seconds, and the rest resumes at the next start. A second signal
            exits at once. One watch per root.
            """))

    @OptionGroup var options: RootOptions

    @Flag(help: "Log every event, not only the important ones.")
    var verbose = false

    func run() throws {
        let runtime = try openRuntime(options.layout, verbose: verbose)
        let signals = SignalTrap()
        signals.install()
        do {
            try DropForgeKit.Watch(runtime: runtime, signals: signals).run()
            writeCounters()
        } catch let error as StageFailure {
            printError("error: \(error.message)")
            throw usageFailure
        }
    }
}
