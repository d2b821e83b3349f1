import Foundation

/// How far a set of jobs has come: what `drain`'s progress bar shows.
public struct DrainProgress: Sendable, Equatable, Codable {
    public var jobs: Int
    public var jobsFinished: Int
    /// Items of the jobs' newest executions; grows as the parameters stage expands jobs.
    public var items: Int
    public var itemsDone: Int
    /// The work of those executions in item-stages: each item counts once per stage it goes
    /// through (its own prompt, generate, quality, metadata), the parameters step once and the
    /// export once per item — publishing copies every image. An item's stages count as they
    /// finish, so the rate moves during generation, and export is in the time left (issue 17:
    /// "0 items/s" through generation, "0 s left" through a long export).
    public var work: Int
    public var workDone: Int
    public var elapsed: TimeInterval = 0

    public init(jobs: Int, jobsFinished: Int, items: Int, itemsDone: Int, work: Int = 0, workDone: Int = 0,
                elapsed: TimeInterval = 0) {
        self.jobs = jobs
        self.jobsFinished = jobsFinished
        self.items = items
        self.itemsDone = itemsDone
        self.work = work
        self.workDone = workDone
        self.elapsed = elapsed
    }

    /// Item-stages an item takes on average: work per item, export included.
    private var stagesPerItem: Double { items > 0 && work > 0 ? Double(work) / Double(items) : 1 }

    /// Items per second so far, counting each finished stage as its share of an item.
    public var rate: Double { elapsed > 0 ? Double(workDone) / stagesPerItem / elapsed : 0 }

    /// Seconds left at the current rate, export included; nil until there is a rate.
    public var remaining: TimeInterval? {
        guard elapsed > 0, workDone > 0, work >= workDone else { return nil }
        return Double(work - workDone) / (Double(workDone) / elapsed)
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
