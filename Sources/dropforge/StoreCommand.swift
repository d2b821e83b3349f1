import ArgumentParser
import DropForgeKit
import DropForgePostgresStore
import DropForgeStore
import Foundation

struct StoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "store",
        abstract: "Move the state between stores: copy the embedded SQLite store into PostgreSQL.",
        subcommands: [Copy.self])
}

extension StoreCommand {
    struct Copy: ParsableCommand {
        enum Target: String, ExpressibleByArgument, CaseIterable { case postgres }

        static let configuration = CommandConfiguration(
            abstract: "Copy the root's SQLite state (jobs, executions, items, steps, events) into an empty PostgreSQL database.",
            discussion: prose("""
                For a root that outgrows one host: its history comes along, ids and all, so
                `jobs list`, `jobs show`, `jobs logs` and `jobs export` answer the same after the move.
                The URL is read from the environment variable --url-env names (default: the config's
                store.url_env, else DROPFORGE_POSTGRES_URL), never from the command line, where it would
                show in `ps` and the shell history. The database must have no jobs yet; the copy is one
                transaction. Stop `watch` first (the copy is a picture of the moment it is read), then set
                `store: {type: postgres}` in config/dropforge.yaml and start the hosts. The SQLite file is
                left as it was.
                """))

        @OptionGroup var options: RootOptions

        @Option(help: "The store to copy into.")
        var to: Target

        @Option(name: .customLong("url-env"), help: ArgumentHelp("The environment variable with the PostgreSQL URL.", valueName: "NAME"))
        var urlEnv: String?

        func run() throws {
            let layout = options.layout
            let config = try loadConfig(layout)
            guard FileManager.default.fileExists(atPath: layout.database.path) else {
                printError("error: \(layout.root.path) has no SQLite state to copy (\(layout.database.path))")
                throw usageFailure
            }
            let source = try SQLiteJobStore(path: layout.database.path)
            let target = StoreConfig(type: .postgres, urlEnv: urlEnv ?? config.store.urlEnv)
            var copyConfig = config
            copyConfig.store = target
            let store = try openStore(layout, config: copyConfig)
            guard let postgres = store as? PostgresJobStore else { throw usageFailure }
            let snapshot = try source.snapshot()
            do {
                try postgres.load(snapshot)
            } catch let refusal as StoreCopyRefusal {
                printError("error: \(refusal)")
                throw ExitCode(1)
            }
            print("copied \(snapshot.counts) into \(target.description())")
            if config.store.type != .postgres {
                print("next: set `store: {type: postgres, url_env: \(target.urlEnv)}` in config/dropforge.yaml")
            }
        }
    }
}
