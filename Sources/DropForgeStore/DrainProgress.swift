import Foundation

/// How far a set of jobs has come: what `drain`'s progress bar shows.
public struct DrainProgress: Sendable, Equatable, Codable {
    public var jobs: Int
    public var jobsFinished: Int
    /// Items of the jobs' newest executions; grows as the parameters stage expands jobs.
    public var items: Int
    public var itemsDone: Int
    public var elapsed: TimeInterval = 0

    public init(jobs: Int, jobsFinished: Int, items: Int, itemsDone: Int, elapsed: TimeInterval = 0) {
        self.jobs = jobs
        self.jobsFinished = jobsFinished
        self.items = items
        self.itemsDone = itemsDone
        self.elapsed = elapsed
    }

    /// Items finished per second so far.
    public var rate: Double { elapsed > 0 ? Double(itemsDone) / elapsed : 0 }

    /// Seconds left at the current rate; nil until there is a rate.
    public var remaining: TimeInterval? {
        guard rate > 0, items >= itemsDone else { return nil }
        return Double(items - itemsDone) / rate
    }

    /// One terminal line: `[########------------] 12/40 items  3/5 jobs  4.2 items/s  7 s left`.
    public func bar(width: Int = 24) -> String {
        let fraction = items > 0 ? min(1, Double(itemsDone) / Double(items)) : (jobs > 0 ? Double(jobsFinished) / Double(jobs) : 0)
        let filled = Int((fraction * Double(width)).rounded(.down))
        var line = "[" + String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled) + "]"
        line += " \(itemsDone)/\(items) items  \(jobsFinished)/\(jobs) jobs"
        line += String(format: "  %.1f items/s", rate)
        if let remaining, jobsFinished < jobs { line += "  " + Self.duration(remaining) + " left" }
        return line
    }

    static func duration(_ seconds: TimeInterval) -> String {
        let total = Int(seconds.rounded(.up))
        if total < 60 { return "\(total) s" }
        if total < 3600 { return "\(total / 60) min \(total % 60) s" }
        return "\(total / 3600) h \(total % 3600 / 60) min"
    }
}
