import ArgumentParser
import DropForgeKit
import Foundation

struct CardExtract: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract",
        abstract: "Write a card's JSON, as found, to a file or standard output.",
        discussion: prose("""
            The JSON keeps the card's key order, unknown keys and numbers exactly. --compact writes
            the very bytes a PNG embeds (JSON.stringify form); the default is indented for people.
            """))

    @Argument(help: ArgumentHelp("A card: PNG, JSON or CHARX.", valueName: "FILE"))
    var file: String

    @Option(name: .shortAndLong, help: ArgumentHelp("Where to write the JSON (default: standard output).", valueName: "OUT.json"))
    var output: String?

    @Flag(help: "Write compact JSON instead of indented.")
    var compact = false

    func run() throws {
        let card = try readCardFile(file).card
        try writeOutput(compact ? card.compactJSON : card.prettyJSON, to: output)
    }
}
