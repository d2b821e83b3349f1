import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCore
import DropForgeCards

struct CardConvert: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "convert",
        abstract: "Convert a card to V2 or V3, as JSON, a card PNG or a CHARX zip.",
        discussion: prose("""
            Upgrades keep every text exactly (line endings and non-ASCII included) and every
            unknown key: V1 → V2 copies the flat fields into `data` and keeps the V1 keys at the
            root; V2 → V3 relabels and adds `group_only_greetings`; V3 → V2 relabels.
            The output's extension picks the container: `-o OUT.png` writes a card PNG (as
            `card embed` does: `chara`, plus `ccv3` for v3) into the input PNG's image, else
            --image, else a CHARX's main icon; `-o OUT.charx` (or --to charx) writes a CHARX,
            which holds V3; anything else, or standard output, is JSON. For a CHARX the PNG's
            image (without its card chunks) becomes the main icon; a CHARX keeps its assets.

            Embedded files travel as RisuAI writes them: into a PNG as `__asset:N` URIs with
            `chara-ext-asset_:N` chunks (the PNG's own image is `ccdefault:`), into JSON as
            `data:` URIs, into a CHARX as files under assets/. A V3 card gets RisuAI's V2
            emotion sprites as `emotion` assets. A URI that points at a file the input does
            not hold is dropped, with a warning on standard error.
            """))

    enum Target: String, ExpressibleByArgument, CaseIterable {
        case v2, v3, charx
    }

    @Argument(help: ArgumentHelp("A card: PNG, JSON or CHARX.", valueName: "FILE"))
    var file: String

    @Option(help: "v2 | v3 | charx")
    var to: Target

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write; .png, .charx or .json picks the container (default: JSON on standard output).",
                                                    valueName: "OUT"))
    var output: String?

    @Option(help: ArgumentHelp("For a PNG output from a JSON or CHARX card: the image to embed it into.", valueName: "PNG"))
    var image: String?

    /// The container `-o`'s extension asks for.
    enum Container { case json, png, charx }

    var container: Container {
        switch output.map({ URL(fileURLWithPath: $0).pathExtension.lowercased() }) {
        case "png": .png
        case "charx": .charx
        case "json": .json
        default: to == .charx ? .charx : .json
        }
    }

    var spec: CharacterCard.Spec { to == .v2 ? .v2 : .v3 }

    func validate() throws {
        if container == .png && to == .charx { throw ValidationError("--to charx writes a zip, but -o names a PNG: use --to v2 or v3") }
        if container == .charx && to == .v2 { throw ValidationError("a CHARX holds a V3 card: use --to v3 or --to charx with -o \(output ?? "")") }
        if container == .json && to == .charx { throw ValidationError("--to charx writes a zip, but -o names a JSON file") }
        if image != nil && container != .png { throw ValidationError("--image is only for a PNG output (-o OUT.png)") }
    }

    func run() throws {
        let loaded = try readCardFile(file)
        do {
            switch container {
            case .json:
                try writeOutput(try CardEncoder.json(loaded.card, spec: spec, assets: loaded.assets), from: file, to: output)
            case .png:
                let png = try CardEncoder.png(loaded.card, spec: spec, into: try baseImage(loaded), assets: loaded.assets)
                try writeOutput(png, from: file, to: output)
            case .charx:
                let avatar = loaded.container == .png ? try CardPNG.embed(chara: nil, ccv3: nil, into: loaded.bytes) : nil
                let zip = try CardEncoder.charx(loaded.card, avatar: avatar, assets: loaded.assets,
                                                date: DropForge.creationDate())
                try writeOutput(zip, from: file, to: output)
            }
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("error: \(file): \(error)")
            throw ExitCode(1)
        }
    }

    /// The image a PNG output carries: --image, else the input PNG's, else a CHARX's main icon.
    private func baseImage(_ loaded: CardFile) throws -> Data {
        if let image {
            do {
                return try Data(contentsOf: URL(fileURLWithPath: image))
            } catch {
                printError("error: \(image): \(error.localizedDescription)")
                throw ExitCode(1)
            }
        }
        if loaded.container == .png { return loaded.bytes }
        let icons = loaded.assets.files.filter { $0.path.hasPrefix("assets/icon/") && $0.path.lowercased().hasSuffix(".png") }
        if let icon = icons.first(where: { $0.path == CardEncoder.avatarPath }) ?? icons.first { return icon.data }
        printError("error: \(file): a card PNG needs an image and this \(loaded.container.rawValue) card has none: give one with --image")
        throw ExitCode(1)
    }
}
