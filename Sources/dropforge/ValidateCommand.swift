import ArgumentParser
import DropForgeKit
import Foundation

struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Check manifests without running them.",
        discussion: prose("""
            Parses each file as dropforge would at intake — schema, types, limits, profile, template
            and keyword files (relative to the root's config/) — and prints `ok` or every problem as
            file:line:column: field: message. Exit 0 when all are valid, 1 otherwise.
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
            } else {
                print("ok: \(file)")
            }
        }
        if invalid > 0 { throw ExitCode(1) }
    }
}

/// The resolver of a root, or exit 2 when its config is broken.
func manifestResolver(_ layout: RootLayout) throws -> ManifestResolver {
    do {
        return ManifestResolver(layout: layout, config: try DropforgeConfig.load(from: layout.configFile))
    } catch let error as ManifestError {
        printError("error: \(error.description)")
        throw usageFailure
    }
}

/// Validates one manifest file; returns its problems (one line each, in file order), or nil
/// when it is valid.
func check(_ file: String, with resolver: ManifestResolver) -> String? {
    let url = URL(fileURLWithPath: file)
    do {
        let data = try Data(contentsOf: url)
        _ = try resolver.resolve(data: data, fileName: url.lastPathComponent)
        return nil
    } catch let problems as ManifestProblems {
        // Name the file as the user gave it; errors in a profile or keyword file keep their own name.
        return problems.errors.map { error in
            var error = error
            if error.file == url.lastPathComponent { error.file = file }
            return "error: \(error.description)"
        }.joined(separator: "\n")
    } catch {
        return "error: \(file): cannot read: \(error.localizedDescription)"
    }
}
