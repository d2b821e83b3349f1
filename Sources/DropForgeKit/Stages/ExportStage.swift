import Foundation
import DropForgeCore
import DropForgeStore

/// Stage 5, once per execution when all its items are terminal: publishes the outbox folders
/// (DESIGN §1). Approved items go to `results/<execution>/`, rejected ones to
/// `review/<execution>/`; an execution with no approved item — or that failed before it had
/// items — goes to `failures/<execution>/` with `error.json`. Each folder appears by one rename.
public struct ExportStage: StageRunner {
    public let stage = Stage.export
    let layout: RootLayout
    let store: JobReader
    let log: EventLog
    let publisher: OutboxPublisher
    let maxAttempts: Int
    let cards: CardExport
    let prices: [String: ModelPrice]

    public init(layout: RootLayout, store: JobReader, log: EventLog, maxAttempts: Int, limits: Limits = Limits(),
                prices: [String: ModelPrice] = [:]) {
        self.prices = prices
        self.layout = layout
        self.store = store
        self.log = log
        self.maxAttempts = maxAttempts
        publisher = OutboxPublisher(layout: layout)
        cards = CardExport(layout: layout, limits: limits)
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        do {
            return try publish(lease, failing: nil)
        } catch {
            let stepError = StepError.classify(error)
            if stepError.isTransient && lease.step.attempts < maxAttempts { throw error }
            // Last resort: every manifest must still end as a folder in the outbox.
            let failure = StageFailure(stage: "export", code: .exportFailed,
                                       message: "cannot publish the results: \(stepError.message)", attempts: lease.step.attempts)
            return try publish(lease, failing: failure)
        }
    }

    /// Everything one publication writes, gathered before any file is written.
    private struct Publication {
        var job: JobRecord
        var execution: ExecutionRecord
        var settings: JobSettings?
        var items: [ItemRecord]
        /// `job.json`, with each item's published `file` set.
        var summary: JobSummary
        var failure: StageFailure?
        var status: JobStatus
        var isCard: Bool
        /// Items of a cancelled execution whose images are published anyway (partial work).
        var partial: [Int]
        /// On the last-resort path only `failures/` with `error.json` is written.
        var lastResort: Bool

        var formats: Set<JobSettings.ExportFormat> { Set(settings?.export.formats ?? [.png, .csv, .json]) }
    }

    /// Publishes the execution; `failing` publishes only `failures/<execution>/` with that error.
    private func publish(_ lease: StepLease, failing: StageFailure?) throws -> StepOutcome {
        var publication = try gather(lease, failing: failing)
        if publication.summary.counts.rejected > 0 { try publishReview(publication) }
        let parent = publication.failure == nil ? layout.results : layout.failures
        let republished = FileManager.default.fileExists(atPath: parent.appendingPathComponent(publication.execution.id).path)
        let destination = try publisher.publishFolder(named: publication.execution.id, into: parent) { folder in
            try copyManifest(of: publication.job, to: folder.appendingPathComponent("manifest.\(publication.job.manifestExt)"))
            if publication.failure != nil {
                try writeFailure(publication, into: folder)
            } else {
                try writeResults(&publication, into: folder)
            }
        }
        return try finish(publication, at: destination, republished: republished)
    }

    /// Reads the execution's items and decides its status and `job.json`.
    private func gather(_ lease: StepLease, failing: StageFailure?) throws -> Publication {
        let job = lease.job
        let execution = lease.execution
        let settings = execution.settings.flatMap { try? JSONCoding.decodeSettings(JobSettings.self, from: $0) }
        let items = failing == nil ? try store.items(executionID: execution.id) : []
        let steps = try store.steps(executionID: execution.id)
        let calls = steps.usageByItem()
        let described = try items.map {
            try ItemSummary.make(from: $0, provider: settings?.generate.provider ?? "local", calls: calls[$0.id] ?? [], prices: prices)
        }
        let counts = JobSummary.Counts(items: items)
        var failure = try failing ?? execution.failure.map { try JSONCoding.decode(StageFailure.self, from: $0) }
        if failure == nil {
            failure = StageFailure.noApprovedItem(counts: counts, items: items, steps: steps, executionID: execution.id)
        }
        let cancelled = execution.cancelledAt != nil && failing == nil
        let status: JobStatus = failure == nil ? .completed : cancelled ? .cancelled : .failed
        let isCard = job.kind == JobSettings.Kind.card.rawValue

        var published = described
        // A cancelled job keeps its partial work: every image made so far, rejected ones aside.
        let partial = cancelled ? items.indices.filter { items[$0].isPartialWork } : []
        for index in published.indices where (items[index].status == .approved && !isCard) || partial.contains(index) {
            published[index].file = ItemSummary.imageFile(of: items[index])
        }
        let summary = JobSummary(
            job: job.id, execution: execution.id, number: execution.number, parent: execution.parentID,
            name: job.name, kind: job.kind, manifest: job.sourceName, manifestID: job.manifestID, status: status,
            error: failure, counts: counts,
            qc: settings.map { QualitySummary(enabled: $0.quality.enabled, checks: $0.quality.checks.map(\.rawValue)) },
            items: published,
            timings: .init(created: execution.createdAt, started: steps.compactMap(\.startedAt).min(),
                           finished: Date(), stages: StepRecord.secondsByStage(steps)),
            usage: JobSummary.Usage(calls.values.flatMap { $0 }, prices: prices),
            settings: settings)
        return Publication(job: job, execution: execution, settings: settings, items: items, summary: summary,
                           failure: failure, status: status, isCard: isCard, partial: partial, lastResort: failing != nil)
    }

