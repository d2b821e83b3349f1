import ArgumentParser
import DropForgeKit
import Foundation
import DropForgeCore

struct Submit: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate manifests and drop them into the inbox safely.",
        discussion: prose("""
            Each valid file is written to inbox/.tmp/ first and then renamed into inbox/, so a
            watcher never sees it half-written. Invalid files are reported and not submitted.
            Exit 0 when all were submitted, 1 when some were invalid.
            """))

    @OptionGroup var options: RootOptions

    @Argument(help: ArgumentHelp("Manifest files (.json, .yaml, .yml).", valueName: "FILE"))
    var files: [String]

    func run() throws {
        let layout = options.layout
        let resolver = try manifestResolver(layout)
        var invalid = 0
        for file in files {
            if let problem = check(file, with: resolver) {
                printError(problem)
                invalid += 1
                continue
            }
            let name = try InboxSubmission.place(try Data(contentsOf: URL(fileURLWithPath: file)),
                                                 as: URL(fileURLWithPath: file).lastPathComponent, in: layout)
            print("submitted: \(file) → inbox/\(name)")
        }
        if invalid > 0 { throw ExitCode(1) }
    }
}
