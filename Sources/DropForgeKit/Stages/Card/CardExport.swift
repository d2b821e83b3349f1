import Foundation
import DropForgeCore
import DropForgeCards
import DropForgeStore

/// The card files of a published card job: `cards/<name>.png` (the avatar with the card in
/// `chara`, and `ccv3` for V3), `cards/<name>.json` and `cards/<name>.charx`, as the job's
/// export formats ask; and the same PNG in `review/<job>/` when the card failed its checks.
struct CardExport {
    let layout: RootLayout
    let limits: Limits

    /// Writes the card files of `item` into `folder/cards/` and describes them.
    func writeResults(of item: ItemRecord, formats: Set<JobSettings.ExportFormat>, into folder: URL) throws -> CardSummary {
        let (plan, card, avatar) = try load(item)
        let cards = folder.appendingPathComponent("cards", isDirectory: true)
        try FileManager.default.createDirectory(at: cards, withIntermediateDirectories: true)
        var files: [String] = []
        func write(_ data: Data, _ ext: String) throws {
            try FileSystem.writeAtomically(data, to: cards.appendingPathComponent("\(plan.fileName).\(ext)"))
            files.append("cards/\(plan.fileName).\(ext)")
        }
        if formats.contains(.cardPNG) { try write(try CardEncoder.png(card, spec: plan.spec, into: avatar).bytes, "png") }
        if formats.contains(.cardJSON) { try write(try CardEncoder.json(card, spec: plan.spec).bytes, "json") }
        if formats.contains(.charx) {
            try write(try CardEncoder.charx(card, avatar: avatar, date: DropForge.creationDate()).bytes, "charx")
        }
        return CardSummary(name: card.name, spec: plan.spec, files: files, lorebookEntries: card.bookEntries.count,
                           warnings: plan.warnings)
    }

    /// `review/<job>/0001.png` with the card embedded when it can be, else the bare avatar.
    func writeReview(of item: ItemRecord, to file: URL) throws {
        let (plan, card, avatar) = try load(item)
        let png = (try? CardEncoder.png(card, spec: plan.spec, into: avatar).bytes) ?? avatar
        try FileSystem.writeAtomically(png, to: file)
        try FileSystem.writeAtomically(card.prettyJSON, to: file.deletingPathExtension().appendingPathExtension("card.json"))
    }

    /// The plan, the newest card and avatar of a card item.
    func load(_ item: ItemRecord) throws -> (CardPlan, CharacterCard, Data) {
        guard let plan = try JSONCoding.decode(ItemPlan.self, from: item.plan).card, let imagePath = item.imagePath else {
            throw StepError.permanent(.cardMissing, "item \(item.index + 1) has no card")
        }
        let json = try Data(contentsOf: layout.resolve(CardPlan.cardPath(forImage: imagePath)))
        return (plan, try CharacterCard.parse(json, maxBytes: limits.cardJSONBytes), try Data(contentsOf: layout.resolve(imagePath)))
    }
}
