import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCards

struct CardEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Put a card into a PNG the way SillyTavern and RisuAI read it.",
        discussion: prose("""
            Removes any chara/ccv3 text chunks from the image (every other chunk is kept as it is),
            then writes tEXt `chara` (the V2 form) and, for --spec v3, tEXt `ccv3` (the V3 form)
            just before IEND, each the base64 of compact UTF-8 JSON. The pixels are not re-encoded.

            The card's embedded files come along as RisuAI reads them: a CHARX's files and a
            card PNG's `chara-ext-asset_` chunks become `chara-ext-asset_:N` chunks with
            `__asset:N` URIs (the image's old ones are removed). A URI that points at a file the
            card's input does not hold is dropped, with a warning on standard error.
            """))

    @Option(help: ArgumentHelp("The card: JSON, PNG or CHARX.", valueName: "CARD"))
    var card: String

    @Option(help: ArgumentHelp("The PNG to embed it into.", valueName: "PNG"))
    var image: String

    @Option(name: .shortAndLong, help: ArgumentHelp("The PNG to write.", valueName: "OUT"))
    var output: String

    /// The specs a card PNG is written as (V1 has no form of its own in a PNG).
    enum WrittenSpec: String, ExpressibleByArgument, CaseIterable {
        case v2, v3
        var spec: CharacterCard.Spec { self == .v2 ? .v2 : .v3 }
    }

    @Option(help: "v3 writes both chara and ccv3; v2 writes chara only.")
    var spec: WrittenSpec = .v3

    func run() throws {
        let loaded = try readCardFile(card)
        let png: Data
        do {
            png = try Data(contentsOf: URL(fileURLWithPath: image))
        } catch {
            printError("error: \(image): \(error.localizedDescription)")
            throw ExitCode(1)
        }
        do {
            try writeOutput(try CardEncoder.png(loaded.card, spec: spec.spec, into: png, assets: loaded.assets),
                            from: card, to: output)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("error: \(image): \(error)")
            throw ExitCode(1)
        }
    }
}
