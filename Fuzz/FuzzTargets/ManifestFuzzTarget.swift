import Foundation
import DropForgeKit

/// Manifest bytes through `ManifestResolver` (strict YAML/JSON reading, `Manifest.parse`, the
/// profile, templates, keyword files and providers), once named `.yaml` and once `.json`.
enum ManifestFuzzTarget {
    static func run(_ data: Data) -> String {
        ["fuzz.yaml", "fuzz.json"].map { name in
            do {
                _ = try FuzzRoot.shared.resolver.resolve(data: data, fileName: name)
                return "\(name): resolved"
            } catch {
                return "\(name): \(error)"
            }
        }.joined(separator: "; ")
    }
}

/// A root made once per process with `dropforge init`'s default config, profiles, templates
/// and keyword files, so resolving reads real files; removed when the process exits.
final class FuzzRoot: Sendable {
    static let shared = FuzzRoot()

    let resolver: ManifestResolver

    private init() {
        let root = FileManager.default.temporaryDirectory
            .appendingPathComponent("dropforge-fuzz-root-\(getpid())", isDirectory: true)
        let layout = RootLayout(root: root)
        do {
            try? FileManager.default.removeItem(at: root)
            try RootInitializer(layout: layout).initialize(copyExamples: false)
            resolver = ManifestResolver(layout: layout, config: try DropforgeConfig.load(from: layout.configFile))
        } catch {
            fatalError("cannot make the fuzz root at \(root.path): \(error)")
        }
        FuzzRoot.path = strdup(root.path)
        atexit {
            if let path = FuzzRoot.path { try? FileManager.default.removeItem(atPath: String(cString: path)) }
        }
    }

    /// For the `atexit` handler, which cannot capture.
    nonisolated(unsafe) private static var path: UnsafeMutablePointer<CChar>?
}
