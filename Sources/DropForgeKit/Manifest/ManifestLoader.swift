import Foundation

/// Entry points for reading a dropped manifest: strict parsing, finding its profile, resolving.
public enum ManifestLoader {
    /// Parses manifest bytes strictly. The format follows the extension (`.json`, `.yaml`,
    /// `.yml`); errors carry `fileName`'s last component, line, column and field.
    /// With `problems`, reading goes on past a problem in a field (see `DocumentNode.collecting`);
    /// a problem that leaves nothing to read (syntax, `version`, `kind`) is still thrown.
    static func parse(_ data: Data, fileName: String, limits: Limits, problems: ProblemCollector?) throws -> Manifest {
        let file = (fileName as NSString).lastPathComponent
        guard let format = DocumentFormat(fileName: file) else {
            throw ManifestError(file: file, message: "manifests must end in .json, .yaml or .yml")
        }
        let reader = DocumentReader(file: file, code: ManifestError.manifestInvalid, maxBytes: limits.manifestBytes)
        return try Manifest.parse(try reader.read(data, format: format, problems: problems), limits: limits)
    }

    /// Parses manifest bytes strictly, throwing the first problem found.
    public static func parse(_ data: Data, fileName: String, limits: Limits) throws -> Manifest {
        try parse(data, fileName: fileName, limits: limits, problems: nil)
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
    /// Throws `ManifestProblems`: every problem of the file (and of the profile and files it
    /// names) in file order, including what the parameters stage would reject (see
    /// `JobSettings.checkParameters`), so no manifest passes here that a stage then refuses.
    public static func load(_ data: Data, fileName: String, rootDirectory: URL, config: DropforgeConfig,
                            availableProviderTypes: Set<ProviderConfig.ProviderType> = Set(ProviderConfig.ProviderType.allCases)) throws -> (manifest: Manifest, settings: JobSettings) {
        let problems = ProblemCollector()
        do {
            let manifest = try parse(data, fileName: fileName, limits: config.limits, problems: problems)
            let found = try problems.collecting { try profile(for: manifest, rootDirectory: rootDirectory, config: config) }
            let settings = try JobSettings.resolve(manifest: manifest, manifestFile: fileName, profile: found,
                                                   rootDirectory: rootDirectory, config: config,
                                                   availableProviderTypes: availableProviderTypes, problems: problems)
            try problems.throwIfAny()
            return (manifest, settings)
        } catch let error as ManifestError {
            problems.add(error)
            throw ManifestProblems(problems.errors)
        }
    }
}
