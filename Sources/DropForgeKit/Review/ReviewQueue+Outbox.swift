import Foundation
import DropForgeCore
import DropForgeStore

/// How a review decision reaches the outbox: files move by rename, the files that list items
/// (`job.json`, `items.csv`/`.json`/`.xlsx`, `report.html`, `contact-sheet.png`) are replaced
/// by temp file + rename, and a folder that appears does so in one rename from staging.
extension ReviewQueue {
    /// Publishes `approved` (status approved, image at `imagePath`) into `results/<execution>/`,
    /// after the metadata stage when the execution runs it; records it; appends to `index.jsonl`.
    func publish(_ target: ReviewItem, as approved: ItemRecord, action: Outcome.Action, now: Date) throws -> Outcome {
        var item = approved
        let settings = try target.execution.settings.map { try JSONCoding.decode(JobSettings.self, from: $0) }
        let formats = Set(settings?.export.formats ?? [.png, .csv, .json])
        if target.execution.metadataEnabled, item.metadata == nil {
            guard case .described(let metadata, let path) = try runStage(.metadata, of: target, item, now) else {
                throw StepError.permanent(.metadataFailed, "the metadata stage described nothing")
            }
            item.metadata = metadata
            item.imagePath = path
        }
        guard let imagePath = item.imagePath else { throw ReviewRefusal.notWaiting(item: name(target), why: "it has no image") }
        let source = layout.resolve(imagePath)
        let stem = itemFileStem(item.index)
        let results = resultsFolder(target)
        let publishedImage = results.appendingPathComponent("images/\(stem).png")
        item.imagePath = formats.contains(.png) ? layout.relativePath(publishedImage) : nil
        let items = try itemsReplacing(item, in: target)
        var publication: ReviewPublication?

        if exists(results) {
            let images = results.appendingPathComponent("images", isDirectory: true)
            try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
            if formats.contains(.png) { try FileSystem.rename(source, to: publishedImage) }
            _ = try rewrite(results, summary: try readSummary(in: results), items: items, settings: settings, formats: nil,
                                  sidecarOf: item.index)
        } else {
            // qc_rejected_all: the execution gets its results folder, built beside it and renamed
            // into place, and leaves failures/.
            let failures = failuresFolder(target)
            var summary = try readSummary(in: failures)
            summary.status = .completed
            summary.error = nil
            try publisher.publishFolder(named: target.execution.id, into: layout.results) { folder in
                let manifest = "manifest.\(target.job.manifestExt)"
                if exists(failures.appendingPathComponent(manifest)) {
                    try FileSystem.linkOrCopy(failures.appendingPathComponent(manifest), to: folder.appendingPathComponent(manifest))
                } else {
                    try FileSystem.writeAtomically(target.job.manifest, to: folder.appendingPathComponent(manifest))
                }
                let images = folder.appendingPathComponent("images", isDirectory: true)
                try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
                if formats.contains(.png) { try FileSystem.linkOrCopy(source, to: images.appendingPathComponent("\(stem).png")) }
                _ = try rewrite(folder, summary: summary, items: items, settings: settings, formats: formats,
                                sidecarOf: item.index)
            }
            try FileSystem.removeByRename(failures, staging: layout.staging)
            publication = ReviewPublication(status: .completed, outboxPath: layout.relativePath(results))
        }
        // What is left of the item in review (its sidecar; the image when it was copied or replaced).
        for file in reviewFiles(target) { try FileSystem.removeByRename(file, staging: layout.staging) }
        if source.path.hasPrefix(layout.work.path) { unlink(source.path) }
        try record(item, replacing: target.item, publication: publication, now: now)
        removeReviewFolderIfEmpty(target)
        let path = layout.relativePath(results)
        try publisher.appendIndex(job: target.job.id, execution: target.execution.id, status: .completed, path: path, at: now)
        log.record(.info, job: target.job.id, execution: target.execution.id, item: item.index + 1,
                   event: "review_\(action.rawValue)", message: "\(action.rawValue) in review: \(name(target)) published in \(path)")
        return outcome(target, item, action: action, folder: path)
    }