    /// `review/<execution>/`: each rejected item's image (or card) with its sidecar; an item
    /// dismissed in review has left it for good.
    private func publishReview(_ publication: Publication) throws {
        try publisher.publishFolder(named: publication.execution.id, into: layout.review) { folder in
            for (item, entry) in zip(publication.items, publication.summary.items) where item.status == .rejected && item.qcStatus != .dismissed {
                let stem = itemFileStem(item.index)
                let file = folder.appendingPathComponent("\(stem).png")
                if publication.isCard { try cards.writeReview(of: item, to: file) } else { try copyImage(of: item, to: file) }
                var sidecar = entry
                sidecar.file = "\(stem).png"
                try ItemLists.writeJSON(sidecar, to: folder.appendingPathComponent("\(stem).json"))
            }
        }
    }

    /// `failures/<execution>/`: `job.json`, `error.json`, a cancelled job's partial images and
    /// the report (not on the last-resort path: the report may be what failed).
    private func writeFailure(_ publication: Publication, into folder: URL) throws {
        try ItemLists.writeJSON(publication.summary, to: folder.appendingPathComponent("job.json"))
        if let failure = publication.failure { try ItemLists.writeJSON(failure, to: folder.appendingPathComponent("error.json")) }
        let items = publication.items
        if !publication.partial.isEmpty {
            try writeImages(of: publication.partial.map { (items[$0], publication.summary.items[$0]) }, into: folder, png: true)
        }
        if !publication.lastResort { try writeReport(publication, into: folder) }
    }

    /// `results/<execution>/`: the approved images (or the card's files), the lists the export
    /// formats ask for, `job.json` once it names every file, and the report.
    private func writeResults(_ publication: inout Publication, into folder: URL) throws {
        let formats = publication.formats
        if publication.isCard {
            // A card job has one item: the card; its files go in cards/ and job.json names them.
            for (index, item) in publication.items.enumerated() where item.status == .approved {
                let card = try cards.writeResults(of: item, formats: formats, into: folder)
                publication.summary.items[index].file = card.files.first
                publication.summary.card = card
            }
        } else {
            try writeImages(of: zip(publication.items, publication.summary.items).filter { $0.0.status == .approved },
                            into: folder, png: formats.contains(.png))
        }
        try ItemLists.write(publication.summary, formats: formats, isCard: publication.isCard, into: folder)
        try writeReport(publication, into: folder)
    }

    private func writeReport(_ publication: Publication, into folder: URL) throws {
        let review = publication.summary.counts.rejected > 0
            ? layout.review.appendingPathComponent(publication.execution.id, isDirectory: true) : nil
        try JobReport.write(summary: publication.summary, into: folder, reviewFolder: review, limits: cards.limits)
    }

    /// After the rename: the index line, the log line, and the claim and work files go.
    private func finish(_ publication: Publication, at destination: URL, republished: Bool) throws -> StepOutcome {
        let job = publication.job
        let execution = publication.execution
        let status = publication.status
        let counts = publication.summary.counts
        let relative = layout.relativePath(destination)
        if !(republished && publisher.indexHasLine(execution: execution.id, status: status)) {
            try publisher.appendIndex(job: job.id, execution: execution.id, status: status, path: relative, at: Date())
        }
        log.record(status == .completed ? .info : .error, job: job.id, execution: execution.id, stage: .export,
                   event: "published", message: "\(status.rawValue): \(relative) (\(counts.approved) approved, \(counts.rejected) rejected, \(counts.failed) failed)"
                       + (publication.failure.map { " — \($0.code): \($0.message)" } ?? ""))
        // The published folder has everything now; the claim and the work files can go.
        unlink(layout.processing.appendingPathComponent(job.claimFile).path)
        // Failed items keep their checkpoints for `jobs retry`; `jobs delete` removes them.
        if counts.failed == 0 { try? FileManager.default.removeItem(at: layout.workFolder(execution: execution.id)) }
        return .published(status: status, outboxPath: relative)
    }

    /// `images/NNNN.png` (unless `png` is off) and the sidecar `images/NNNN.json` of each item.
    private func writeImages(of entries: [(ItemRecord, ItemSummary)], into folder: URL, png: Bool) throws {
        let images = folder.appendingPathComponent("images", isDirectory: true)
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for (item, entry) in entries {
            if png { try copyImage(of: item, to: images.appendingPathComponent("\(itemFileStem(item.index)).png")) }
            try ItemLists.writeJSON(entry, to: images.appendingPathComponent("\(itemFileStem(item.index)).json"))
        }
    }

    private func copyImage(of item: ItemRecord, to destination: URL) throws {
        guard let path = item.imagePath else { return }
        try FileSystem.linkOrCopy(layout.resolve(path), to: destination)
    }

    /// The manifest as it was dropped: a copy of the bytes intake parsed, as the store keeps them —
    /// never a link to the claimed file, which a writer could still change. A manifest too big
    /// to be stored is copied from its claim file; a refused symlink has no manifest to publish.
    private func copyManifest(of job: JobRecord, to destination: URL) throws {
        if !job.manifest.isEmpty { return try FileSystem.writeAtomically(job.manifest, to: destination) }
        let claimed = layout.processing.appendingPathComponent(job.claimFile)
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: claimed.path),
              attributes[.type] as? FileAttributeType == .typeRegular else { return }
        try FileManager.default.copyItem(at: claimed, to: destination)
    }
}
