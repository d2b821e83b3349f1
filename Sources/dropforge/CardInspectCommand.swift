import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCards

struct CardInspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a card's spec, name, fields, lorebook and (for PNGs) the chunks found.")

    @Argument(help: ArgumentHelp("A card: PNG, JSON or CHARX.", valueName: "FILE"))
    var file: String

    @Flag(help: "Print JSON instead of text.")
    var json = false

    struct Report: Encodable {
        var file: String
        var container: String
        var spec: String
        var name: String
        var chunks: [Chunk]
        var chosenChunk: String?
        var fields: [String: Int]
        var lists: [String: Int]
        var lorebookEntries: Int
        var assets: Int
        var errors: Int
        var warnings: Int
        /// Set when SillyTavern and RisuAI will not see the card (``CardFile/unseenByApps``).
        var unseenByApps: String?

        struct Chunk: Encodable {
            var keyword: String
            var type: String
            var offset: Int
            var bytes: Int
        }

        enum CodingKeys: String, CodingKey {
            case file, container, spec, name, chunks, chosenChunk = "chosen_chunk", fields, lists
            case lorebookEntries = "lorebook_entries", assets, errors, warnings, unseenByApps = "unseen_by_apps"
        }
    }

    func run() throws {
        let loaded = try readCardFile(file)
        let card = loaded.card
        let issues = CardValidator.validate(card)
        var fields: [String: Int] = [:]
        var lists: [String: Int] = [:]
        for (key, value) in card.fields {
            switch value {
            case .string(let text): fields[key] = text.count
            case .array(let items): lists[key] = items.count
            default: break
            }
        }
        let report = Report(
            file: file, container: loaded.container.rawValue, spec: card.spec.rawValue, name: card.name,
            chunks: loaded.chunks.map { .init(keyword: $0.keyword, type: $0.chunkType.rawValue, offset: $0.offset, bytes: $0.decodedByteCount ?? 0) },
            chosenChunk: loaded.chosenChunk, fields: fields, lists: lists, lorebookEntries: card.bookEntries.count,
            assets: loaded.assets.count,
            errors: issues.filter { $0.severity == .error }.count, warnings: issues.filter { $0.severity == .warning }.count,
            unseenByApps: loaded.unseenByApps)
        if json { return try printJSON(report) }
        print("\(file): \(card.spec.rawValue) card \"\(card.name)\" in \(loaded.container.rawValue)")
        if !report.chunks.isEmpty {
            let found = report.chunks.map { "\($0.keyword) (\($0.type), \($0.bytes) bytes at \($0.offset))" }
            print("chunks: " + found.joined(separator: ", ") + "; read from \(loaded.chosenChunk ?? "?")")
        }
        if let unseen = loaded.unseenByApps { print("warning: " + unseen) }
        let rows = fields.keys.sorted().map { [$0, "\(fields[$0]!) characters"] }
            + lists.keys.sorted().map { [$0, "\(lists[$0]!) items"] }
        print(table(["field", "size"], rows))
        print("lorebook: \(report.lorebookEntries) entries; assets: \(report.assets); spec check: \(report.errors) errors, \(report.warnings) warnings")
    }
}
