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
            jobs that ended in the last 1, 5 and 15 minutes. Providers: each entry's limits —
            `concurrency` (calls in flight at once, across every stage) and `requests_per_minute` —
            with the calls the running processes have in flight and waiting for a permit, and how
            many started in the last minute (reported by each process once a second). Works
            beside a running `watch`.
            """))

    @OptionGroup var options: RootOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() throws {
        let layout = options.layout
        let config = try loadConfig(layout)
        let store = try openStore(layout, config: config)
        let report = try StatusReport.make(layout: layout, config: config, store: store)
        if json { return try printJSON(report) }
        print("store: \(report.store)")
        if report.processes.isEmpty {
            print("processes: none — queued work waits for `dropforge watch` or `dropforge drain`")
        } else {
            print("processes:")
            for process in report.processes {
                print("  \(process.role) pid \(process.pid) on \(process.host)" + (process.since.map { " since \(Timestamp.iso8601($0))" } ?? ""))
            }
        }
        let jobs = JobStatus.allCases.map { "\($0.rawValue) \(report.jobs[$0.rawValue] ?? 0)" }.joined(separator: ", ")
        print("jobs: \(jobs)")
        print("inbox: \(report.inbox) waiting to be claimed")
        for job in report.active {
            print("  \(job.status.rawValue) \(job.job)" + (job.items.map { ": \($0.description) items done" } ?? ""))
        }
        print(table(["stage", "runnable", "delayed", "leased", "oldest waiting"], report.stages.map {
            [$0.stage, "\($0.runnable)", "\($0.delayed)", "\($0.leased)",
             $0.oldestWaitingSeconds.map { String(format: "%.1f s", $0) } ?? "-"]
        }))
        print("throughput: " + report.throughput.map { "\($0.items) items, \($0.jobs) jobs in \($0.minutes) min" }
            .joined(separator: "; "))
        if !report.providers.isEmpty {
            print(table(["provider", "type", "in flight", "waiting", "per minute"], report.providers.map { provider in
                [provider.name, provider.type, "\(provider.inFlight.map(String.init) ?? "-") of \(provider.concurrency)",
                 provider.waiting.map(String.init) ?? "-",
                 provider.requestsPerMinute.map { "\(provider.startedLastMinute.map(String.init) ?? "-") of \($0)" } ?? "unlimited"]
            }))
        }
        if !report.recentFailures.isEmpty {
            print("recent failures:")
            for failure in report.recentFailures {
                print("  \(failure.job)" + (failure.code.map { " \($0): " } ?? " ") + (failure.message ?? ""))
            }
        }
    }
}
