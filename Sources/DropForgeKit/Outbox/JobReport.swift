import Foundation
import DropForgeCore
import DropForgeCards
import DropForgeStore

/// Writes the human-facing files of a published execution — `report.html` and
/// `contact-sheet.png` — into the folder being built, from its `JobSummary` and the files already
/// in that folder. Export calls it last, inside the staging build, so the folder still appears
/// in one rename.
///
/// Where images are found, and linked from:
/// - approved items: `<folder>/<item.file>` (`images/0001.png`, a card's `cards/<name>.png`);
/// - rejected items: `<reviewFolder>/NNNN.png`, linked as `../../review/<execution>/NNNN.png`.
///   The link assumes what DESIGN §1 fixes: `results/`, `failures/` and `review/` are sibling
///   folders of `outbox/` (and `outbox/.staging/<x>/` is as deep, so it also holds while building);
/// - a cancelled job's images (items `failed` with error `cancelled`): `<folder>/<item.file>` too;
/// - an image that is not there (not exported, failed item) is shown as "No image" and as a grey
///   cell: the page never links a file that does not exist.
public enum JobReport {
    public static let reportFile = "report.html"
    public static let contactSheetFile = "contact-sheet.png"

    /// What changed since a sheet was drawn: review decisions redraw only their items' cells.
    public struct SheetChanges: Sendable {
        /// The sheet as it was (`contact-sheet.png` of the folder, or of the one it replaces).
        public var previous: URL
        /// Item numbers whose cells change.
        public var items: Set<Int>

        public init(previous: URL, items: Set<Int>) {
            self.previous = previous
            self.items = items
        }
    }

    /// Writes `report.html` (when `html`) and `contact-sheet.png` (when `contactSheet`, for image
    /// jobs with at least one image file present; card jobs never get one) into `folder`,
    /// each by temp file + rename. `reviewFolder` is `outbox/review/<execution>/` — nil or missing
    /// when nothing was rejected. With `changes`, the sheet is the previous one with only those
    /// items' cells drawn again (the same bytes as a whole render; whole when the previous sheet
    /// cannot be used). A folder left with no image loses its sheet, as an export would not make
    /// one. Returns the names written.
    @discardableResult
    public static func write(summary: JobSummary, into folder: URL, reviewFolder: URL?, limits: Limits = Limits(),
                             html: Bool = true, contactSheet: Bool = true, changes: SheetChanges? = nil) throws -> [String] {
        let isCard = summary.kind == JobSettings.Kind.card.rawValue || summary.card != nil
        let sources = summary.items.map { imageSource(of: $0, folder: folder, reviewFolder: reviewFolder) }
        var written: [String] = []
        let sheet = folder.appendingPathComponent(contactSheetFile)

        if contactSheet, !isCard, sources.contains(where: { $0 != nil }) {
            let cells = zip(summary.items, sources).map { item, source in
                ContactSheet.Cell(number: item.item, image: source?.url, mark: mark(of: item.status))
            }
            let redrawn = try changes.flatMap { changes in
                try (try? Data(contentsOf: changes.previous)).flatMap {
                    try ContactSheet.redraw(cells: cells, changed: changes.items, previous: $0, limits: limits.pngLimits)
                }
            }
            let png = try redrawn ?? ContactSheet.render(cells: cells, limits: limits.pngLimits)
            try FileSystem.writeAtomically(png, to: sheet)
            written.append(contactSheetFile)
        } else if changes != nil, exists(sheet) {
            unlink(sheet.path)
        }
        if html {
            var images: [Int: String] = [:]
            for (item, source) in zip(summary.items, sources) { images[item.item] = source?.href }
            let page = ReportPage(summary: summary, images: images,
                                  contactSheet: written.contains(contactSheetFile) ? contactSheetFile : nil,
                                  cardFields: isCard ? cardFields(summary, folder: folder, reviewFolder: reviewFolder, limits: limits) : [])
            try FileSystem.writeAtomically(Data(page.render().utf8), to: folder.appendingPathComponent(reportFile))
            written.append(reportFile)
        }
        return written
    }

    /// The item's PNG on disk and its link from the page, when it exists.
    static func imageSource(of item: ItemSummary, folder: URL, reviewFolder: URL?) -> (url: URL, href: String)? {
        let stem = String(format: "%04d", item.item)
        if item.status == .rejected {
            guard let reviewFolder else { return nil }
            let url = reviewFolder.appendingPathComponent("\(stem).png")
            let link = ["..", "..", reviewFolder.deletingLastPathComponent().lastPathComponent,
                        reviewFolder.lastPathComponent, "\(stem).png"]
            return exists(url) ? (url, href(link)) : nil
        }
        // Approved items, and a cancelled job's partial work (items that read `failed` with
        // error `cancelled` but whose image export kept in the folder): the file job.json names.
        guard let file = item.file, file.hasSuffix(".png"), !file.hasPrefix("/"), !file.split(separator: "/").contains("..") else {
            return nil
        }
        let url = folder.appendingPathComponent(file)
        return exists(url) ? (url, href(file.split(separator: "/").map(String.init))) : nil
    }

    /// The card's main fields, from the exported JSON or PNG (or the review copy of a rejected
    /// card). Best effort: the page is still written without them when the card cannot be read.
    static func cardFields(_ summary: JobSummary, folder: URL, reviewFolder: URL?, limits: Limits) -> [ReportPage.Field] {
        let files = summary.card?.files ?? []
        var urls = (files.filter { $0.hasSuffix(".json") } + files.filter { $0.hasSuffix(".png") })
            .map { folder.appendingPathComponent($0) }
        if let reviewFolder, let item = summary.items.first(where: { $0.status == .rejected }) {
            urls.append(reviewFolder.appendingPathComponent(String(format: "%04d.card.json", item.item)))
        }
        guard let card = urls.lazy.filter(exists).compactMap({ try? CardFile.read(contentsOf: $0, limits: limits).card }).first else {
            return []
        }
        let labels = [("description", "Description"), ("personality", "Personality"), ("scenario", "Scenario"),
                      ("first_mes", "First message"), ("creator_notes", "Creator notes"), ("creator", "Creator")]
        var fields = labels.compactMap { key, label in
            card.text(key).flatMap { $0.isEmpty ? nil : ReportPage.Field(label: label, value: $0) }
        }
        let tags = card.strings("tags")
        if !tags.isEmpty { fields.append(.init(label: "Card tags", value: tags.joined(separator: ", "))) }
        return fields
    }

    static func mark(of status: ItemStatus) -> ContactSheet.Cell.Mark {
        switch status {
        case .approved: .approved
        case .rejected: .rejected
        default: .failed
        }
    }

    /// Path segments percent-encoded for an `href`/`src` (the page escapes it for HTML).
    static func href(_ segments: [String]) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#;")
        return segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(separator: "/")
    }

    private static func exists(_ url: URL) -> Bool {
        var isFolder: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isFolder) && !isFolder.boolValue
    }
}
