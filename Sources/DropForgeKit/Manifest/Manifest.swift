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
    /// The `card:` block of a `kind: card` manifest.
    public var card: ManifestCard?

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

    static let commonKeys = ["version", "kind", "name", "id", "force", "priority", "profile"]

    /// The keys a manifest of `kind` may have: a card job has `card:` where an images job has `params:`.
    static func keys(for kind: JobSettings.Kind?) -> [String] {
        switch kind {
        case .images: commonKeys + ManifestSections.keys
        case .card: commonKeys + ManifestSections.keys.filter { $0 != "params" } + ["card"]
        case nil: commonKeys + ManifestSections.keys + ["card"]
        }
    }

    /// Reads a manifest from its root node. `version` and `kind` are checked before the key
    /// list, so a misplaced `params:` or `card:` is reported against the kind that forbids it.
    static func parse(_ root: DocumentNode, limits: Limits) throws -> Manifest {
        let loose = try root.freeMapping()
        func entry(_ key: String) -> DocumentNode? { loose.first(where: { $0.key == key && !$0.value.isNull })?.value }
        let missing = { (key: String) in
            ManifestError(file: root.context.file, line: root.position?.line, column: root.position?.column,
                          field: key, message: "missing required field '\(key)'", code: root.context.code)
        }
        // A misspelt `version`/`kind` should be reported as a typo, not as missing.
        guard let versionNode = entry("version") else { _ = try root.mapping(allowed: keys(for: nil)); throw missing("version") }
        let version = try versionNode.int()
        guard version == 1 else {
            throw versionNode.error("unsupported manifest version \(version) (this version of dropforge reads version 1)")
        }
        guard let kindNode = entry("kind") else { _ = try root.mapping(allowed: keys(for: nil)); throw missing("kind") }
        let kind = try kindNode.oneOf(JobSettings.Kind.self)
        if kind == .card, let params = entry("params") {
            throw params.error("a 'kind: card' manifest describes its card in 'card:', not 'params:'")
        }
        if kind == .images, let card = entry("card") {
            throw card.error("'card:' belongs to 'kind: card' manifests; this one is 'kind: images'")
        }

        let map = try root.mapping(allowed: keys(for: kind))
        var manifest = Manifest(file: root.context.file, version: version, kind: kind)
        manifest.name = try map.field {
            try map.value("name").map { node in
                let name = try node.nonEmptyString()
                if sanitizedName(name).isEmpty {
                    throw node.error("'\(name)' has no letters or digits to make a folder name from")
                }
                return name
            }
        }
        manifest.id = try map.field {
            try map.value("id").map { node in
                let id = try node.nonEmptyString()
                if id.count > 200 { throw node.error("is longer than 200 characters") }
                if id.unicodeScalars.contains(where: { CharacterSet.controlCharacters.contains($0) }) {
                    throw node.error("must not contain control characters")
                }
                return id
            }
        }
        manifest.force = try map.field { try map.bool("force") }
        manifest.priority = try map.field { try map.oneOf("priority", JobSettings.Priority.self) }
        manifest.profile = try map.field { try map.value("profile").map { try $0.profileName() } }
        manifest.sections = try ManifestSections.parse(map, limits: limits)
        if kind == .card {
            manifest.card = try map.field { try map.value("card").map { try ManifestCard.parse($0, limits: limits) } } ?? ManifestCard()
        }
        _ = try map.field { try checkExportFormats(manifest.sections.export.formats, kind: kind, node: map.value("export")) }
        return manifest
    }

    /// An images job cannot export card files, nor a card job image lists.
    static func checkExportFormats(_ formats: [JobSettings.ExportFormat]?, kind: JobSettings.Kind, node: DocumentNode?) throws {
        guard let formats, let node else { return }
        let allowed = JobSettings.ExportFormat.allowed(for: kind)
        if let wrong = formats.first(where: { !allowed.contains($0) }) {
            throw ((try? node.mapping(allowed: ["formats"]))?.value("formats") ?? node).error(
                "'\(wrong.rawValue)' is not an export of kind \(kind.rawValue) jobs (allowed: \(allowed.map(\.rawValue).joined(separator: ", ")))")
        }
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
