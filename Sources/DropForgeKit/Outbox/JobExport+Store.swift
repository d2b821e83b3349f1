import Foundation
import DropForgeCore
import DropForgeStore

extension JobExport {
    /// Reads `job` and all its executions from the store. Reading the store rather than the
    /// published `job.json` files lets a job be exported while it still runs, and after its
    /// outbox folders were moved away.
    public static func load(_ job: JobRecord, from store: JobReader) throws -> JobExport {
        let executions = try store.executions(jobID: job.id).sorted { $0.number < $1.number }
        guard let latest = executions.last else {
            throw StageFailure(stage: "export", code: .noExecution, message: "job \(job.id) has no execution in the store")
        }
        var rows: [Row] = []
        var started: Date?
        var latestItems: [ItemRecord] = []
        var latestSettings: JobSettings?
        for execution in executions {
            let items = try store.items(executionID: execution.id).sorted { $0.index < $1.index }
            let firstStep = try store.steps(executionID: execution.id).compactMap(\.startedAt).min()
            started = [started, firstStep].compactMap { $0 }.min()
            let settings = try execution.settings.map { try JSONCoding.decodeSettings(JobSettings.self, from: $0) }
            let formats = settings?.export.formats ?? JobSettings.Export().formats
            rows += try items.map { item in
                var summary = try ItemSummary.make(from: item, provider: settings?.generate.provider ?? "local")
                summary.file = try publishedFile(of: item, in: execution, formats: formats)
                return Row(summary, execution: execution.id, folder: publishedFolder(of: execution), created: item.updatedAt)
            }
            if execution.id == latest.id { (latestItems, latestSettings) = (items, settings) }
        }

        let counts = JobSummary.Counts(items: latestItems)
        var error = try latest.failure.map { try JSONCoding.decode(StageFailure.self, from: $0) }
        if error == nil && latest.status == .failed {
            // The export stage derives this failure from the items without storing it.
            error = StageFailure.noApprovedItem(counts: counts, items: latestItems, steps: try store.steps(executionID: latest.id),
                                                executionID: latest.id,
                                                at: latest.finishedAt ?? job.updatedAt)
        }
        return JobExport(
            job: job.id, label: job.name, kind: job.kind, manifest: job.sourceName, manifestID: job.manifestID,
            status: job.status, execution: latest.id, created: job.createdAt, started: started,
            completed: job.status.isFinished ? job.finishedAt : nil, counts: counts, error: error,
            settings: latestSettings, items: rows)
    }

    /// Where an item is published, relative to the root (see `Row.path`); for `jobs show`.
    static func publishedPath(of item: ItemRecord, in execution: ExecutionRecord, formats: [JobSettings.ExportFormat]) throws -> String? {
        Row.path(status: item.status, file: try publishedFile(of: item, in: execution, formats: formats), item: item.index + 1,
                 execution: execution.id, folder: publishedFolder(of: execution))
    }

    /// The item's file inside its execution's folder: an approved item's image (or card), and
    /// in a cancelled execution every image it had made (export keeps them: `isPartialWork`).
    static func publishedFile(of item: ItemRecord, in execution: ExecutionRecord, formats: [JobSettings.ExportFormat]) throws -> String? {
        if item.status == .approved { return try ItemSummary.publishedFile(of: item, formats: formats) }
        if execution.status == .cancelled, item.isPartialWork { return ItemSummary.imageFile(of: item) }
        return nil
    }

    /// The execution's folder when it holds item files: `results/` once completed, `failures/`
    /// when cancelled (its partial work).
    private static func publishedFolder(of execution: ExecutionRecord) -> String? {
        execution.status == .completed || execution.status == .cancelled ? execution.outboxPath : nil
    }
}
