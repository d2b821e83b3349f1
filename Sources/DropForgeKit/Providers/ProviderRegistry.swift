import Foundation
import DropForgeMedia
import DropForgeHTTP
import DropForgeCore

/// Resolves the provider names used by manifests and profiles (`generate.provider`,
/// `params.writer`, `quality.vision`, `metadata.writer`, `card.writer`) to implementations.
/// `local` needs no config entry. One instance per process: each configured provider gets one
/// endpoint, so its `concurrency` and `requests_per_minute` hold across all stages and jobs.
public final class ProviderRegistry: Sendable {
    public let config: DropforgeConfig
    let endpoints: [String: ProviderEndpoint]
    let layout: RootLayout?
    let limits: PNGLimits

    /// `environment` supplies the API keys (the variables each entry's `api_key_env` names).
    public init(config: DropforgeConfig, layout: RootLayout? = nil,
                environment: [String: String] = ProcessInfo.processInfo.environment, client: HTTPClient = HTTPClient()) {
        self.config = config
        self.layout = layout
        limits = config.limits.pngLimits
        endpoints = Dictionary(uniqueKeysWithValues: config.providers.map { name, entry in
            var options = HTTPClientOptions(maxResponseBytes: config.limits.httpResponseBytes)
            if let seconds = entry.timeoutSeconds {
                options.totalTimeout = TimeInterval(seconds)
                options.connectTimeout = min(options.connectTimeout, TimeInterval(seconds))
            }
            return (name, ProviderEndpoint(name: name, config: entry, environment: environment, client: client, options: options))
        })
        chat = Dictionary(uniqueKeysWithValues: endpoints.filter { $0.value.config.type == .openaiChat }
            .map { ($0.key, OpenAIChatProvider(endpoint: $0.value, attempts: $0.value.config.retry?.maxAttempts ?? config.retry.maxAttempts)) })
    }

    /// Text providers are kept, so what one learnt about its server (which `response_format`
    /// it accepts) serves every later call.
    private let chat: [String: OpenAIChatProvider]

    public func imageProvider(named name: String) throws -> ImageProvider {
        if name == "local" { return LocalImageProvider() }
        guard let endpoint = endpoints[name] else { throw Self.unknown(name) }
        switch endpoint.config.type {
        case .a1111: return A1111Provider(endpoint: endpoint, limits: limits)
        case .openaiImages: return OpenAIImagesProvider(endpoint: endpoint, limits: limits)
        case .comfyui:
            return ComfyUIProvider(endpoint: endpoint, workflow: try workflow(for: endpoint), limits: limits,
                                   deadline: TimeInterval(endpoint.config.timeoutSeconds ?? 600))
        case .openaiChat:
            throw StepError.permanent(.providerInvalid, "provider '\(name)' (type openai-chat) cannot generate images")
        }
    }

    /// The text provider `name`, or nil for the built-in `local` writer.
    public func textProvider(named name: String) throws -> TextProvider? {
        if name == "local" { return nil }
        if let provider = chat[name] { return provider }
        if let entry = config.providers[name] {
            throw StepError.permanent(.providerInvalid, "provider '\(name)' (type \(entry.type.rawValue)) cannot write text")
        }
        throw Self.unknown(name)
    }

    /// What each entry's limiter holds now, by name.
    func loads() -> [ProviderLoad] {
        endpoints.sorted { $0.key < $1.key }.map { name, endpoint in
            let load = endpoint.limiter.load
            return ProviderLoad(name: name, type: endpoint.config.type.rawValue, concurrency: endpoint.limiter.concurrency,
                                requestsPerMinute: endpoint.limiter.requestsPerMinute, inFlight: load.inFlight, waiting: load.waiting,
                                startedLastMinute: load.startedInWindow)
        }
    }

    /// The ComfyUI workflow template the entry names (`workflow:`, relative to `config/`).
    private func workflow(for endpoint: ProviderEndpoint) throws -> String {
        guard let path = endpoint.config.workflow, let layout else {
            throw StepError.permanent(.providerConfig, "provider '\(endpoint.name)' (type comfyui) needs `workflow:` (a workflow template under config/)")
        }
        do {
            let url = try SafePath.resolve(path, configDirectory: layout.config, rootDirectory: layout.root)
            return String(decoding: try SafePath.readFile(url, maxBytes: config.limits.manifestBytes), as: UTF8.self)
        } catch let rejection as SafePath.Rejection {
            throw StepError.permanent(.providerConfig, "provider '\(endpoint.name)': workflow \(path): \(rejection.message)")
        }
    }

    private static func unknown(_ name: String) -> StepError {
        .permanent(.providerUnknown, "unknown provider '\(name)'")
    }
}
