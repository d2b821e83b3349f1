import ArgumentParser
import DropForgeKit
import Foundation

extension JobExport.Format: ExpressibleByArgument {}

extension Jobs {
    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export a job and its items as JSON, YAML, CSV or an Excel workbook.",
            discussion: prose("""
                Reads the job from the store, so a job can be exported while it runs.
                Its counts, error and settings are those of its latest execution (the
                one its status comes from); the items are those of every execution,
                one row each, naming their execution.

                json, yaml  the job's fields and an `items` list. Settings never hold
                            API keys (they come from the environment).
                csv         the items only, one row each, the columns of the published
                            items.csv: item, execution, status, prompt,
                            negative, seed, width, height, aspect_ratio,
                            keyword, qc_status, qc_reason, path, title,
                            description, tags, created.
                xlsx        a workbook with two sheets:
                            "Job Summary"  field | value: job, label, kind, manifest,
                                           manifest_id, status, execution, created,
                                           started, completed, counts.*, error.*,
                                           settings.* (one row per setting)
                            "Images"       the csv's columns; seeds are numbers and
                                           dates are dates.

                `path` is where the item's image is published, relative to the root:
                outbox/results/<execution>/images/NNNN.png when approved,
                outbox/review/<execution>/NNNN.png when rejected,
                outbox/failures/<execution>/images/NNNN.png when a cancel kept it,
                empty otherwise.
                Dates are UTC.

                json, yaml and csv go to standard output unless -o names a file; xlsx
                goes to -o, or to <job>.xlsx in the current folder. A file is replaced
                atomically, and its path printed.

                Examples:
                  dropforge jobs export cozy-cats-7f3k2q --format csv > cats.csv
                  dropforge jobs export cozy-cats --format xlsx -o cats.xlsx
                """))

        @OptionGroup var options: RootOptions

        @Argument(help: "A job id (or an execution id, or a unique prefix).")
        var id: String

        @Option(help: "What to write.")
        var format: JobExport.Format = .json

        @Option(name: .shortAndLong, help: ArgumentHelp("Write to FILE (default: standard output; <job>.xlsx for xlsx).", valueName: "FILE"))
        var output: String?

        func run() throws {
            let store = try openStore(options.layout)
            let job = try findJob(id, in: store)
            let export: JobExport
            do {
                export = try JobExport.load(job, from: store)
            } catch {
                printError("error: cannot read job \(job.id) from the store: \(error)")
                throw ExitCode(1)
            }
            if format.isText && output == nil {
                return print(try export.text(format), terminator: "")
            }
            let file = URL(fileURLWithPath: output ?? "\(job.id).\(format.rawValue)")
            do {
                try export.write(format, to: file)
            } catch {
                printError(cannotWrite(file, error))
                throw ExitCode(1)
            }
            print(file.path)
        }
    }
}
