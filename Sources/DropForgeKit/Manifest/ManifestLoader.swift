import Foundation

/// Entry points for reading a dropped manifest: strict parsing, finding its profile, resolving.
public enum ManifestLoader {
    /// Parses manifest bytes strictly. The format follows the extension (`.json`, `.yaml`,
    /// `.yml`); errors carry `fileName`'s last component, line, column and field.
    public static func parse(_ data: Data, fileName: String, limits: Limits) throws -> Manifest {
        let file = (fileName as NSString).lastPathComponent
        guard let format = DocumentFormat(fileName: file) else {
            throw ManifestError(file: file, message: "manifests must end in .json, .yaml or .yml")
        }
        let reader = DocumentReader(file: file, code: ManifestError.manifestInvalid, maxBytes: limits.manifestBytes)
        return try Manifest.parse(try reader.read(data, format: format), limits: limits)
    }

    /// The profile a manifest runs with: the one it names (missing → error at `profile`), else
    /// `config.defaults.profile` if that file exists, else none.
    public static func profile(for manifest: Manifest, rootDirectory: URL, config: DropforgeConfig) throws -> Profile? {
        if let name = manifest.profile {
            if let profile = try Profile.load(named: name, rootDirectory: rootDirectory, limits: config.limits) {
                return profile
            }
            let position = manifest.sections.positions["profile"]
            throw ManifestError(file: manifest.file, line: position?.line, column: position?.column, field: "profile",
                                message: "profile '\(name)' not found (looked for config/profiles/\(name).yaml)")
        }
        return try Profile.load(named: config.defaults.profile, rootDirectory: rootDirectory, limits: config.limits)
    }

    /// Parse, find the profile and resolve in one go: what intake and `dropforge validate` need.
    public static func load(_ data: Data, fileName: String, rootDirectory: URL, config: DropforgeConfig,
                            availableProviderTypes: Set<ProviderConfig.ProviderType> = Set(ProviderConfig.ProviderType.allCases)) throws -> (manifest: Manifest, settings: JobSettings) {
        let manifest = try parse(data, fileName: fileName, limits: config.limits)
        let profile = try profile(for: manifest, rootDirectory: rootDirectory, config: config)
        let settings = try JobSettings.resolve(manifest: manifest, manifestFile: fileName, profile: profile,
                                               rootDirectory: rootDirectory, config: config,
                                               availableProviderTypes: availableProviderTypes)
        return (manifest, settings)
    }
}
