import Foundation
import DropForgeKit
import DropForgeCards

/// Card file bytes through `CardFile.read` (PNG text chunks, CHARX zip or bare JSON, told by
/// the first bytes), then what `dropforge card` does with a card it read: validate it, convert
/// it to each spec, write its JSON and embed it back into the PNG — and the embedded card must
/// read back as the same JSON (a broken round trip is a bug, like a crash).
enum CardFuzzTarget {
    static func run(_ data: Data) -> String {
        PNGCRCRepair.asGivenAndRepaired(data, read)
    }

    static func read(_ data: Data) -> String {
        let file: CardFile
        do { file = try CardFile.read(data) } catch { return "\(error)" }
        let outcome = "\(file.card.spec.rawValue) card \"\(file.card.name)\" in \(file.container.rawValue)"
        let card = file.card
        _ = CardValidator.validate(card)
        for spec in CharacterCard.Spec.allCases {
            if let converted = try? card.converted(to: spec) {
                _ = CardValidator.validate(converted, as: spec)
            }
        }
        _ = card.prettyJSON
        let json = card.compactJSON
        guard file.container == .png, let embedded = try? CardPNG.embed(chara: json, ccv3: json, into: file.bytes) else { return outcome }
        do {
            let again = try CardPNG.readCardText(from: embedded)
            precondition(again.json == json, "the card read back from the embedded PNG differs from the JSON embedded")
        } catch {
            // Over a limit after re-encoding is a clear error, not a bug; anything else is.
            let message = String(describing: error)
            precondition(message.contains("limit"), "an embedded card does not read back: \(message)")
        }
        return outcome + ", embedded and read back"
    }
}
