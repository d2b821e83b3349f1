import Foundation

/// A named settings bundle, `config/profiles/<name>.yaml`: the same sections as a manifest
/// (params, generate, quality, metadata, export) plus a `description`. Manifest values override
/// profile values, which override the built-in defaults (see `JobSettings.resolve`).
public struct Profile: Codable, Sendable, Equatable {
    public var name: String
    /// The file errors are reported against, e.g. `config/profiles/default.yaml`.
    public var file: String
    public var description: String?
    public var sections: ManifestSections

    public var params: ManifestParams { sections.params }
    public var generate: ManifestGenerate { sections.generate }
    public var quality: ManifestQuality { sections.quality }
    public var metadata: ManifestMetadata { sections.metadata }
    public var export: ManifestExport { sections.export }

    public init(name: String, file: String, description: String? = nil, sections: ManifestSections = ManifestSections()) {
        self.name = name
        self.file = file
        self.description = description
        self.sections = sections
    }

    /// Parses a profile strictly (YAML or JSON by the file's extension; YAML if it has none).
    public static func parse(_ data: Data, name: String, file: String, limits: Limits) throws -> Profile {
        let reader = DocumentReader(file: file, code: ManifestError.profileInvalid, maxBytes: limits.manifestBytes)
        let root = try reader.read(data, format: DocumentFormat(fileName: file) ?? .yaml)
        let map = try root.mapping(allowed: ["description"] + ManifestSections.keys)
        return Profile(name: name, file: file,
                       description: try map.string("description"),
                       sections: try ManifestSections.parse(map, limits: limits))
    }

    /// Loads `config/profiles/<name>.yaml` (or `.yml`) under `rootDirectory`; nil when neither exists.
    /// The name must be a plain file stem, and the file may not be a symlink out of the root.
    /// A profile is parsed once per process and kept until its file changes (``FileCache``):
    /// an unchanged profile costs one `stat`.
    public static func load(named name: String, rootDirectory: URL, limits: Limits) throws -> Profile? {
        let displayBase = "config/profiles/\(name)"
        guard isPlainName(name) || name.range(of: #"^[A-Za-z0-9_-][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil,
              !name.contains("..") else {
            throw ManifestError(file: displayBase + ".yaml", message: "'\(name)' is not a valid profile name",
                                code: ManifestError.profileInvalid)
        }
        let configDirectory = rootDirectory.appendingPathComponent("config", isDirectory: true)
        for ext in ["yaml", "yml"] {
            let relative = "profiles/\(name).\(ext)"
            let candidate = configDirectory.appendingPathComponent(relative, isDirectory: false).path
            // The one stat: whether the file exists (symlinks followed), and whether it changed.
            guard let stamp = FileStamp(path: candidate) else { continue }
            let outcome = cache.value(path: candidate, stamp: stamp, context: limits) {
                Result { try read(relative, name: name, configDirectory: configDirectory, rootDirectory: rootDirectory, limits: limits) }
                    .mapError { $0 as? ManifestError ?? ManifestError(file: "config/\(relative)", message: "\($0)", code: ManifestError.profileInvalid) }
            }
            return try outcome.get()
        }
        return nil
    }

    /// Whether `name` matches the profile-name pattern by its ASCII letters alone: the common
    /// case, without compiling the regular expression (which decides every other name).
    static func isPlainName(_ name: String) -> Bool {
        func allowed(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"), UInt8(ascii: "."): true
            default: false
            }
        }
        guard let first = name.utf8.first, first != UInt8(ascii: ".") else { return false }
        return name.utf8.allSatisfy(allowed)
    }

    /// Parsed profiles of this process, by path, with the limits they were parsed under.
    static let cache = FileCache<Limits, Result<Profile, ManifestError>>()

    /// Reads and parses `config/<relative>`; every failure is a `ManifestError` at the file.
    private static func read(_ relative: String, name: String, configDirectory: URL, rootDirectory: URL,
                             limits: Limits) throws -> Profile {
        let display = "config/\(relative)"
        do {
            let url = try SafePath.resolve(relative, configDirectory: configDirectory, rootDirectory: rootDirectory)
            return try parse(try SafePath.readFile(url, maxBytes: limits.manifestBytes), name: name, file: display, limits: limits)
        } catch let rejection as SafePath.Rejection {
            throw ManifestError(file: display, message: rejection.message, code: ManifestError.profileInvalid)
        } catch let error as ManifestError {
            throw error
        } catch {
            throw ManifestError(file: display, message: "cannot read the profile: \(error.localizedDescription)",
                                code: ManifestError.profileInvalid)
        }
    }
}
