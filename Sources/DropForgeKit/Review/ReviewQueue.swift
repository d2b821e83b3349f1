import Foundation
import Logging
#if canImport(Glibc)
import Glibc
import DropForgeMedia
import DropForgeCore
import DropForgeStore
#endif

/// The review queue (DESIGN §1, §4): items that failed QC wait in `review/<execution>/` as
/// `NNNN.png` with their verdict `NNNN.json`. People decide on them here:
/// - approve: the image (metadata embedded, when the execution describes images) is published
///   into `results/<execution>/images/` by rename, `job.json` and the other files that list items
///   are replaced by rename, and `index.jsonl` gains a line. A `qc_rejected_all` execution —
///   published under `failures/` — gets its `results/` folder, built in staging and renamed into
///   place, and leaves `failures/`.
/// - dismiss (`review reject`): the item's files leave `review/` for good; it stays rejected.
/// - retry: QC again on the same image, or on a new one (`regenerate`); a pass publishes it
///   like an approval, a failure leaves it in review with the new verdict.
///
/// A command decides a batch: every item is prepared first, then each execution's items reach
/// the outbox together, so its `job.json`, lists, report and sheet are replaced once, and only
/// the decided items' files are read (see `ReviewQueue+Outbox`). Review commands take a lock
/// beside the store, so two of them never rewrite one `job.json` at once. Outbox files change first and the store records the decision after, the order the
/// export stage follows: downstream tools, which read the outbox, never see a half-made change.
public struct ReviewQueue: Sendable {
    /// One item waiting in review, as `review list` shows it.
    public struct Entry: Codable, Sendable, Equatable {
        /// `<execution>/NNNN`: what the other review commands take.
        public var item: String
        public var job: String
        public var execution: String
        public var number: Int
        public var kind: String
        /// The execution's status: `failed` when no item of it was approved (`qc_rejected_all`).
        public var executionStatus: JobStatus
        public var reason: String?
        public var prompt: String
        public var seed: UInt32
        /// `outbox/review/<execution>/NNNN.png`, relative to the root.
        public var file: String

        enum CodingKeys: String, CodingKey {
            case item, job, execution, number, kind, executionStatus = "execution_status", reason, prompt, seed, file
        }
    }

    /// What a review command did to one item.
    public struct Outcome: Codable, Sendable, Equatable {
        public enum Action: String, Codable, Sendable {
            /// `review approve`: published although QC rejected it.
            case approved
            /// `review reject`: out of review for good.
            case dismissed
            /// `review retry`: QC passed this time; published.
            case passed
            /// `review retry`: QC rejected it again; still in review.
            case rejected
        }

        public var item: String
        public var action: Action
        public var status: ItemStatus
        public var qcStatus: QCStatus?
        public var reason: String?
        public var seed: UInt32
        /// Where the image is now, relative to the root (nil once dismissed).
        public var file: String?
        /// The execution's outbox folder after the decision.
        public var folder: String?

        enum CodingKeys: String, CodingKey {
            case item, action, status, qcStatus = "qc_status", reason, seed, file, folder
        }
    }

    let layout: RootLayout
    let config: DropforgeConfig
    let store: JobStore
    let log: EventLog
    let publisher: OutboxPublisher
    let providers: ProviderRegistry

    /// `log` defaults to one that writes the job log (store and `outbox/logs/`) but prints nothing,
    /// so a command's `--json` output stays clean.
    public init(layout: RootLayout, config: DropforgeConfig, store: JobStore, log: EventLog? = nil) {
        self.layout = layout
        self.config = config
        self.store = store
        self.log = log ?? EventLog(store: store, layout: layout,
                                   logger: Logger(label: "dropforge.review") { _ in SwiftLogNoOpLogHandler() })
        publisher = OutboxPublisher(layout: layout)
        providers = ProviderRegistry(config: config, layout: layout)
    }

    // MARK: Listing

    /// Items waiting in review: rejected, not dismissed, their execution published and their
    /// image still in `review/<execution>/`. One job's only when `jobID` is set.
    public func waiting(jobID: String? = nil) throws -> [Entry] {
        try store.reviewItems(jobID: jobID).compactMap { target in
            let file = reviewFile(target)
            guard FileManager.default.fileExists(atPath: file.path) else { return nil }
            let plan = try? JSONCoding.decode(ItemPlan.self, from: target.item.plan)
            return Entry(item: name(target), job: target.job.id, execution: target.execution.id,
                         number: target.item.index + 1, kind: target.job.kind, executionStatus: target.execution.status,
                         reason: target.item.qcReason, prompt: plan?.prompt ?? "", seed: plan?.seed ?? 0,
                         file: layout.relativePath(file))
        }
    }

