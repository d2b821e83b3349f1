import ArgumentParser
import DropForgeKit
import Foundation

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create a root: inbox/, outbox/ and config/ with the default config, profile, templates, keywords and examples.",
        discussion: "Refuses to overwrite an existing config/dropforge.yaml. With --examples, the example manifests are also copied into inbox/, ready for `dropforge drain`.")

    @OptionGroup var options: RootOptions

    @Flag(help: "Also copy the example manifests into inbox/.")
    var examples = false

    func run() throws {
        let layout = options.layout
        do {
            let created = try RootInitializer(layout: layout).initialize(copyExamples: examples)
            print("created \(layout.root.path) (\(created.count) files)")
            if examples { print("examples are in \(layout.inbox.path); run `dropforge drain --root \(layout.root.path)`") }
        } catch let error as RootInitializer.Failure {
            printError("error: \(error.message)")
            throw usageFailure
        }
    }
}
