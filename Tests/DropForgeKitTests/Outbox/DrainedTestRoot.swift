import Foundation
@testable import DropForgeKit

/// A fresh root (`dropforge init` defaults) whose images jobs went through the real pipeline
/// (`Drain`, in process). Each job is `name: (template, keywords as YAML, count)`, 64 px, seed 1.
struct DrainedTestRoot {
    typealias Job = (template: String, keywords: String, count: Int)

    let layout: RootLayout
    let runtime: Runtime
    let report: Drain.Report

    init(prefix: String, jobs: [String: Job]) throws {
        layout = RootLayout(root: FileManager.default.temporaryDirectory
            .appendingPathComponent("dropforge-\(prefix)-\(UUID().uuidString)", isDirectory: true))
        _ = try RootInitializer(layout: layout).initialize(copyExamples: false)
        for (name, job) in jobs {
            try """
                version: 1
                kind: images
                name: \(name)
                params: {template: "\(job.template)", keywords: \(job.keywords), count: \(job.count), size: 64, seed: 1}
                """.write(to: layout.inbox.appendingPathComponent("\(name).yaml"), atomically: true, encoding: .utf8)
        }
        runtime = try Runtime(layout: layout)
        report = try Drain(runtime: runtime, timeout: 60, signals: SignalTrap()).run()
    }
}
