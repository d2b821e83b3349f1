import DropForgeCore
import Foundation

/// A problem with a manifest, profile or config file, positioned so a person can fix it.
///
/// Every rejection in dropforge must say *what* and *where* (DESIGN §9): the file, the line and
/// column (1-based, columns counted in Unicode scalars like libyaml does), and the dotted field
/// path (`params.vars.style[1]`). The value is Codable so it can be written into
/// `failures/<job>/error.json` and the state database unchanged.
public struct ManifestError: Error, CustomStringConvertible, Sendable, Codable, Equatable {
    /// The file name as the user knows it (usually the dropped file's name, or `config/...`).
    public var file: String
    public var line: Int?
    public var column: Int?
    /// Dotted field path, e.g. `params.count`; nil when the problem is about the whole file.
    public var field: String?
    public var message: String
    /// Machine-readable code: `manifest_invalid`, `profile_invalid` or `config_invalid`.
    public var code: String

    /// Code for problems in a dropped manifest.
    public static let manifestInvalid = ErrorCode.manifestInvalid.rawValue
    /// Code for problems in `config/profiles/<name>.yaml`.
    public static let profileInvalid = ErrorCode.profileInvalid.rawValue
    /// Code for problems in `config/dropforge.yaml`.
    public static let configInvalid = ErrorCode.configInvalid.rawValue

    public init(file: String, line: Int? = nil, column: Int? = nil, field: String? = nil,
                message: String, code: String = ManifestError.manifestInvalid) {
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.message = message
        self.code = code
    }

    /// `cats.yaml:7:10: params.count: 5000 is over the limit of 1000`
    public var description: String {
        var text = file
        if let line {
            text += ":\(line)"
            if let column { text += ":\(column)" }
        }
        text += ": "
        if let field, !field.isEmpty { text += "\(field): " }
        return text + message
    }
}

/// A line/column pair (1-based) inside a manifest, profile or config file.
public struct ManifestPosition: Codable, Sendable, Equatable, Hashable {
    public var line: Int
    public var column: Int
    public init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}
