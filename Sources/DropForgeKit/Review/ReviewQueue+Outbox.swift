import Foundation
import DropForgeCore
import DropForgeStore

/// How review decisions reach the outbox: files move by rename, the files that list items
/// (`job.json`, `items.*`, `report.html`, `contact-sheet.png`) are replaced by temp file +
/// rename, once per execution and command, and a folder that appears does so in one rename from
/// staging. Only the decided items' files are read: the other items' entries come from the
/// store, and the contact sheet is the old one with the decided cells drawn again.
extension ReviewQueue {
    /// Applies `changes` — all of one execution — to the outbox, then records them and appends
    /// one line to `index.jsonl`. Returns each change's outcome, in order.
    func apply(_ changes: [ReviewChange], now: Date) throws -> [Outcome] {
        let target = changes[0].target
        let settings = try target.execution.settings.map { try JSONCoding.decodeSettings(JobSettings.self, from: $0) }
        let formats = Set(settings?.export.formats ?? [.png, .csv, .json])
        let results = resultsFolder(target)
        var decided = changes
        // Where each published image comes from; its record names where it goes.
        var sources: [Int: URL] = [:]
        for index in decided.indices where decided[index].publishes {
            guard let path = decided[index].item.imagePath else {
                throw ReviewRefusal.notWaiting(item: name(decided[index].target), why: "it has no image")
            }
            sources[decided[index].item.index] = layout.resolve(path)
            decided[index].item.imagePath = formats.contains(.png)
                ? layout.relativePath(results.appendingPathComponent("images/\(itemFileStem(decided[index].item.index)).png")) : nil
        }
        let items = try store.items(executionID: target.execution.id).map { row in
            decided.first { $0.item.id == row.id }?.item ?? row
        }
        for index in decided.indices where decided[index].action == .rejected {
            decided[index].item.imagePath = try keepInReview(decided[index], settings: settings)
        }
        for change in decided where change.action == .dismissed {
            for file in reviewFiles(change.target) { try FileSystem.removeByRename(file, staging: layout.staging) }
        }

        var publication: ReviewPublication?
        var folder = target.execution.outboxPath.map(layout.resolve)
        if exists(results) {
            let images = results.appendingPathComponent("images", isDirectory: true)
            if !sources.isEmpty { try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true) }
            if formats.contains(.png) {
                for (index, source) in sources { try FileSystem.rename(source, to: images.appendingPathComponent("\(itemFileStem(index)).png")) }
            }
            try rewrite(results, summary: try readSummary(in: results), items: items, settings: settings, formats: formats,
                        changes: decided, previousSheet: results)
            folder = results
        } else if sources.isEmpty {
            if let published = folder, exists(published.appendingPathComponent("job.json")) {
                try rewrite(published, summary: try readSummary(in: published), items: items, settings: settings, formats: formats,
                            changes: decided, previousSheet: published)
            } else {
                folder = nil
            }
        } else {
            try publishResults(target, items: items, settings: settings, formats: formats, changes: decided, sources: sources)
            publication = ReviewPublication(status: .completed, outboxPath: layout.relativePath(results))
            folder = results
        }

