import ArgumentParser
import DropForgeKit
import Foundation

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show jobs by state, the queue of each stage and recent failures.")

    @OptionGroup var options: RootOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Report: Encodable {
        var jobs: [String: Int]
        var stages: [QueueSummary.StageQueue]
        var inbox: Int
        var recentFailures: [String]

        enum CodingKeys: String, CodingKey {
            case jobs, stages, inbox, recentFailures = "recent_failures"
        }
    }

    func run() throws {
        let layout = options.layout
        let store = try openStore(layout)
        let summary = try store.summary(now: Date())
        let waiting = (try? InboxScanner(inbox: layout.inbox).candidates().count) ?? 0
        let failures = try store.recentFailures(limit: 5)
        let report = Report(jobs: summary.jobs, stages: summary.stages, inbox: waiting, recentFailures: failures.map(\.id))
        if json { return try printJSON(report) }
        let jobs = JobStatus.allCases.map { "\($0.rawValue) \(summary.jobs[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        print("jobs: \(jobs)")
        print("inbox: \(waiting) waiting to be claimed")
        print(table(["stage", "runnable", "delayed", "leased", "oldest waiting"], summary.stages.map {
            [$0.stage, "\($0.runnable)", "\($0.delayed)", "\($0.leased)",
             $0.oldestWaitingSeconds.map { String(format: "%.1f s", $0) } ?? "-"]
        }))
        if !failures.isEmpty {
            print("recent failures: " + failures.map(\.id).joined(separator: ", "))
        }
    }
}
