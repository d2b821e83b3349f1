import ArgumentParser
import DropForgeKit
import Foundation

struct Review: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The review queue: items that failed quality checks, waiting in outbox/review/<job>/.",
        discussion: prose("""
            A rejected image waits in outbox/review/<execution>/NNNN.png beside its verdict NNNN.json. \
            An ITEM is <execution>/<NNNN> as `review list` prints it (cozy-cats-7f3k2q/0003); the number \
            may be unpadded (cozy-cats-7f3k2q/3), and the path of its file works too \
            (outbox/review/cozy-cats-7f3k2q/0003.png).

            approve: publishes the image into outbox/results/<execution>/images/ (with its metadata and \
            sidecar), replaces job.json, items.csv and the report by rename, and appends a line to \
            outbox/index.jsonl. A job whose every item was rejected (in failures/ with code \
            qc_rejected_all) gets its results/ folder and leaves failures/.

            reject: dismisses the item for good; its files leave review/ and it is no longer listed.

            retry: runs the quality checks again; --regenerate makes a new image first (new seed). \
            A pass is published like an approval; a failure stays in review with the new verdict.

            Several items may be given to one command: they are decided together, and each job's \
            job.json, item lists, report and contact sheet are replaced once for all of them (only the \
            decided items' images are read). A refused item is reported and the others are still decided.

            Examples:
              dropforge review list
              dropforge review approve cozy-cats-7f3k2q/0003
              dropforge review retry cozy-cats-7f3k2q/2 --regenerate --seed 7
              dropforge review reject outbox/review/cozy-cats-7f3k2q/0001.png
            """),
        subcommands: [List.self, Approve.self, Reject.self, Retry.self],
        defaultSubcommand: List.self)
}

/// Opens the review queue of a root: the store, and the config for providers, limits and prices.
private func openReviewQueue(_ layout: RootLayout) throws -> ReviewQueue {
    let store = try openStore(layout)
    let config: DropforgeConfig
    do {
        config = try DropforgeConfig.load(from: layout.configFile)
    } catch let error as ManifestError {
        printError("error: \(error.description)")
        throw usageFailure
    } catch {
        printError("error: cannot read \(layout.configFile.path): \(error)")
        throw usageFailure
    }
    return ReviewQueue(layout: layout, config: config, store: store)
}

/// Prints what a batch decided, item by item in the order given; a refusal or failure is
/// reported and the exit code is 1, but the other items were still decided.
private func report(_ decisions: [ReviewQueue.Decision], json: Bool) throws {
    writeCounters()
    var outcomes: [ReviewQueue.Outcome] = []
    var failed = false
    for decision in decisions {
        switch decision.result {
        case .success(let outcome):
            outcomes.append(outcome)
            if !json { print(describe(outcome)) }
        case .failure(let refusal as ReviewRefusal):
            printError("error: \(refusal)")
            failed = true
        case .failure(let error):
            printError("error: \(decision.reference): \(error)")
            failed = true
        }
    }
    if json { try printJSON(outcomes) }
    if failed { throw ExitCode(1) }
}

private func describe(_ outcome: ReviewQueue.Outcome) -> String {
    switch outcome.action {
    case .approved: "approved \(outcome.item) → \(outcome.file ?? outcome.folder ?? "")"
    case .passed: "passed QC: \(outcome.item) (seed \(outcome.seed)) → \(outcome.file ?? outcome.folder ?? "")"
    case .dismissed: "dismissed \(outcome.item)"
    case .rejected: "still rejected: \(outcome.item) (seed \(outcome.seed)): \(outcome.reason ?? "")"
    }
}