        // What is left of published items in review (their sidecars; images copied or replaced).
        for change in decided where change.publishes {
            for file in reviewFiles(change.target) { try FileSystem.removeByRename(file, staging: layout.staging) }
            if let source = sources[change.item.index], source.path.hasPrefix(layout.work.path) { unlink(source.path) }
        }
        removeReviewFolderIfEmpty(target)
        for (position, change) in decided.enumerated() {
            try record(change.item, replacing: change.target.item, publication: position == 0 ? publication : nil, now: now)
        }
        let path = folder.map(layout.relativePath)
        if let path {
            try publisher.appendIndex(job: target.job.id, execution: target.execution.id,
                                      status: publication?.status ?? target.execution.status, path: path, at: now)
        }
        for change in decided { logDecision(change, folder: path) }
        return decided.map { outcome($0.target, $0.item, action: $0.action, folder: path) }
    }

    /// A `qc_rejected_all` execution with approved items gets its results folder, built beside
    /// it and renamed into place, and leaves `failures/`. Its sheet starts from the one in
    /// `failures/`, which shows the same items.
    func publishResults(_ target: ReviewItem, items: [ItemRecord], settings: JobSettings?, formats: Set<JobSettings.ExportFormat>,
                        changes: [ReviewChange], sources: [Int: URL]) throws {
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
            if formats.contains(.png) {
                for (index, source) in sources { try FileSystem.linkOrCopy(source, to: images.appendingPathComponent("\(itemFileStem(index)).png")) }
            }
            try rewrite(folder, summary: summary, items: items, settings: settings, formats: formats, changes: changes,
                        previousSheet: failures)
        }
        try FileSystem.removeByRename(failures, staging: layout.staging)
    }

    /// A retry that failed QC again: the item stays in review with the new verdict, and with the
    /// new image when one was made. Returns the image's path in review.
    func keepInReview(_ change: ReviewChange, settings: JobSettings?) throws -> String {
        let review = reviewFile(change.target)
        if let path = change.item.imagePath, layout.resolve(path).path != review.path {
            try FileSystem.rename(layout.resolve(path), to: review)
        }
        var item = change.item
        item.imagePath = layout.relativePath(review)
        var sidecar = try ItemSummary.make(from: item, provider: settings?.generate.provider ?? "local")
        sidecar.file = "\(itemFileStem(item.index)).png"
        try ItemLists.writeJSON(sidecar, to: reviewFolder(change.target).appendingPathComponent("\(itemFileStem(item.index)).json"))
        return layout.relativePath(review)
    }

    func logDecision(_ change: ReviewChange, folder: String?) {
        let (target, item) = (change.target, change.item)
        switch change.action {
        case .approved, .passed:
            log.record(.info, job: target.job.id, execution: target.execution.id, item: change.number, event: "review_\(change.action.rawValue)",
                       message: "\(change.action.rawValue) in review: \(name(target)) published in \(folder ?? "results/")")
        case .dismissed:
            log.record(.info, job: target.job.id, execution: target.execution.id, item: change.number,
                       event: "review_dismissed", message: "dismissed in review: \(name(target))")
        case .rejected:
            log.record(.warning, job: target.job.id, execution: target.execution.id, item: change.number,
                       event: "review_retried", message: "still rejected in review: \(name(target)): \(item.qcReason ?? "")")
        }
    }

    func readSummary(in folder: URL) throws -> JobSummary {
        try JSONCoding.decodeSettings(JobSummary.self, from: Data(contentsOf: folder.appendingPathComponent("job.json")))
    }

    /// Replaces, in `folder`, what lists the execution's items: `job.json` for `items` (keeping
    /// what the export stage wrote about the execution: timings, settings, card), the lists
    /// `formats` ask for, the sidecar `images/NNNN.json` of each published item of `changes`,
    /// and the report and contact sheet — the sheet redrawn only in the changed items' cells,
    /// over the one in `previousSheet` (the folder itself, or the one it replaces).
    func rewrite(_ folder: URL, summary old: JobSummary, items: [ItemRecord], settings: JobSettings?,
                 formats: Set<JobSettings.ExportFormat>, changes: [ReviewChange], previousSheet: URL) throws {
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
        for change in changes where change.publishes {
            if let entry = summary.items.first(where: { $0.item == change.number }) {
                try ItemLists.writeJSON(entry, to: folder.appendingPathComponent("images/\(itemFileStem(change.item.index)).json"))
            }
        }
        let isCard = changes[0].target.job.kind == JobSettings.Kind.card.rawValue
        try ItemLists.write(summary, formats: formats, isCard: isCard, into: folder)
        let review = reviewFolder(of: summary.execution)
        try JobReport.write(summary: summary, into: folder, reviewFolder: exists(review) ? review : nil, limits: config.limits,
                            changes: .init(previous: previousSheet.appendingPathComponent(JobReport.contactSheetFile),
                                           items: Set(changes.map(\.number))))
    }

    func reviewFolder(of execution: String) -> URL {
        layout.review.appendingPathComponent(execution, isDirectory: true)
    }
}
