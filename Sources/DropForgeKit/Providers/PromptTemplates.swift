import Foundation

/// The instruction templates text providers get (`config/templates/prompt-writer.txt`,
/// `quality-vision.txt`, `metadata-writer.txt`): the root's own file when it has one, so people
/// can tune them, else the copy built into dropforge.
public struct PromptTemplates: Sendable {
    public let layout: RootLayout

    public init(layout: RootLayout) {
        self.layout = layout
    }

    public static let promptWriter = "prompt-writer.txt"
    public static let qualityVision = "quality-vision.txt"
    public static let metadataWriter = "metadata-writer.txt"

    /// The template `name`, filled with `values` (`{prompt}`, `{keyword}`, …).
    public func text(_ name: String, _ values: [String: String]) -> String {
        let relative = "templates/\(name)"
        let template = own(relative) ?? DefaultFiles.files.first { $0.path == relative }?.contents ?? ""
        return Self.fill(template, values)
    }

    /// The root's own `config/<relative>`, nil when it has none (or it is unreadable, not UTF-8,
    /// or a symlink out of the root). Read once per process and kept until the file changes.
    private func own(_ relative: String) -> String? {
        let candidate = layout.config.appendingPathComponent(relative).path
        let read = { [layout] () -> String? in
            let url = try? SafePath.resolve(relative, configDirectory: layout.config, rootDirectory: layout.root)
            return url.flatMap { try? String(contentsOf: $0, encoding: .utf8) }
        }
        return Self.cache.value(path: candidate, context: layout.root, load: read) ?? nil
    }

    /// The root's own templates, by path.
    static let cache = FileCache<URL, String?>()

    /// Replaces each `{slot}` of `template` in one pass, so text a slot brings in (a prompt that
    /// itself says `{keyword}`) is never substituted again; unknown slots stay as written.
    public static func fill(_ template: String, _ values: [String: String]) -> String {
        var result = ""
        var rest = Substring(template)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            let afterOpen = rest.index(after: open)
            if let close = rest[afterOpen...].firstIndex(of: "}"), let value = values[String(rest[afterOpen..<close])] {
                result += value
                rest = rest[rest.index(after: close)...]
            } else {
                result.append("{")
                rest = rest[afterOpen...]
            }
        }
        return result + rest
    }
}