    /// The item `reference` names (see ``ReviewReference``), whatever its status.
    public func find(_ reference: String) throws -> ReviewItem {
        guard let parsed = ReviewReference(reference) else { throw ReviewRefusal.badReference(reference) }
        let index = parsed.number - 1
        if let found = try store.reviewItem(executionID: parsed.execution, index: index) { return found }
        let executions = Set(try store.reviewItems(jobID: nil).map(\.execution.id)).filter { $0.hasPrefix(parsed.execution) }
        if executions.count == 1, let found = try store.reviewItem(executionID: executions.first!, index: index) {
            return found
        }
        throw ReviewRefusal.notFound(reference)
    }

    // MARK: Decisions

    /// What a batch decided for one of the items it was given: the outcome, or why it was
    /// refused or failed (the other items are decided all the same).
    public struct Decision: Sendable {
        public var reference: String
        public var result: Result<Outcome, any Error>
    }

    /// Publishes rejected items into `results/<execution>/` (see the type's documentation).
    /// Each item's QC status becomes `approved` and its reason keeps what QC said.
    public func approve(_ references: [String], now: Date = Date()) throws -> [Decision] {
        try decide(references, now: now) { target in
            try requirePublishable(target)
            var item = target.item
            item.status = .approved
            item.qcStatus = .approved
            item.qcReason = "approved in review; QC said: \(target.item.qcReason ?? "rejected")"
            item.imagePath = layout.relativePath(reviewFile(target))
            return try described(ReviewChange(target: target, item: item, action: .approved), now: now)
        }
    }

    /// Dismisses rejected items for good: their files leave `review/<execution>/` (renamed away,
    /// then deleted), their QC status becomes `dismissed`, and the execution's `job.json` and
    /// report say so. Approved items are refused: what is in `results/` stays published.
    public func dismiss(_ references: [String], now: Date = Date()) throws -> [Decision] {
        try decide(references, now: now) { target in
            if target.item.status == .approved {
                throw ReviewRefusal.notWaiting(item: name(target), why: "it is approved and published in \(target.execution.outboxPath ?? "results/"); published items are not taken back (downstream tools may have read them)")
            }
            try requireWaiting(target)
            var item = target.item
            item.qcStatus = .dismissed
            item.qcReason = "dismissed in review; QC said: \(target.item.qcReason ?? "rejected")"
            item.imagePath = nil
            return ReviewChange(target: target, item: item, action: .dismissed)
        }
    }

    /// Runs QC again on each item — on its image in review (which may have been fixed by hand:
    /// its hashes are taken afresh), or with `regenerate` on a new image made with `seed` (a
    /// random one when nil) by the execution's provider. A pass publishes it like an approval
    /// (after the metadata stage, when the execution runs it); a failure leaves it in review with
    /// the new verdict (and the new image).
    public func retry(_ references: [String], regenerate: Bool, seed: UInt32? = nil, now: Date = Date()) throws -> [Decision] {
        try decide(references, now: now) { target in
            try requirePublishable(target)
            var item = target.item
            item.imagePath = layout.relativePath(reviewFile(target))
            // The image may have been fixed by hand in review/: its hashes are taken afresh.
            if let pixels = try? PNGCodec.decode(Data(contentsOf: reviewFile(target)), limits: config.limits.pngLimits).image {
                item.dhash = Int64(bitPattern: ImageAnalysis.differenceHash(pixels))
                item.colorHash = Int64(bitPattern: ImageAnalysis.colorSignature(pixels))
            }
            if regenerate {
                var plan = try JSONCoding.decode(ItemPlan.self, from: item.plan)
                plan.seed = seed ?? UInt32.random(in: 0...UInt32.max)
                item.plan = try JSONCoding.encode(plan)
                guard case .generated(let path, let dhash, let colorHash) = try runStage(.generate, of: target, item, now) else {
                    throw StepError.permanent(.generateFailed, "the generate stage made no image")
                }
                item.imagePath = path
                item.dhash = dhash
                item.colorHash = colorHash
                item.metadata = nil
            }
            guard case .checked(let passed, let reason, let checks) = try runStage(.quality, of: target, item, now) else {
                throw StepError.permanent(.qualityFailed, "the quality stage gave no verdict")
            }
            item.qcReason = reason
            item.qcChecks = checks
            item.attempts += 1
            guard passed else {
                item.qcStatus = .rejected
                return ReviewChange(target: target, item: item, action: .rejected)
            }
            item.status = .approved
            item.qcStatus = .passed
            return try described(ReviewChange(target: target, item: item, action: .passed), now: now)
        }
    }

