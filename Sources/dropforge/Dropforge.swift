import ArgumentParser
import DropForgeKit
import DropForgeCore

@main
struct Dropforge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropforge",
        abstract: "A file-watching batch pipeline: drop job manifests into inbox/, collect results from outbox/.",
        discussion: prose("""
            A root folder holds inbox/, outbox/ and config/. Drop a manifest (JSON or YAML) into inbox/;
            `dropforge watch` (the daemon) or `dropforge drain` (run once, for cron) claims it, runs it
            through parameters → generate → quality → metadata → export, and publishes the job's folder
            into outbox/results/ — or outbox/failures/ with error.json when it cannot finish.

            The root is --root, else $DROPFORGE_ROOT, else the current folder.
            Start with: dropforge init --root ./studio --examples && dropforge drain --root ./studio
            """),
        version: DropForge.version,
        subcommands: [Init.self, Watch.self, Serve.self, Drain.self, Submit.self, Validate.self, Status.self, Jobs.self, Review.self, Card.self, StoreCommand.self]
    )

    /// Like `ParsableCommand.main()`, but a usage error exits 2 (DESIGN §2's exit codes), not
    /// swift-argument-parser's 64.
    static func main() {
        SignalTrap.ignoreFileSizeLimitSignal()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            let code = exitCode(for: error)
            guard code == .validationFailure else { exit(withError: error) }
            printError(fullMessage(for: error))
            exit(withError: usageFailure)
        }
    }
}

/// `--root`, shared by every command that works on a root.
struct RootOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The dropforge root (default: $DROPFORGE_ROOT, then the current folder).", valueName: "DIR"))
    var root: String?

    var layout: RootLayout { RootLayout.resolve(root) }
}
