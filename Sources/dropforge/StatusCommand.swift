import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCore
import DropForgeStore

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show jobs by state, the queue of each stage, throughput and recent failures.",
        discussion: prose("""
            For each stage: steps ready to run, steps waiting for a retry (delayed), steps running
            now (leased) and how long the oldest ready step has waited. Throughput counts items and
            jobs that ended in the last 1, 5 and 15 minutes. Works beside a running `watch`.
            """))

    @OptionGroup var options: RootOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    struct Failure: Encodable {
        var job: String
        var at: Date?
        var code: String?
        var message: String?
    }

    struct Report: Encodable {
        var jobs: [String: Int]
        var stages: [QueueSummary.StageQueue]
        var throughput: [QueueSummary.Throughput]
        var inbox: Int
        var recentFailures: [Failure]

        enum CodingKeys: String, CodingKey {
            case jobs, stages, throughput, inbox, recentFailures = "recent_failures"
        }
    }

    func run() throws {
        let layout = options.layout
        let store = try openStore(layout)
        let summary = try store.summary(now: Date())
        let waiting = (try? InboxScanner(inbox: layout.inbox).candidates().count) ?? 0
        let failures = try store.recentFailures(limit: 5).map { job -> Failure in
            // What error.json says: the export stage decides failures the store does not keep.
            let folder = try store.executions(jobID: job.id).last?.outboxPath
            let failure = folder.flatMap { try? Data(contentsOf: layout.root.appendingPathComponent($0).appendingPathComponent("error.json")) }
                .flatMap { try? JSONCoding.decode(StageFailure.self, from: $0) }
            return Failure(job: job.id, at: job.finishedAt, code: failure?.code, message: failure?.message)
        }
        let report = Report(jobs: summary.jobs, stages: summary.stages, throughput: summary.throughput, inbox: waiting,
                            recentFailures: failures)
        if json { return try printJSON(report) }
        let jobs = JobStatus.allCases.map { "\($0.rawValue) \(summary.jobs[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        print("jobs: \(jobs)")
        print("inbox: \(waiting) waiting to be claimed")
        print(table(["stage", "runnable", "delayed", "leased", "oldest waiting"], summary.stages.map {
            [$0.stage, "\($0.runnable)", "\($0.delayed)", "\($0.leased)",
             $0.oldestWaitingSeconds.map { String(format: "%.1f s", $0) } ?? "-"]
        }))
        print("throughput: " + summary.throughput.map { "\($0.items) items, \($0.jobs) jobs in \($0.minutes) min" }
            .joined(separator: "; "))
        if !failures.isEmpty {
            print("recent failures:")
            for failure in failures {
                print("  \(failure.job)" + (failure.code.map { " \($0): " } ?? " ") + (failure.message ?? ""))
            }
        }
    }
}
