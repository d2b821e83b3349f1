import Foundation
import DropForgeStore

/// One job as `dropforge jobs export` hands it to other tools (JSON, YAML, CSV or an xlsx
/// workbook): the job's fields, then one row per item of every execution.
///
/// The job-level `counts`, `error` and `settings` describe the job's latest execution — the one
/// its status comes from — named in `execution`; the rows cover every execution, each naming its
/// own. The same value is made from a published `job.json` (``init(summary:)``), so the export
/// stage's `items.xlsx` and `jobs export` lay out their sheets the same way.
public struct JobExport: Codable, Sendable, Equatable {
    /// The job's id: its first execution's folder name (`cozy-cats-7f3k2q`).
    public var job: String
    /// The job's name (the manifest's `name`, or its file's stem).
    public var label: String
    /// `images` or `card`.
    public var kind: String
    /// The file name the manifest was dropped under.
    public var manifest: String
    public var manifestID: String?
    public var status: JobStatus
    /// The latest execution: the one `counts`, `error` and `settings` describe.
    public var execution: String
    /// When the job was admitted.
    public var created: Date
    /// When its first step started (nil until one did).
    public var started: Date?
    /// When it was last published (nil while it runs).
    public var completed: Date?
    public var counts: JobSummary.Counts
    /// Why the latest execution failed (nil unless it did).
    public var error: StageFailure?
    /// The settings snapshot of the latest execution; never holds secrets (keys come from the environment).
    public var settings: JobSettings?
    public var items: [Row]

    enum CodingKeys: String, CodingKey {
        case job, label, kind, manifest, manifestID = "manifest_id", status, execution, created, started, completed
        case counts, error, settings, items
    }

    public init(job: String, label: String, kind: String, manifest: String, manifestID: String?, status: JobStatus,
                execution: String, created: Date, started: Date?, completed: Date?, counts: JobSummary.Counts,
                error: StageFailure?, settings: JobSettings?, items: [Row]) {
        self.job = job
        self.label = label
        self.kind = kind
        self.manifest = manifest
        self.manifestID = manifestID
        self.status = status
        self.execution = execution
        self.created = created
        self.started = started
        self.completed = completed
        self.counts = counts
        self.error = error
        self.settings = settings
        self.items = items
    }

    /// The export of one published execution, from its `job.json`: what the export stage has
    /// in hand when a manifest asks for `xlsx`. Dates are the execution's; each item's
    /// `created` is the moment the summary was made (its items were all terminal by then).
    public init(summary: JobSummary) {
        let folder = summary.status == .completed ? "\(Self.resultsFolder)/\(summary.execution)"
            : summary.status == .cancelled ? "\(Self.failuresFolder)/\(summary.execution)" : nil
        self.init(job: summary.job, label: summary.name, kind: summary.kind, manifest: summary.manifest,
                  manifestID: summary.manifestID, status: summary.status, execution: summary.execution,
                  created: summary.timings.created, started: summary.timings.started,
                  completed: summary.timings.finished, counts: summary.counts, error: summary.error,
                  settings: summary.settings,
                  items: summary.items.map {
                      Row($0, execution: summary.execution, folder: folder, created: summary.timings.finished)
                  })
    }

    /// The outbox folders as the store records them, relative to the root (DESIGN §1 fixes the names).
    static let resultsFolder = "outbox/results"
    static let reviewFolder = "outbox/review"
    static let failuresFolder = "outbox/failures"
}