extension Review {
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "List the items waiting in review, with why QC rejected them.",
            discussion: "Example: dropforge review list --job cozy-cats --json")

        @OptionGroup var options: RootOptions

        @Option(help: ArgumentHelp("Only this job's items (a job id, an execution id, or a unique prefix).", valueName: "ID"))
        var job: String?

        @Flag(help: "Print JSON instead of a table.")
        var json = false

        func run() throws {
            let layout = options.layout
            let store = try openStore(layout)
            let jobID = try job.map { try findJob($0, in: store).id }
            let queue = ReviewQueue(layout: layout, config: (try? DropforgeConfig.load(from: layout.configFile)) ?? DropforgeConfig(),
                                    store: store)
            let entries = try queue.waiting(jobID: jobID)
            if json { return try printJSON(entries) }
            if entries.isEmpty { return print("nothing waiting in review") }
            print(table(["ITEM", "JOB STATUS", "REASON", "PROMPT"], entries.map {
                [$0.item, $0.executionStatus == .completed ? "completed" : "failed (no result yet)",
                 clip($0.reason ?? "", 60), clip($0.prompt, 40)]
            }))
        }

        private func clip(_ text: String, _ length: Int) -> String {
            let line = text.replacingOccurrences(of: "\n", with: " ")
            return line.count <= length ? line : String(line.prefix(length - 1)) + "…"
        }
    }

    struct Approve: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Publish rejected items into their job's results folder.",
            discussion: prose("""
                The image moves from outbox/review/<execution>/ to outbox/results/<execution>/images/ (after \
                the metadata stage, when the job runs it), with its sidecar NNNN.json; job.json, items.csv, \
                items.json, report.html and contact-sheet.png are replaced by rename; outbox/index.jsonl gains \
                a line. The item's QC status becomes `approved` and its reason keeps what QC said.

                Example: dropforge review approve cozy-cats-7f3k2q/0003
                """))

        @OptionGroup var options: RootOptions

        @Argument(help: ArgumentHelp("Items to approve: <execution>/<NNNN> or a file in outbox/review/.", valueName: "ITEM"))
        var items: [String]

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let queue = try openReviewQueue(options.layout)
            try report(try queue.approve(items), json: json)
        }
    }

    struct Reject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dismiss rejected items for good: their files leave outbox/review/.",
            discussion: prose("""
                The item stays rejected; its QC status becomes `dismissed`, job.json and the report say so, \
                and `review list` no longer shows it. Published (approved) items are not taken back.

                Example: dropforge review reject cozy-cats-7f3k2q/0001
                """))

        @OptionGroup var options: RootOptions

        @Argument(help: ArgumentHelp("Items to dismiss: <execution>/<NNNN> or a file in outbox/review/.", valueName: "ITEM"))
        var items: [String]

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func run() throws {
            let queue = try openReviewQueue(options.layout)
            try report(try queue.dismiss(items), json: json)
        }
    }

    struct Retry: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the quality checks on rejected items again, or make their images again.",
            discussion: prose("""
                Runs in this process with the job's own settings (checks, providers). Without --regenerate \
                the image in review is checked again — worth it after fixing the image in outbox/review/ by hand, or when a vision check may judge differently. \
                With --regenerate the job's image provider makes a new image with a new seed (random, or \
                --seed), which is recorded in the item's sidecar. An item that passes is published like \
                `review approve`; one that fails stays in review with the new verdict and image.

                Example: dropforge review retry cozy-cats-7f3k2q/0002 --regenerate
                """))

        @OptionGroup var options: RootOptions

        @Argument(help: ArgumentHelp("Items to retry: <execution>/<NNNN> or a file in outbox/review/.", valueName: "ITEM"))
        var items: [String]

        @Flag(help: "Make the image again with a new seed before checking it.")
        var regenerate = false

        @Option(help: ArgumentHelp("The seed for --regenerate (default: a random one).", valueName: "N"))
        var seed: UInt32?

        @Flag(help: "Print JSON instead of text.")
        var json = false

        func validate() throws {
            if seed != nil && !regenerate { throw ValidationError("--seed needs --regenerate") }
        }

        func run() throws {
            let queue = try openReviewQueue(options.layout)
            try report(try queue.retry(items, regenerate: regenerate, seed: seed), json: json)
        }
    }
}
