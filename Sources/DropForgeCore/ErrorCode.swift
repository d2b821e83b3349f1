/// A machine-readable error code: the `code` of `error.json`, of a `StepError` and of the job
/// log. This is the one list of them; the README's table of error codes is checked against it
/// by a test. `http_<status>` codes are made by `httpStatus(_:)`.
public struct ErrorCode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String

    public init(rawValue: String) { self.rawValue = rawValue }
    init(_ rawValue: String) { self.rawValue = rawValue }

    public var description: String { rawValue }

    /// `http_503`: a provider answered with this status.
    public static func httpStatus(_ status: Int) -> ErrorCode { ErrorCode("http_\(status)") }

    /// syntax, schema, type, range, path or limit error in the manifest.
    public static let manifestInvalid = ErrorCode("manifest_invalid")
    /// the profile it uses is broken.
    public static let profileInvalid = ErrorCode("profile_invalid")
    /// config/dropforge.yaml is broken.
    public static let configInvalid = ErrorCode("config_invalid")
    /// the claimed manifest cannot be read back.
    public static let manifestUnreadable = ErrorCode("manifest_unreadable")
    /// the dropped file is a symbolic link; only regular files are taken.
    public static let manifestSymlink = ErrorCode("manifest_symlink")
    /// its id already produced a job that did not fail.
    public static let duplicate = ErrorCode("duplicate")
    /// the template cannot be filled.
    public static let parametersInvalid = ErrorCode("parameters_invalid")
    /// a card job's input_card cannot be read as a card.
    public static let inputCardInvalid = ErrorCode("input_card_invalid")
    /// the execution has no resolved settings.
    public static let settingsMissing = ErrorCode("settings_missing")
    /// the execution's stored settings do not decode.
    public static let settingsInvalid = ErrorCode("settings_invalid")
    /// an item's stored plan does not decode.
    public static let planInvalid = ErrorCode("plan_invalid")
    /// a step names an item the store does not have.
    public static let itemMissing = ErrorCode("item_missing")
    /// an item's image is not in its work folder.
    public static let imageMissing = ErrorCode("image_missing")
    /// a card job's card is not in its work folder.
    public static let cardMissing = ErrorCode("card_missing")
    /// a written card does not validate.
    public static let cardInvalid = ErrorCode("card_invalid")
    /// a card job's avatar image is not a PNG within the limits.
    public static let avatarInvalid = ErrorCode("avatar_invalid")
    /// no item could be made.
    public static let itemsFailed = ErrorCode("items_failed")
    /// an item could not be generated.
    public static let generateFailed = ErrorCode("generate_failed")
    /// an item's quality check could not run.
    public static let qualityFailed = ErrorCode("quality_failed")
    /// every item failed quality checks.
    public static let qcRejectedAll = ErrorCode("qc_rejected_all")
    /// an item's metadata could not be written.
    public static let metadataFailed = ErrorCode("metadata_failed")
    /// the results could not be published.
    public static let exportFailed = ErrorCode("export_failed")
    /// the job has no execution in the store.
    public static let noExecution = ErrorCode("no_execution")
    /// a PNG is broken (its frame, a CRC or its pixels).
    public static let pngInvalid = ErrorCode("png_invalid")
    /// a PNG text chunk cannot carry a keyword or text.
    public static let pngText = ErrorCode("png_text")
    /// a provider name the config lacks.
    public static let providerUnknown = ErrorCode("provider_unknown")
    /// a provider of the wrong kind.
    public static let providerInvalid = ErrorCode("provider_invalid")
    /// a broken provider entry.
    public static let providerConfig = ErrorCode("provider_config")
    /// the variable an entry's api_key_env names is not set.
    public static let apiKeyMissing = ErrorCode("api_key_missing")
    /// a provider's reply broke its schema.
    public static let invalidOutput = ErrorCode("invalid_output")
    /// a provider's reply was not what the API promises.
    public static let invalidResponse = ErrorCode("invalid_response")
    /// ComfyUI rejected the workflow.
    public static let comfyNodeError = ErrorCode("comfy_node_error")
    /// ComfyUI refused the prompt.
    public static let comfyPromptError = ErrorCode("comfy_prompt_error")
    /// ComfyUI failed while running the workflow.
    public static let comfyExecutionError = ErrorCode("comfy_execution_error")
    /// ComfyUI ran out of memory (transient: another run may fit).
    public static let comfyOutOfMemory = ErrorCode("comfy_out_of_memory")
    /// ComfyUI's run was interrupted (transient).
    public static let comfyInterrupted = ErrorCode("comfy_interrupted")
    /// a provider's job did not finish in time.
    public static let timeout = ErrorCode("timeout")
    /// an HTTP exchange timed out.
    public static let httpTimeout = ErrorCode("http_timeout")
    /// nothing answered at the provider's address.
    public static let httpConnectFailed = ErrorCode("http_connect_failed")
    /// a response was over limits.http_response_bytes.
    public static let httpTooLarge = ErrorCode("http_too_large")
    /// a provider redirected too often.
    public static let httpTooManyRedirects = ErrorCode("http_too_many_redirects")
    /// a TLS handshake or certificate failed.
    public static let httpTls = ErrorCode("http_tls")
    /// a response broke HTTP.
    public static let httpProtocolError = ErrorCode("http_protocol_error")
    /// a request could not be made.
    public static let httpInvalidRequest = ErrorCode("http_invalid_request")
    /// the disk or a file-size limit is full.
    public static let noSpace = ErrorCode("no_space")
    /// reading or writing a file failed.
    public static let ioError = ErrorCode("io_error")
    /// dropforge jobs cancel.
    public static let cancelled = ErrorCode("cancelled")
    /// another watch holds this root.
    public static let watchRunning = ErrorCode("watch_running")
    /// the owner lock cannot be taken.
    public static let ownerLock = ErrorCode("owner_lock")
    /// an error no part classified.
    public static let error = ErrorCode("error")

    /// Every fixed code (not the `http_<status>` family).
    public static let all: [ErrorCode] = [
        .manifestInvalid,
        .profileInvalid,
        .configInvalid,
        .manifestUnreadable,
        .manifestSymlink,
        .duplicate,
        .parametersInvalid,
        .inputCardInvalid,
        .settingsMissing,
        .settingsInvalid,
        .planInvalid,
        .itemMissing,
        .imageMissing,
        .cardMissing,
        .cardInvalid,
        .avatarInvalid,
        .itemsFailed,
        .generateFailed,
        .qualityFailed,
        .qcRejectedAll,
        .metadataFailed,
        .exportFailed,
        .noExecution,
        .pngInvalid,
        .pngText,
        .providerUnknown,
        .providerInvalid,
        .providerConfig,
        .apiKeyMissing,
        .invalidOutput,
        .invalidResponse,
        .comfyNodeError,
        .comfyPromptError,
        .comfyExecutionError,
        .comfyOutOfMemory,
        .comfyInterrupted,
        .timeout,
        .httpTimeout,
        .httpConnectFailed,
        .httpTooLarge,
        .httpTooManyRedirects,
        .httpTls,
        .httpProtocolError,
        .httpInvalidRequest,
        .noSpace,
        .ioError,
        .cancelled,
        .watchRunning,
        .ownerLock,
        .error,
    ]
}
