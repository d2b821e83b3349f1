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

    /// Publishes the execution; `failing` publishes only `failures/<execution>/` with that error.
    private func publish(_ lease: StepLease, failing: StageFailure?) throws -> StepOutcome {
        let job = lease.job
        let execution = lease.execution
        let settings = execution.settings.flatMap { try? JSONCoding.decode(JobSettings.self, from: $0) }
        let items = failing == nil ? try store.items(executionID: execution.id) : []
        let described = try items.map { try ItemSummary.make(from: $0, provider: settings?.generate.provider ?? "local", prices: prices) }
        let summaries = described.map(\.summary)
        let counts = JobSummary.Counts(items: items)
        var failure = try failing ?? execution.failure.map { try JSONCoding.decode(StageFailure.self, from: $0) }
        if failure == nil {
            failure = StageFailure.noApprovedItem(counts: counts, items: items, executionID: execution.id)
        }
        let cancelled = execution.cancelledAt != nil && failing == nil
        let status: JobStatus = failure == nil ? .completed : cancelled ? .cancelled : .failed
        let isCard = job.kind == JobSettings.Kind.card.rawValue

        if counts.rejected > 0 {
            try publisher.publishFolder(named: execution.id, into: layout.review) { folder in
                for (item, entry) in zip(items, summaries) where item.status == .rejected {
                    let file = folder.appendingPathComponent("\(itemFileStem(item.index)).png")
                    if isCard { try cards.writeReview(of: item, to: file) } else { try copyImage(of: item, to: file) }
                    var sidecar = entry
                    sidecar.file = "\(itemFileStem(item.index)).png"
                    try write(sidecar, to: folder.appendingPathComponent("\(itemFileStem(item.index)).json"))
                }
            }
        }

        let steps = try store.steps(executionID: execution.id)
        var published = summaries
        // A cancelled job keeps its partial work: every image made so far, rejected ones aside.
        let partial = cancelled ? Set(items.indices.filter { items[$0].status != .rejected && items[$0].imagePath != nil }) : []
        for index in published.indices where (items[index].status == .approved && !isCard) || partial.contains(index) {
            published[index].file = "images/\(itemFileStem(items[index].index)).png"
        }
        var jobSummary = JobSummary(
            job: job.id, execution: execution.id, number: execution.number, parent: execution.parentID,
            name: job.name, kind: job.kind, manifest: job.sourceName, manifestID: job.manifestID, status: status,
            error: failure, counts: counts,
            qc: settings.map { QualitySummary(enabled: $0.quality.enabled, checks: $0.quality.checks.map(\.rawValue)) },
            items: published,
            timings: .init(created: execution.createdAt, started: steps.compactMap(\.startedAt).min(),
                           finished: Date(), stages: StepRecord.secondsByStage(steps)),
            usage: JobSummary.Usage(described.flatMap(\.usage), prices: prices),
            settings: settings)

        let parent = failure == nil ? layout.results : layout.failures
        let reviewFolder = counts.rejected > 0 ? layout.review.appendingPathComponent(execution.id, isDirectory: true) : nil
        let destination = try publisher.publishFolder(named: execution.id, into: parent) { folder in
            try copyManifest(of: job, to: folder.appendingPathComponent("manifest.\(job.manifestExt)"))
            try write(jobSummary, to: folder.appendingPathComponent("job.json"))
            if let failure {
                try write(failure, to: folder.appendingPathComponent("error.json"))
                if !partial.isEmpty { try writeImages(of: partial.sorted().map { (items[$0], published[$0]) }, into: folder, png: true) }
                // Not on the last-resort path: the report may be what failed.
                if failing == nil {
                    try JobReport.write(summary: jobSummary, into: folder, reviewFolder: reviewFolder, limits: cards.limits)
                }
                return
            }
            let formats = Set(settings?.export.formats ?? [.png, .csv, .json])
            if isCard {
                // A card job has one item: the card; its files go in cards/ and job.json names them.
                for (index, item) in items.enumerated() where item.status == .approved {
                    let card = try cards.writeResults(of: item, formats: formats, into: folder)
                    published[index].file = card.files.first
                    jobSummary.card = card
                }
                jobSummary.items = published
                try write(jobSummary, to: folder.appendingPathComponent("job.json"))
                try writeLists(published, formats: formats, into: folder)
                try JobReport.write(summary: jobSummary, into: folder, reviewFolder: reviewFolder, limits: cards.limits)
                return
            }
            try writeImages(of: zip(items, published).filter { $0.0.status == .approved }, into: folder,
                            png: formats.contains(.png))
            if formats.contains(.csv) {
                try FileSystem.writeAtomically(Data(CSVWriter.items(published).utf8), to: folder.appendingPathComponent("items.csv"))
            }
            if formats.contains(.xlsx) {
                try JobExport(summary: jobSummary).writeWorkbook(to: folder.appendingPathComponent("items.xlsx"))
            }
            try writeLists(published, formats: formats, into: folder)
            try JobReport.write(summary: jobSummary, into: folder, reviewFolder: reviewFolder, limits: cards.limits)
        }
        let relative = layout.relativePath(destination)
        try publisher.appendIndex(job: job.id, execution: execution.id, status: status, path: relative, at: Date())
        log.record(status == .completed ? .info : .error, job: job.id, execution: execution.id, stage: .export,
                   event: "published", message: "\(status.rawValue): \(relative) (\(counts.approved) approved, \(counts.rejected) rejected, \(counts.failed) failed)"
                       + (failure.map { " — \($0.code): \($0.message)" } ?? ""))
        // The published folder has everything now; the claim and the work files can go.
        unlink(layout.processing.appendingPathComponent(job.claimFile).path)
        // Failed items keep their checkpoints for `jobs retry`; `jobs delete` removes them.
        if counts.failed == 0 { try? FileManager.default.removeItem(at: layout.workFolder(execution: execution.id)) }
        return .published(status: status, outboxPath: relative)
    }

    /// `items.json` and `items.yaml`: the items of `job.json`, for tools that want only them.
    private func writeLists(_ items: [ItemSummary], formats: Set<JobSettings.ExportFormat>, into folder: URL) throws {
        if formats.contains(.json) { try write(items, to: folder.appendingPathComponent("items.json")) }
        if formats.contains(.yaml) {
            try FileSystem.writeAtomically(Data(try YAMLCoding.encode(items).utf8), to: folder.appendingPathComponent("items.yaml"))
        }
    }

    /// `images/NNNN.png` (unless `png` is off) and the sidecar `images/NNNN.json` of each item.
    private func writeImages(of entries: [(ItemRecord, ItemSummary)], into folder: URL, png: Bool) throws {
        let images = folder.appendingPathComponent("images", isDirectory: true)
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        for (item, entry) in entries {
            if png { try copyImage(of: item, to: images.appendingPathComponent("\(itemFileStem(item.index)).png")) }
            try write(entry, to: images.appendingPathComponent("\(itemFileStem(item.index)).json"))
        }
    }

    private func copyImage(of item: ItemRecord, to destination: URL) throws {
        guard let path = item.imagePath else { return }
        try FileSystem.linkOrCopy(layout.resolve(path), to: destination)
    }

    /// The manifest as it was dropped: the claimed file while it exists, else the stored copy.
    private func copyManifest(of job: JobRecord, to destination: URL) throws {
        let claimed = layout.processing.appendingPathComponent(job.claimFile)
        if FileManager.default.fileExists(atPath: claimed.path) {
            try FileSystem.linkOrCopy(claimed, to: destination)
        } else {
            try FileSystem.writeAtomically(job.manifest, to: destination)
        }
    }

    private func write<T: Encodable>(_ value: T, to url: URL) throws {
        var data = try JSONCoding.encode(value, pretty: true)
        data.append(0x0A)
        try FileSystem.writeAtomically(data, to: url)
    }
}