    /// One item: `approve([reference])`, its outcome or its error.
    @discardableResult
    public func approve(_ reference: String, now: Date = Date()) throws -> Outcome {
        try approve([reference], now: now)[0].result.get()
    }

    /// One item: `dismiss([reference])`, its outcome or its error.
    @discardableResult
    public func dismiss(_ reference: String, now: Date = Date()) throws -> Outcome {
        try dismiss([reference], now: now)[0].result.get()
    }

    /// One item: `retry([reference], …)`, its outcome or its error.
    @discardableResult
    public func retry(_ reference: String, regenerate: Bool, seed: UInt32? = nil, now: Date = Date()) throws -> Outcome {
        try retry([reference], regenerate: regenerate, seed: seed, now: now)[0].result.get()
    }

    /// Decides a batch under the review lock: `prepare` makes each item's change (refusing it, or
    /// running the stages it needs), then each execution's changes reach the outbox and the
    /// store together (`apply`): its files are moved, its lists, report and contact sheet are
    /// replaced once whatever the number of items, and `index.jsonl` gains one line. So a
    /// decision costs what it changes, not the size of the job.
    func decide(_ references: [String], now: Date, _ prepare: (ReviewItem) throws -> ReviewChange) throws -> [Decision] {
        try withLock {
            var results = [Result<Outcome, any Error>?](repeating: nil, count: references.count)
            var changes: [(position: Int, change: ReviewChange)] = []
            for (position, reference) in references.enumerated() {
                do {
                    let target = try find(reference)
                    if changes.contains(where: { $0.change.target.item.id == target.item.id }) {
                        throw ReviewRefusal.notWaiting(item: name(target), why: "it is named twice; it was decided once")
                    }
                    changes.append((position, try prepare(target)))
                } catch {
                    results[position] = .failure(error)
                }
            }
            var executions: [String] = []
            for entry in changes where !executions.contains(entry.change.target.execution.id) {
                executions.append(entry.change.target.execution.id)
            }
            for execution in executions {
                let group = changes.filter { $0.change.target.execution.id == execution }
                do {
                    for (entry, outcome) in zip(group, try apply(group.map(\.change), now: now)) {
                        results[entry.position] = .success(outcome)
                    }
                } catch {
                    for entry in group { results[entry.position] = .failure(error) }
                }
            }
            return zip(references, results).map { Decision(reference: $0, result: $1!) }
        }
    }

    /// `change` after the metadata stage, when its execution runs it and the item has none yet:
    /// the image to publish is then the one with its metadata embedded.
    func described(_ change: ReviewChange, now: Date) throws -> ReviewChange {
        var change = change
        guard change.target.execution.metadataEnabled, change.item.metadata == nil else { return change }
        guard case .described(let metadata, let path) = try runStage(.metadata, of: change.target, change.item, now) else {
            throw StepError.permanent(.metadataFailed, "the metadata stage described nothing")
        }
        change.item.metadata = metadata
        change.item.imagePath = path
        return change
    }

    // MARK: Checks

    /// An image item waiting in review, in an execution QC alone kept from `results/`: what
    /// approve and retry may publish.
    func requirePublishable(_ target: ReviewItem) throws {
        try requireWaiting(target)
        try requireImages(target)
        try requireApprovable(target)
    }

    func requireWaiting(_ target: ReviewItem) throws {
        let item = name(target)
        switch (target.item.status, target.item.qcStatus) {
        case (.rejected, .dismissed):
            throw ReviewRefusal.notWaiting(item: item, why: "it was dismissed")
        case (.rejected, _):
            break
        case (.approved, _):
            throw ReviewRefusal.notWaiting(item: item, why: "it is approved (\(target.execution.outboxPath ?? "results"))")
        case (let status, _):
            throw ReviewRefusal.notWaiting(item: item, why: "it is \(status.rawValue), not rejected by QC")
        }
        guard target.execution.outboxPath != nil else {
            throw ReviewRefusal.notWaiting(item: item, why: "its job is still running")
        }
        guard FileManager.default.fileExists(atPath: reviewFile(target).path) else {
            throw ReviewRefusal.notWaiting(item: item, why: "\(layout.relativePath(reviewFile(target))) is missing")
        }
    }

    func requireImages(_ target: ReviewItem) throws {
        if target.job.kind == JobSettings.Kind.card.rawValue { throw ReviewRefusal.cardItem(item: name(target)) }
    }

