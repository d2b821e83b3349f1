import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCore
import DropForgeStore

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show processes, jobs by state and progress, the queue of each stage, throughput and recent failures.",
        discussion: prose("""
            Store: `sqlite`, or `postgres` with its URL (the password never shown). Processes: the dropforge processes working on the root (the `watch` daemon and any
            drain or command running work), with host, pid and since when. Running and queued
            jobs show their items done of total. For each stage: steps ready to run, steps waiting for a retry (delayed), steps running
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

    struct ActiveJob: Encodable {
        var job: String
        var status: JobStatus
        var items: ItemProgress?
    }

    struct Report: Encodable {
        /// `sqlite`, or `postgres` and its URL without the password.
        var store: String
        var processes: [RunningProcess]
        var active: [ActiveJob]
        var jobs: [String: Int]
        var stages: [QueueSummary.StageQueue]
        var throughput: [QueueSummary.Throughput]
        var inbox: Int
        var recentFailures: [Failure]

        enum CodingKeys: String, CodingKey {
            case store, processes, active, jobs, stages, throughput, inbox, recentFailures = "recent_failures"
        }
    }

    func run() throws {
        let layout = options.layout
        let config = try loadConfig(layout)
        let store = try openStore(layout, config: config)
        let summary = try store.summary(now: Date())
        let waiting = (try? InboxScanner(inbox: layout.inbox).candidates().count) ?? 0
        let failures = try store.recentFailures(limit: 5).map { job -> Failure in
            // What error.json says: the export stage decides failures the store does not keep.
            let folder = try store.executions(jobID: job.id).last?.outboxPath
            let failure = folder.flatMap { try? Data(contentsOf: layout.root.appendingPathComponent($0).appendingPathComponent("error.json")) }
                .flatMap { try? JSONCoding.decode(StageFailure.self, from: $0) }
            return Failure(job: job.id, at: job.finishedAt, code: failure?.code, message: failure?.message)
        }
        let processes = RunningProcess.list(layout: layout)
        let unfinished = try store.jobs(matching: JobFilter(statuses: [.running, .queued], oldestFirst: true, limit: 20))
        let progress = try store.itemProgress(jobIDs: unfinished.map(\.id))
        let active = unfinished.map { ActiveJob(job: $0.id, status: $0.status, items: progress[$0.id]) }
        let report = Report(store: config.store.description(), processes: processes, active: active, jobs: summary.jobs, stages: summary.stages, throughput: summary.throughput, inbox: waiting,
                            recentFailures: failures)
        if json { return try printJSON(report) }
        print("store: \(report.store)")
        if processes.isEmpty {
            print("processes: none — queued work waits for `dropforge watch` or `dropforge drain`")
        } else {
            print("processes:")
            for process in processes {
                print("  \(process.role) pid \(process.pid) on \(process.host)" + (process.since.map { " since \(Timestamp.iso8601($0))" } ?? ""))
            }
        }
        let jobs = JobStatus.allCases.map { "\($0.rawValue) \(summary.jobs[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        print("jobs: \(jobs)")
        print("inbox: \(waiting) waiting to be claimed")
        for job in active {
            print("  \(job.status.rawValue) \(job.job)" + (job.items.map { ": \($0.description) items done" } ?? ""))
        }
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
