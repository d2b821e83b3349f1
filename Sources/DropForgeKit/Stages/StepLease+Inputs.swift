import Foundation
import DropForgeCore
import DropForgeStore

extension StepLease {
    /// The execution's settings snapshot.
    func settings() throws -> JobSettings {
        guard let data = execution.settings else {
            throw StepError.permanent(.settingsMissing, "execution \(execution.id) has no settings")
        }
        return try JSONCoding.decodeSettings(JobSettings.self, from: data)
    }

    /// The item's plan (prompt, seed, size…).
    func plan() throws -> ItemPlan {
        guard let item else { throw StepError.permanent(.itemMissing, "step \(step.id ?? 0) has no item") }
        return try JSONCoding.decode(ItemPlan.self, from: item.plan)
    }
}

extension RootLayout {
    /// `.dropforge/work/<execution>/`: where steps write before the store records their output.
    func workFolder(execution: String) -> URL {
        work.appendingPathComponent(execution, isDirectory: true)
    }

    /// `name` in the execution's work folder, made first: any stage may be the first to write
    /// there — a retried execution starts past generate, a review redoes one step on the spot.
    func workFile(execution: String, named name: String) throws -> URL {
        let folder = workFolder(execution: execution)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder.appendingPathComponent(name)
    }

    /// A work file's path relative to the root, as the store keeps it.
    func relativePath(_ url: URL) -> String {
        let rootPath = root.path.hasSuffix("/") ? root.path : root.path + "/"
        return url.path.hasPrefix(rootPath) ? String(url.path.dropFirst(rootPath.count)) : url.path
    }

    func resolve(_ relative: String) -> URL {
        root.appendingPathComponent(relative)
    }
}

/// `0001` for index 0: the item's file stem in `images/` and `review/`.
func itemFileStem(_ index: Int) -> String {
    String(format: "%04d", index + 1)
}
