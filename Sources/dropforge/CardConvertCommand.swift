import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCore
import DropForgeCards

struct CardConvert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a card to V2 or V3 JSON, or to a CHARX zip.",
        discussion: prose("""
            Upgrades keep every text exactly (line endings and non-ASCII included) and every
            unknown key: V1 → V2 copies the flat fields into `data` and keeps the V1 keys at the
            root; V2 → V3 relabels and adds `group_only_greetings`; V3 → V2 relabels. For charx the
            PNG's image (without its card chunks) becomes the main icon; a CHARX keeps its assets.
            """))

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case v2, v3, charx
    }

    @Argument(help: ArgumentHelp("A card: PNG, JSON or CHARX.", valueName: "FILE"))
    var file: String

    @Option(help: "v2 | v3 | charx")
    var to: Target

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write (default: standard output).", valueName: "OUT"))
    var output: String?

    func run() throws {
        let loaded = try readCardFile(file)
        do {
            switch to {
            case .v2: try writeOutput(try CardEncoder.json(loaded.card, spec: .v2), to: output)
            case .v3: try writeOutput(try CardEncoder.json(loaded.card, spec: .v3), to: output)
            case .charx:
                let avatar = loaded.container == .png ? try CardPNG.embed(chara: nil, ccv3: nil, into: loaded.bytes) : nil
                let zip = try CardEncoder.charx(loaded.card, avatar: avatar, extraAssets: loaded.assets,
                                                date: DropForge.creationDate())
                try writeOutput(zip, to: output)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("error: \(file): \(error)")
            throw ExitCode(1)
        }
    }
}