    /// A retry that failed QC again: the item stays in review with the new verdict, and with the
    /// new image when one was made.
    func keepInReview(_ target: ReviewItem, as rejected: ItemRecord, now: Date) throws -> Outcome {
        var item = rejected
        let review = reviewFile(target)
        if let path = item.imagePath, layout.resolve(path).path != review.path {
            try FileSystem.rename(layout.resolve(path), to: review)
        }
        item.imagePath = layout.relativePath(review)
        let items = try itemsReplacing(item, in: target)
        let settings = try target.execution.settings.map { try JSONCoding.decode(JobSettings.self, from: $0) }
        var sidecar = try ItemSummary.make(from: item, provider: settings?.generate.provider ?? "local")
        sidecar.file = "\(itemFileStem(item.index)).png"
        try writeJSON(sidecar, to: reviewFolder(target).appendingPathComponent("\(itemFileStem(item.index)).json"))
        let folder = try rewritePublished(target, items: items)
        try record(item, replacing: target.item, publication: nil, now: now)
        try appendIndex(target, folder: folder, now: now)
        log.record(.warning, job: target.job.id, execution: target.execution.id, item: item.index + 1,
                   event: "review_retried", message: "still rejected in review: \(name(target)): \(item.qcReason ?? "")")
        return outcome(target, item, action: .rejected, folder: folder)
    }

    /// Rewrites the execution's published folder (results or failures) for `items`; returns its
    /// path relative to the root, nil when it is gone.
    func rewritePublished(_ target: ReviewItem, items: [ItemRecord]) throws -> String? {
        guard let path = target.execution.outboxPath else { return nil }
        let folder = layout.resolve(path)
        guard exists(folder.appendingPathComponent("job.json")) else { return nil }
        let settings = try target.execution.settings.map { try JSONCoding.decode(JobSettings.self, from: $0) }
        _ = try rewrite(folder, summary: try readSummary(in: folder), items: items, settings: settings, formats: nil,
                        sidecarOf: nil)
        return path
    }

    func appendIndex(_ target: ReviewItem, folder: String?, now: Date) throws {
        guard let folder else { return }
        try publisher.appendIndex(job: target.job.id, execution: target.execution.id, status: target.execution.status,
                                  path: folder, at: now)
    }

    /// The execution's items from the store, with `item` in place of its stored row.
    func itemsReplacing(_ item: ItemRecord, in target: ReviewItem) throws -> [ItemRecord] {
        try store.items(executionID: target.execution.id).map { $0.id == item.id ? item : $0 }
    }

    func readSummary(in folder: URL) throws -> JobSummary {
        try JSONCoding.decode(JobSummary.self, from: Data(contentsOf: folder.appendingPathComponent("job.json")))
    }

    /// Writes `job.json` for `items` into `folder` (keeping what the export stage wrote about
    /// the execution: timings, settings, card), the item lists the folder has — or, when
    /// `formats` is given (a folder being built), those the formats ask for — the approved
    /// item's sidecar `images/NNNN.json` when `sidecarOf` names it, and the report.
    func rewrite(_ folder: URL, summary old: JobSummary, items: [ItemRecord], settings: JobSettings?,
                 formats: Set<JobSettings.ExportFormat>?, sidecarOf index: Int?) throws -> JobSummary {
        let described = try items.map { try ItemSummary.make(from: $0, provider: settings?.generate.provider ?? "local") }
        var summary = old
        summary.items = zip(items, described).map { record, made in
            var entry = made
            let previous = old.items.first { $0.item == entry.item }
            // The calls were counted by the execution's steps when it was exported.
            entry.usage = previous?.usage
            if previous?.status == record.status {
                entry.file = previous?.file
            } else if record.status == .approved {
                entry.file = "images/\(itemFileStem(record.index)).png"
            }
            return entry
        }
        summary.counts = JobSummary.Counts(items: items)
        if let index, let entry = summary.items.first(where: { $0.item == index + 1 }) {
            try writeJSON(entry, to: folder.appendingPathComponent("images/\(itemFileStem(index)).json"))
        }
        try writeJSON(summary, to: folder.appendingPathComponent("job.json"))
        func wanted(_ file: String, _ format: JobSettings.ExportFormat) -> Bool {
            formats.map { $0.contains(format) } ?? exists(folder.appendingPathComponent(file))
        }
        if wanted("items.json", .json) { try writeJSON(summary.items, to: folder.appendingPathComponent("items.json")) }
        if wanted("items.csv", .csv) {
            try FileSystem.writeAtomically(Data(CSVWriter.items(summary.items).utf8), to: folder.appendingPathComponent("items.csv"))
        }
        if wanted("items.xlsx", .xlsx) {
            try JobExport(summary: summary).writeWorkbook(to: folder.appendingPathComponent("items.xlsx"))
        }
        let review = reviewFolder(of: summary.execution)
        try JobReport.write(summary: summary, into: folder, reviewFolder: exists(review) ? review : nil, limits: config.limits)
        return summary
    }

    func reviewFolder(of execution: String) -> URL {
        layout.review.appendingPathComponent(execution, isDirectory: true)
    }

    func writeJSON<T: Encodable>(_ value: T, to url: URL) throws {
        var data = try JSONCoding.encode(value, pretty: true)
        data.append(0x0A)
        try FileSystem.writeAtomically(data, to: url)
    }
}
