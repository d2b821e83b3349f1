import Foundation
import DropForgeCore
import DropForgeStore

/// What people do to finished jobs (DESIGN §4): retry what failed, rerun from the manifest,
/// delete. Each makes its change in one store transaction; the stages then run it as usual.
public struct JobControl: Sendable {
    public enum Refusal: Error, CustomStringConvertible, Equatable {
        case notFinished(job: String, status: JobStatus)
        case nothingToRetry(job: String, reason: String)

        public var description: String {
            switch self {
            case .notFinished(let job, let status):
                "job \(job) is \(status.rawValue); wait for it to finish or `dropforge jobs cancel \(job)` first"
            case .nothingToRetry(let job, let reason):
                "nothing to retry in \(job): \(reason)"
            }
        }
    }

    let layout: RootLayout
    let config: DropforgeConfig
    let store: JobStore
    let publisher: OutboxPublisher

    public init(layout: RootLayout, config: DropforgeConfig, store: JobStore) {
        self.layout = layout
        self.config = config
        self.store = store
        publisher = OutboxPublisher(layout: layout)
    }

    /// A new execution that re-runs only the failed items of the job's newest execution, each
    /// from its checkpoint: the stage it failed in, with the output of the stages before it
    /// (kept under `.dropforge/work/` for executions that had failures). Same settings, same seeds.
    @discardableResult
    public func retry(_ job: JobRecord, now: Date = Date()) throws -> ExecutionRecord {
        guard job.status.isFinished else { throw Refusal.notFinished(job: job.id, status: job.status) }
        let executions = try store.executions(jobID: job.id)
        guard let last = executions.last else { throw Refusal.nothingToRetry(job: job.id, reason: "it has no execution") }
        let items = try store.items(executionID: last.id)
        let failure = try last.failure.map { try JSONCoding.decode(StageFailure.self, from: $0) }
        let execution = last.repeated(number: last.number + 1, now: now)
        if items.isEmpty {
            // Failed before it had items: only a failure of the parameters stage can be run again.
            guard let failure, failure.stage == Stage.parameters.rawValue || failure.code == "cancelled" else {
                let reason = failure.map { "the manifest was rejected at \($0.stage) (\($0.code)); fix it and drop it again, or `dropforge jobs rerun \(job.id)` after fixing the config" }
                    ?? "it has no failed item"
                throw Refusal.nothingToRetry(job: job.id, reason: reason)
            }
            try store.addExecution(execution, items: [], priority: job.priority, now: now)
            return execution
        }
        let failedSteps = try store.steps(executionID: last.id).filter { $0.status == .failed && $0.itemID != nil }
        let retried = items.filter { $0.status == .failed }.map { item in
            checkpoint(of: item, failedIn: failedSteps.last { $0.itemID == item.id }?.stage, execution: last, now: now)
        }
        guard !retried.isEmpty else {
            throw Refusal.nothingToRetry(job: job.id, reason: "no item failed (rejected items wait in `dropforge review list`)")
        }
        try store.addExecution(execution, items: retried, priority: job.priority, now: now)
        return execution
    }

    /// New executions from the stored manifests with the current config and profiles, queued
    /// in the order given. The original executions and their folders are not touched.
    @discardableResult
    public func rerun(_ jobs: [JobRecord], now: Date = Date()) throws -> [ExecutionRecord] {
        if let busy = jobs.first(where: { !$0.status.isFinished }) {
            throw Refusal.notFinished(job: busy.id, status: busy.status)
        }
        // One priority for the batch, so the queue runs them in the order given.
        let priority = jobs.map(\.priority).max() ?? 1
        let resolver = ManifestResolver(layout: layout, config: config)
        return try jobs.enumerated().map { offset, job in
            let earlier = try store.executions(jobID: job.id)
            let number = (earlier.map(\.number).max() ?? 0) + 1
            var settings: JobSettings?
            var failure: StageFailure?
            do {
                settings = try resolver.resolve(data: job.manifest, fileName: job.sourceName)
            } catch let problems as ManifestProblems {
                failure = StageFailure(stage: "intake", code: problems.code, message: problems.description, at: now)
            } catch {
                failure = StageFailure(stage: "intake", code: .manifestUnreadable, message: "\(job.sourceName): \(error)", at: now)
            }
            let parent = earlier.last?.id
            // Later in the batch, later in time: the queue's tie-break keeps the order given.
            var execution = ExecutionRecord.make(jobID: job.id, number: number, parent: parent, settings: settings,
                                                 now: now.addingTimeInterval(Double(offset) / 1000))
            execution.failure = try failure.map { try JSONCoding.encode($0) }
            try store.addExecution(execution, items: [], priority: priority, now: execution.createdAt)
            return execution
        }
    }

    /// Removes a finished job: its rows in the store, its folders in the outbox (results,
    /// failures, review), its log and its work files. `index.jsonl` gains a `deleted` line per
    /// execution, so downstream tools can forget it too. Returns the paths removed.
    @discardableResult
    public func delete(_ job: JobRecord, now: Date = Date()) throws -> [String] {
        guard job.status.isFinished else { throw Refusal.notFinished(job: job.id, status: job.status) }
        let executions = try store.delete(jobID: job.id)
        var removed: [String] = []
        for execution in executions {
            for parent in [layout.results, layout.failures, layout.review, layout.work] {
                let folder = parent.appendingPathComponent(execution.id, isDirectory: true)
                if try FileSystem.removeByRename(folder, staging: layout.staging) { removed.append(layout.relativePath(folder)) }
            }
            try publisher.appendIndex(job: job.id, execution: execution.id, status: "deleted",
                                      path: execution.outboxPath, at: now)
        }
        for file in [layout.log(job: job.id), layout.processing.appendingPathComponent(job.claimFile)]
        where FileManager.default.fileExists(atPath: file.path) {
            try FileManager.default.removeItem(at: file)
            removed.append(layout.relativePath(file))
        }
        return removed
    }

    /// The item as it starts again: at the stage it failed in, when the earlier output is still
    /// there; else from the start.
    private func checkpoint(of item: ItemRecord, failedIn stage: Stage?, execution: ExecutionRecord, now: Date) -> ItemRecord {
        var next = item
        var stage = stage ?? .generate
        let image = item.imagePath.map { layout.resolve($0).path }
        // An item whose prompt could not be written starts with its prompt (its plan holds the draft).
        if stage != .parameters,
           stage == .export || image.map({ !FileManager.default.fileExists(atPath: $0) }) ?? true {
            stage = .generate
        }
        next.nextStage = stage
        next.status = switch stage {
        case .quality: .generated
        case .metadata: .checked
        default: .pending
        }
        let remade = stage == .parameters || stage == .generate
        if remade { next.imagePath = nil; next.dhash = nil; next.colorHash = nil }
        if remade || stage == .quality { next.qcStatus = nil; next.qcReason = nil; next.qcChecks = nil }
        next.metadata = nil
        next.attempts = 0
        next.lastError = nil
        next.updatedAt = now
        return next
    }
}