    /// Only what QC alone kept from `results/` can be published: a completed execution, or one
    /// that failed because every item was rejected (`qc_rejected_all`).
    func requireApprovable(_ target: ReviewItem) throws {
        let execution = target.execution
        if execution.cancelledAt != nil {
            throw ReviewRefusal.notApprovable(item: name(target), why: "its execution was cancelled")
        }
        if execution.status == .completed, exists(resultsFolder(target)) { return }
        if execution.status == .failed, execution.failure == nil, exists(failuresFolder(target)) { return }
        let code = (try? execution.failure.map { try JSONCoding.decode(StageFailure.self, from: $0) })??.code
        throw ReviewRefusal.notApprovable(item: name(target), why: "its execution \(execution.status.rawValue)"
            + (code.map { " (\($0))" } ?? "") + " for another reason than quality checks")
    }

    // MARK: Helpers

    /// `<execution>/NNNN`.
    func name(_ target: ReviewItem) -> String {
        "\(target.execution.id)/\(itemFileStem(target.item.index))"
    }

    func reviewFolder(_ target: ReviewItem) -> URL {
        layout.review.appendingPathComponent(target.execution.id, isDirectory: true)
    }

    func reviewFile(_ target: ReviewItem) -> URL {
        reviewFolder(target).appendingPathComponent("\(itemFileStem(target.item.index)).png")
    }

    /// The image, its sidecar and (card items) the card JSON.
    func reviewFiles(_ target: ReviewItem) -> [URL] {
        let stem = itemFileStem(target.item.index)
        return ["png", "json", "card.json"].map { reviewFolder(target).appendingPathComponent("\(stem).\($0)") }
            .filter(exists)
    }

    func resultsFolder(_ target: ReviewItem) -> URL {
        layout.results.appendingPathComponent(target.execution.id, isDirectory: true)
    }

    func failuresFolder(_ target: ReviewItem) -> URL {
        layout.failures.appendingPathComponent(target.execution.id, isDirectory: true)
    }

    func exists(_ url: URL) -> Bool { FileManager.default.fileExists(atPath: url.path) }

    func removeReviewFolderIfEmpty(_ target: ReviewItem) {
        let folder = reviewFolder(target)
        if (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.isEmpty == true {
            rmdir(folder.path)
        }
    }

    func outcome(_ target: ReviewItem, _ item: ItemRecord, action: Outcome.Action, folder: String?) -> Outcome {
        let plan = try? JSONCoding.decode(ItemPlan.self, from: item.plan)
        return Outcome(item: name(target), action: action, status: item.status, qcStatus: item.qcStatus,
                       reason: item.qcReason, seed: plan?.seed ?? 0, file: item.imagePath, folder: folder)
    }

    func record(_ item: ItemRecord, replacing original: ItemRecord, publication: ReviewPublication?, now: Date) throws {
        guard try store.recordReview(item, replacing: original, publication: publication, now: now) else {
            throw ReviewRefusal.changedMeanwhile(item: "\(item.executionID)/\(itemFileStem(item.index))")
        }
    }

    /// Runs one stage for `item` here and now, on a lease the store never handed out: a review
    /// command redoes the step on the spot instead of queueing it for the engine.
    func runStage(_ stage: Stage, of target: ReviewItem, _ item: ItemRecord, _ now: Date) throws -> StepOutcome {
        let runner: StageRunner
        switch stage {
        case .generate: runner = GenerateStage(layout: layout, providers: providers)
        case .quality: runner = QualityStage(layout: layout, store: store, limits: config.limits.pngLimits, providers: providers)
        case .metadata: runner = MetadataStage(layout: layout, providers: providers)
        case .parameters, .export: throw StepError.permanent(.error, "review does not run the \(stage.rawValue) stage")
        }
        return try runner.run(lease(target, item, stage, now))
    }

    func lease(_ target: ReviewItem, _ item: ItemRecord, _ stage: Stage, _ now: Date) -> StepLease {
        let step = StepRecord(id: nil, executionID: target.execution.id, itemID: item.id, stage: stage, status: .leased,
                              priority: target.job.priority, attempts: 1, notBefore: now, leaseOwner: nil,
                              leaseExpires: nil, createdAt: now, startedAt: now, finishedAt: nil, lastError: nil)
        return StepLease(step: step, job: target.job, execution: target.execution, item: item)
    }

    /// Serialises review commands on a root: each reads and replaces whole `job.json` files.
    func withLock<T>(_ body: () throws -> T) throws -> T {
        try FileManager.default.createDirectory(at: layout.state, withIntermediateDirectories: true)
        return try LockFile.withLock(at: layout.state.appendingPathComponent("review.lock").path, body)
    }
}
