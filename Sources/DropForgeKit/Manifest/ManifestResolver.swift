import Foundation

/// Parses a manifest and resolves its settings against a root (its profiles, templates, keyword
/// files and providers). One entry point for intake, `validate` and `submit`, so all three
/// accept and reject exactly the same files.
public struct ManifestResolver: Sendable {
    public let layout: RootLayout
    public let config: DropforgeConfig

    public init(layout: RootLayout, config: DropforgeConfig) {
        self.layout = layout
        self.config = config
    }

    public func resolve(data: Data, fileName: String) throws -> JobSettings {
        try ManifestLoader.load(data, fileName: fileName, rootDirectory: layout.root, config: config).settings
    }
}
