import Foundation

/// Resolves the provider names used by manifests and profiles (`generate.provider`,
/// `params.writer`, `metadata.writer`, …) to implementations. `local` needs no config entry.
public struct ProviderRegistry: Sendable {
    public let config: DropforgeConfig

    public init(config: DropforgeConfig) {
        self.config = config
    }

    public func imageProvider(named name: String) throws -> ImageProvider {
        if name == "local" { return LocalImageProvider() }
        throw unavailable(name)
    }

    /// Only the local template writer exists in this version; remote writers come with the providers issue.
    public func requireLocalWriter(named name: String) throws {
        guard name == "local" else { throw unavailable(name) }
    }

    private func unavailable(_ name: String) -> StepError {
        if let entry = config.providers[name] {
            return .permanent("provider_unavailable", "provider '\(name)' (type \(entry.type)) is not available in this version of dropforge")
        }
        return .permanent("provider_unknown", "unknown provider '\(name)'")
    }
}
