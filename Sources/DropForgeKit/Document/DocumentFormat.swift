import Foundation

/// The two syntaxes a manifest may use; both go through the same strict reader.
enum DocumentFormat: String, Sendable {
    case yaml
    case json

    /// Picks the format from the file extension (`.json`, `.yaml`, `.yml`); nil for anything else.
    init?(fileName: String) {
        switch (fileName as NSString).pathExtension.lowercased() {
        case "json": self = .json
        case "yaml", "yml": self = .yaml
        default: return nil
        }
    }
}
