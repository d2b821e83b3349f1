import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCards

struct CardValidate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a card strictly against its spec; exit 1 on any error.",
        discussion: prose("""
            Reading is lenient everywhere else (a string for alternate_greetings, a null book, a
            numeric character_version); this reports each departure from the spec with its JSON
            path. Errors break the spec; warnings are keys the spec does not name outside
            `extensions`.
            """))

    @Argument(help: ArgumentHelp("A card: PNG, JSON or CHARX.", valueName: "FILE"))
    var file: String

    @Option(help: "Check against this spec instead of the card's own.")
    var spec: CharacterCard.Spec?

    @Flag(help: "Print the issues as JSON.")
    var json = false

    func run() throws {
        let card = try readCardFile(file).card
        let target = spec ?? card.spec
        let issues = CardValidator.validate(card, as: target)
        if json {
            try printJSON(issues)
        } else {
            for issue in issues { print("\(file): \(issue)") }
            let errors = issues.filter { $0.severity == .error }.count
            print("\(file): \(errors == 0 ? "valid" : "invalid") \(target.rawValue) card (\(errors) errors, \(issues.count - errors) warnings)")
        }
        if issues.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }
}
