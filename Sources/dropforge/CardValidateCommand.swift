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
            `extensions`. With --lenient, what SillyTavern and RisuAI themselves write (a V3 card
            without `group_only_greetings`, a lorebook without `extensions`) is a warning, so a
            real card from those apps is not called invalid.
            """))

    @Argument(help: ArgumentHelp("A card: PNG, JSON or CHARX.", valueName: "FILE"))
    var file: String

    @Option(help: "Check against this spec instead of the card's own.")
    var spec: CharacterCard.Spec?

    @Flag(help: "Print the issues as JSON.")
    var json = false

    @Flag(help: "Count what SillyTavern and RisuAI write (missing group_only_greetings, book extensions) as warnings.")
    var lenient = false

    func run() throws {
        let loaded = try readCardFile(file)
        let card = loaded.card
        let target = spec ?? card.spec
        let strict = CardValidator.validate(card, as: target)
        var issues = lenient ? CardValidator.lenient(strict) : strict
        if let unseen = loaded.unseenByApps { issues.insert(CardValidator.Issue(severity: .warning, path: "png", message: unseen), at: 0) }
        if json {
            try printJSON(issues)
        } else {
            for issue in issues { print("\(file): \(issue)") }
            let errors = issues.filter { $0.severity == .error }.count
            print("\(file): \(errors == 0 ? "valid" : "invalid") \(target.rawValue) card (\(errors) errors, \(issues.count - errors) warnings)")
            let fromApps = issues.filter(\.isWhatAppsWrite).count
            if fromApps > 0 {
                print("\(file): \(fromApps == errors ? "all" : "\(fromApps) of") these errors are what SillyTavern and RisuAI write; "
                      + "--lenient counts them as warnings")
            }
        }
        if issues.contains(where: { $0.severity == .error }) { throw ExitCode(1) }
    }
}
