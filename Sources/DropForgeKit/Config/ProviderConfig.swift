import Foundation

/// One entry of `providers:` in `config/dropforge.yaml` (DESIGN §5). Manifests and profiles
/// refer to it by name; `local` is built in and needs no entry.
public struct ProviderConfig: Codable, Sendable, Equatable {
    /// The wire protocol the provider speaks.
    public enum ProviderType: String, Codable, Sendable, CaseIterable {
        case openaiChat = "openai-chat"
        case openaiImages = "openai-images"
        case a1111
        case comfyui

        /// Image providers can serve `generate.provider`; text providers the writers and `quality.vision`.
        public var makesImages: Bool { self != .openaiChat }
    }

    public var type: ProviderType
    public var baseURL: String
    public var model: String?
    /// Name of the environment variable holding the API key (never the key itself).
    public var apiKeyEnv: String?
    public var concurrency: Int?
    /// The entry's image settings (`steps`, `cfg_scale`, `sampler_name`, …), under a job's own.
    public var generation = GenerationSettings()
    /// Calls in flight at once when the entry gives no `concurrency`.
    public static let defaultConcurrency = 4
    public var requestsPerMinute: Int?
    /// ComfyUI workflow template, relative to `config/`.
    public var workflow: String?
    /// Longest a single call may take, in seconds (default 300; image servers can be slow).
    public var timeoutSeconds: Int?
    /// The entry's own `retry:` (its keys over the top-level `retry:`), for the steps whose call
    /// to this provider failed; nil: the top-level policy.
    public var retry: DropforgeConfig.Retry?

    public init(type: ProviderType, baseURL: String, model: String? = nil, apiKeyEnv: String? = nil,
                concurrency: Int? = nil, requestsPerMinute: Int? = nil, workflow: String? = nil) {
        self.type = type
        self.baseURL = baseURL
        self.model = model
        self.apiKeyEnv = apiKeyEnv
        self.concurrency = concurrency
        self.requestsPerMinute = requestsPerMinute
        self.workflow = workflow
    }

    static func parse(_ node: DocumentNode, retry: DropforgeConfig.Retry = DropforgeConfig.Retry()) throws -> ProviderConfig {
        let map = try node.mapping(allowed: ["type", "base_url", "model", "api_key_env", "concurrency",
                                             "requests_per_minute", "workflow", "timeout_seconds", "retry"] + GenerationSettings.keys)
        let type = try map.required("type").oneOf(ProviderType.self)
        let urlNode = try map.required("base_url")
        let baseURL = try urlNode.nonEmptyString()
        guard let components = URLComponents(string: baseURL),
              let scheme = components.scheme?.lowercased(), scheme == "http" || scheme == "https",
              let host = components.host, !host.isEmpty else {
            throw urlNode.error("'\(baseURL)' is not an http:// or https:// URL")
        }
        var provider = ProviderConfig(type: type, baseURL: baseURL)
        provider.model = try map.nonEmptyString("model")
        if let envNode = map.value("api_key_env") {
            let name = try envNode.nonEmptyString()
            guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw envNode.error("'\(name)' is not an environment variable name (put the variable's name here, not the key)")
            }
            provider.apiKeyEnv = name
        }
        provider.concurrency = try map.int("concurrency", in: 1...256)
        provider.requestsPerMinute = try map.int("requests_per_minute", in: 1...1_000_000)
        provider.workflow = try map.value("workflow").map { try SafePath.checkSyntax($0) }
        provider.timeoutSeconds = try map.int("timeout_seconds", in: 1...86_400)
        provider.retry = try map.value("retry").map { try DropforgeConfig.parseRetry($0, over: retry) }
        provider.generation = try GenerationSettings.parse(map)
        return provider
    }
}
