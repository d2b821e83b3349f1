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
        try FileManager.default.createDirectory(at: layout.inboxTemp, withIntermediateDirectories: true)
        var invalid = 0
        for file in files {
            if let problem = check(file, with: resolver) {
                printError(problem)
                invalid += 1
                continue
            }
            let source = URL(fileURLWithPath: file)
            let name = freeName(for: source.lastPathComponent, in: layout.inbox)
            let temp = layout.inboxTemp.appendingPathComponent("\(name).\(ProcessInfo.processInfo.processIdentifier).tmp")
            try FileSystem.writeAtomically(try Data(contentsOf: source), to: temp)
            try FileSystem.rename(temp, to: layout.inbox.appendingPathComponent(name))
            print("submitted: \(file) → inbox/\(name)")
        }
        if invalid > 0 { throw ExitCode(1) }
    }

    /// `name`, or `stem-2.ext`, `stem-3.ext`… when the inbox already has that name.
    private func freeName(for name: String, in inbox: URL) -> String {
        let stem = (name as NSString).deletingPathExtension
        let ext = (name as NSString).pathExtension
        var candidate = name
        var number = 2
        while FileManager.default.fileExists(atPath: inbox.appendingPathComponent(candidate).path) {
            candidate = "\(stem)-\(number).\(ext)"
            number += 1
        }
        return candidate
    }
}
