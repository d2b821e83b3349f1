import Foundation

/// A v1 manifest of `kind: images` as written (DESIGN §3), checked strictly but not resolved:
/// section fields stay optional so a profile can supply them. `JobSettings.resolve` turns it
/// into the settings an execution runs with.
public struct Manifest: Codable, Sendable, Equatable {
    /// The file name errors are reported against (the dropped file's name).
    public var file: String
    public var version: Int
    public var kind: JobSettings.Kind
    public var name: String?
    /// Optional idempotency key.
    public var id: String?
    public var force: Bool?
    public var priority: JobSettings.Priority?
    public var profile: String?
    public var sections: ManifestSections

    public var params: ManifestParams { sections.params }
    public var generate: ManifestGenerate { sections.generate }
    public var quality: ManifestQuality { sections.quality }
    public var metadata: ManifestMetadata { sections.metadata }
    public var export: ManifestExport { sections.export }

    public init(file: String, version: Int = 1, kind: JobSettings.Kind = .images, name: String? = nil,
                id: String? = nil, force: Bool? = nil, priority: JobSettings.Priority? = nil,
                profile: String? = nil, sections: ManifestSections = ManifestSections()) {
        self.file = file
        self.version = version
        self.kind = kind
        self.name = name
        self.id = id
        self.force = force
        self.priority = priority
        self.profile = profile
        self.sections = sections
    }

    static let keys = ["version", "kind", "name", "id", "force", "priority", "profile"] + ManifestSections.keys

    /// Reads a manifest from its root node. `version` and `kind` are checked before the key
    /// list, so a `kind: card` manifest hears "not supported yet", not "unknown key 'card'".
    static func parse(_ root: DocumentNode, limits: Limits) throws -> Manifest {
        let loose = try root.freeMapping()
        func entry(_ key: String) -> DocumentNode? { loose.first(where: { $0.key == key && !$0.value.isNull })?.value }
        let missing = { (key: String) in
            ManifestError(file: root.context.file, line: root.position?.line, column: root.position?.column,
                          field: key, message: "missing required field '\(key)'", code: root.context.code)
        }
        // A misspelt `version`/`kind` should be reported as a typo, not as missing.
        guard let versionNode = entry("version") else { _ = try root.mapping(allowed: keys); throw missing("version") }
        let version = try versionNode.int()
        guard version == 1 else {
            throw versionNode.error("unsupported manifest version \(version) (this version of dropforge reads version 1)")
        }
        guard let kindNode = entry("kind") else { _ = try root.mapping(allowed: keys); throw missing("kind") }
        let kind = try kindNode.oneOf(JobSettings.Kind.self)
        guard kind == .images else {
            throw kindNode.error("kind '\(kind.rawValue)' is not supported yet by this version of dropforge")
        }

        let map = try root.mapping(allowed: keys)
        var manifest = Manifest(file: root.context.file, version: version, kind: kind)
        if let node = map.value("name") {
            let name = try node.nonEmptyString()
            if sanitizedName(name).isEmpty {
                throw node.error("'\(name)' has no letters or digits to make a folder name from")
            }
            manifest.name = name
        }
        if let node = map.value("id") {
            let id = try node.nonEmptyString()
            if id.count > 200 { throw node.error("is longer than 200 characters") }
            if id.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
                throw node.error("must not contain control characters")
            }
            manifest.id = id
        }
        manifest.force = try map.bool("force")
        manifest.priority = try map.oneOf("priority", JobSettings.Priority.self)
        manifest.profile = try map.value("profile").map { try $0.profileName() }
        manifest.sections = try ManifestSections.parse(map, limits: limits)
        return manifest
    }

    /// A folder-safe job name: lower-cased, diacritics folded, every run of characters outside
    /// `[a-z0-9._-]` replaced by `-`, leading/trailing `-` and `.` trimmed (so never `.` or `..`),
    /// at most 64 characters. Empty when nothing usable is left.
    public static func sanitizedName(_ raw: String) -> String {
        let folded = raw.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
        var result = ""
        var pendingDash = false
        for scalar in folded.unicodeScalars {
            let allowed = ("a"..."z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "." || scalar == "_" || scalar == "-"
            if allowed {
                if pendingDash { result.append("-"); pendingDash = false }
                result.unicodeScalars.append(scalar)
            } else {
                pendingDash = true
            }
        }
        let trimSet = CharacterSet(charactersIn: "-.")
        result = result.trimmingCharacters(in: trimSet)
        if result.count > 64 {
            result = String(result.prefix(64)).trimmingCharacters(in: trimSet)
        }
        return result
    }
}

extension DocumentNode {
    /// A profile name: it becomes `config/profiles/<name>.yaml`, so it must be a plain file stem.
    func profileName() throws -> String {
        let name = try nonEmptyString()
        guard name.range(of: #"^[A-Za-z0-9_-][A-Za-z0-9._-]*$"#, options: .regularExpression) != nil, !name.contains("..") else {
            throw error("'\(name)' is not a profile name (letters, digits, '.', '_' and '-'; names config/profiles/<name>.yaml)")
        }
        return name
    }
}
