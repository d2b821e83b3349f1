import Foundation
import DropForgeCore

extension JobSettings {
    /// One place settings can come from (the manifest, then its profile), kept with its file so
    /// errors about a value point at the file and field that wrote it.
    struct SettingsSource {
        let file: String
        let code: String
        let sections: ManifestSections

        func error(_ field: String, _ message: String) -> ManifestError {
            let position = sections.positions[field]
            return ManifestError(file: file, line: position?.line, column: position?.column, field: field,
                                 message: message, code: code)
        }

        /// The real URL of a file named at `field`, relative to `config/` and inside the root.
        func locate(_ path: String, field: String, rootDirectory: URL) throws -> URL {
            do {
                return try SafePath.resolve(path, configDirectory: rootDirectory.appendingPathComponent("config"),
                                            rootDirectory: rootDirectory)
            } catch let rejection as SafePath.Rejection {
                throw error(field, rejection.message)
            }
        }

        /// Reads a file named at `field` (see `locate`), refusing more than `maxBytes`.
        func readFile(_ path: String, field: String, rootDirectory: URL, maxBytes: Int) throws -> Data {
            let url = try locate(path, field: field, rootDirectory: rootDirectory)
            do {
                return try SafePath.readFile(url, maxBytes: maxBytes)
            } catch let rejection as SafePath.Rejection {
                throw error(field, rejection.message)
            }
        }

        /// A file named at `field` (see `locate`), read and made into a value by `parse`, which
        /// throws a `KeywordFileReader.Problem` for what is wrong inside it; every problem is
        /// reported at `field`. Kept in `cache` until the file changes: an unchanged file costs
        /// one `stat`, no read, no parse.
        func parsedFile<T: Sendable>(_ path: String, field: String, rootDirectory: URL, maxBytes: Int,
                                     cache: FileCache<ParsedFileContext, Result<T, KeywordFileReader.Problem>>,
                                     parse: (Data) throws -> T) throws -> T {
            let configDirectory = rootDirectory.appendingPathComponent("config", isDirectory: true)
            func load() -> Result<T, KeywordFileReader.Problem> {
                do {
                    let url = try SafePath.resolve(path, configDirectory: configDirectory, rootDirectory: rootDirectory)
                    return .success(try parse(try SafePath.readFile(url, maxBytes: maxBytes)))
                } catch let rejection as SafePath.Rejection {
                    return .failure(KeywordFileReader.Problem(message: rejection.message))
                } catch let problem as KeywordFileReader.Problem {
                    return .failure(problem)
                } catch {
                    return .failure(KeywordFileReader.Problem(message: "\(error)"))
                }
            }
            let outcome: Result<T, KeywordFileReader.Problem>
            let candidate = configDirectory.appendingPathComponent(path, isDirectory: false).path
            if (try? SafePath.checkSyntax(path)) != nil, let stamp = FileStamp(path: candidate) {
                outcome = cache.value(path: candidate, stamp: stamp,
                                      context: ParsedFileContext(path: path, maxBytes: maxBytes), load: load)
            } else {
                outcome = load()  // not there, or not a path at all: the full check says why, every time
            }
            switch outcome {
            case .success(let value): return value
            case .failure(let problem): throw error(field, problem.message)
            }
        }
    }

    /// What a kept template or keyword file was parsed under: its path as the manifest or
    /// profile wrote it (messages name it) and the size limit.
    struct ParsedFileContext: Equatable, Sendable {
        var path: String
        var maxBytes: Int
    }

    /// `template_file`s and `keywords_file`s of this process, parsed, by path.
    static let templateFiles = FileCache<ParsedFileContext, Result<String, KeywordFileReader.Problem>>()
    static let keywordFiles = FileCache<ParsedFileContext, Result<KeywordTable, KeywordFileReader.Problem>>()

    /// Resolves a parsed manifest into the settings an execution runs with.
    ///
    /// Precedence: manifest value, else profile value, else built-in default. `template` and
    /// `template_file` (likewise `keywords` / `keywords_file`) are one setting: whichever the
    /// manifest gives wins over either in the profile. Files are read here (parsed once
    /// per process while they stay unchanged: `parsedFile`), relative to `<root>/config/`, and must stay inside the root. Provider names must be `local` or
    /// configured in `config.providers`, fit the role (image vs text) and be of a type in
    /// `availableProviderTypes` (all of them, unless a caller narrows it).
    ///
    /// With `problems`, each setting's problem is recorded and resolution goes on (a failed
    /// setting takes its default), and the parameter expansion's checks run at the end; the
    /// caller throws what was found. Without, the first problem is thrown.
    public static func resolve(manifest: Manifest, manifestFile: String, profile: Profile?, rootDirectory: URL,
                               config: DropforgeConfig,
                               availableProviderTypes: Set<ProviderConfig.ProviderType> = Set(ProviderConfig.ProviderType.allCases)) throws -> JobSettings {
        try resolve(manifest: manifest, manifestFile: manifestFile, profile: profile, rootDirectory: rootDirectory,
                    config: config, availableProviderTypes: availableProviderTypes, problems: nil)
    }

    static func resolve(manifest: Manifest, manifestFile: String, profile: Profile?, rootDirectory: URL,
                        config: DropforgeConfig, availableProviderTypes: Set<ProviderConfig.ProviderType>,
                        problems: ProblemCollector?) throws -> JobSettings {
        let sources = [SettingsSource(file: manifest.file, code: ManifestError.manifestInvalid, sections: manifest.sections)]
            + (profile.map { [SettingsSource(file: $0.file, code: ManifestError.profileInvalid, sections: $0.sections)] } ?? [])
        let limits = config.limits

        func first<T>(_ get: (ManifestSections) -> T?) -> (value: T, source: SettingsSource)? { sources.firstGiven(get) }
        func value<T>(_ get: (ManifestSections) -> T?) -> T? { first(get)?.value }
        func check<T>(_ body: () throws -> T?) throws -> T? { try problems.map { try $0.collecting(body) } ?? body() }

        if manifest.kind == .card {
            return try resolveCard(manifest: manifest, manifestFile: manifestFile, sources: sources, profile: profile,
                                   rootDirectory: rootDirectory, limits: limits,
                                   checker: ProviderCheck(config: config, available: availableProviderTypes), problems: problems)
        }

        // Template: inline text or a file, from the first source that gives either.
        let templateChoice = first({ $0.params.template != nil || $0.params.templateFile != nil ? $0.params : nil })
        if templateChoice == nil, problems?.hasProblem(under: ["params"]) != true {
            let position = manifest.sections.positions["params"]
            let hint = profile.map { " (nor does profile '\($0.name)')" } ?? ""
            let missing = ManifestError(file: manifest.file, line: position?.line, column: position?.column,
                                        field: "params.template",
                                        message: "missing required field 'template' (or 'template_file'); the manifest gives neither\(hint)",
                                        code: ManifestError.manifestInvalid)
            guard let problems else { throw missing }
            problems.add(missing)
        }
        var template = templateChoice?.value.template ?? ""
        var templateSource: String? = nil
        if let templateChoice, let path = templateChoice.value.templateFile {
            template = try check { try templateChoice.source.parsedFile(
                path, field: "params.template_file", rootDirectory: rootDirectory, maxBytes: limits.manifestBytes,
                cache: templateFiles) { data in
                let text = try TextFileCheck.decode(data, path: path)
                if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                    throw KeywordFileReader.Problem(message: "'\(path)' is empty")
                }
                return text
            } } ?? ""
            templateSource = path
        }

        // Keywords: inline list or a .txt/.csv file; none at all is an empty list.
        var keywords = KeywordTable.list([])
        var keywordsSource: String? = nil
        if let choice = first({ $0.params.keywords != nil || $0.params.keywordsFile != nil ? $0.params : nil }) {
            if let path = choice.value.keywordsFile {
                keywords = try check { try choice.source.parsedFile(
                    path, field: "params.keywords_file", rootDirectory: rootDirectory, maxBytes: limits.manifestBytes,
                    cache: keywordFiles) { try KeywordFileReader.read($0, path: path) } } ?? keywords
                keywordsSource = path
            } else {
                keywords = .list(choice.value.keywords ?? [])
            }
        }

        // Providers named anywhere must exist and be usable for their role.
        let checker = ProviderCheck(config: config, available: availableProviderTypes)
        let writer = try check { try checker.resolve(first { $0.params.writer }, field: "params.writer", role: .text) } ?? "local"
        let generator = try check { try checker.resolve(first { $0.generate.provider }, field: "generate.provider", role: .image) } ?? "local"
        let vision = try check { try checker.resolveOptional(first { $0.quality.vision }, field: "quality.vision", role: .text) }
        let metadataWriter = try check { try checker.resolve(first { $0.metadata.writer }, field: "metadata.writer", role: .text) } ?? "local"

        var settings = JobSettings(
            kind: manifest.kind,
            name: jobName(manifest: manifest, manifestFile: manifestFile),
            manifestID: manifest.id,
            force: manifest.force ?? false,
            priority: manifest.priority ?? .normal,
            profileName: profile?.name,
            params: Params(
                template: template,
                templateSource: templateSource,
                keywords: keywords,
                keywordsSource: keywordsSource,
                vars: value { $0.params.vars } ?? [],
                pick: value { $0.params.pick } ?? .sequential,
                count: value { $0.params.count },
                aspectRatios: value { $0.params.aspectRatios } ?? ["1:1"],
                size: value { $0.params.size } ?? 768,
                seed: value { $0.params.seed },
                negative: value { $0.params.negative } ?? "",
                writer: writer),
            generate: Generate(provider: generator, settings: generationSettings(sources)),
            quality: Quality(enabled: value { $0.quality.enabled } ?? true,
                             checks: value { $0.quality.checks } ?? QualityCheck.allCases,
                             vision: vision),
            metadata: Metadata(enabled: value { $0.metadata.enabled } ?? true, writer: metadataWriter),
            export: Export(formats: value { $0.export.formats } ?? [.png, .csv, .json]))
        settings.text = textSampling(sources)
        // A setting the expansion builds on that already failed would only make its placeholders look unknown.
        let built = ["params.template", "params.template_file", "params.keywords", "params.keywords_file",
                     "params.vars", "params.negative"]
        let blocked = problems.map { $0.hasProblem(under: built) || $0.errors.contains { $0.field == "params" } } ?? false
        if templateChoice != nil, !blocked {
            let found = checkParameters(settings.params, sources: sources) + checkTotalPixels(settings.params, sources: sources, limits: limits)
            if let problems { found.forEach(problems.add) } else if let first = found.first { throw first }
        }
        return settings
    }

    /// What the parameters stage would refuse (`ParameterExpander.problems`), positioned at the
    /// setting that wrote it, so `validate` and intake reject the manifest instead of a stage.
    static func checkParameters(_ params: Params, sources: [SettingsSource]) -> [ManifestError] {
        let spec = ParameterSpec(template: params.template, keywords: params.keywords, vars: params.vars, pick: params.pick,
                                 count: params.count, aspectRatios: params.aspectRatios, size: params.size,
                                 seed: params.seed, negative: params.negative)
        return ParameterExpander.problems(spec).map { problem in
            var field = "params.\(problem.field)"
            var message = problem.message
            if problem.field == "template", let file = params.templateSource {
                field = "params.template_file"
                message = "\(file): \(message)"
            }
            let source = sources.firstGiven { $0.positions[field] != nil ? $0 : nil }?.source ?? sources[0]
            var error = source.error(field, message)
            error.code = ErrorCode.parametersInvalid.rawValue
            return error
        }
    }

    /// The `generate:` settings, each key from the first source that gives it; nil when none does.
    static func generationSettings(_ sources: [SettingsSource]) -> GenerationSettings? {
        let merged = sources.map(\.sections.generate.settings).reduce(GenerationSettings()) { $0.over($1) }
        return merged.isEmpty ? nil : merged
    }

    /// Each kind of call's `max_tokens` from the first source that gives it (a single number
    /// gives every kind); nil when no source gives any.
    static func maxTokens(_ sources: [SettingsSource]) -> MaxTokens? {
        let given = sources.compactMap(\.sections.text.maxTokens)
        guard !given.isEmpty else { return nil }
        return given.reduce(MaxTokens()) { $0.over($1) }
    }

    /// `limits.job_pixels`: the items × width × height the job would make, positioned at its
    /// `count` (or `size` when the count follows from the combinations).
    static func checkTotalPixels(_ params: Params, sources: [SettingsSource], limits: Limits) -> [ManifestError] {
        let spec = ParameterSpec(template: params.template, keywords: params.keywords, vars: params.vars,
                                 count: params.count, aspectRatios: params.aspectRatios, size: params.size)
        let (pixels, items) = ParameterExpander.totalPixels(spec)
        guard pixels > limits.jobPixels else { return [] }
        let field = params.count != nil ? "params.count" : "params.size"
        let source = sources.firstGiven { $0.positions[field] != nil ? $0 : nil }?.source ?? sources[0]
        return [source.error(field, "\(items) items of up to \(params.size) px a side make \(pixels) pixels, "
                                   + "over the limit of \(limits.jobPixels) per job (limits.job_pixels in config/dropforge.yaml); "
                                   + "make fewer or smaller images")]
    }

    /// The `text:` settings, each value from the first source that gives it; nil when none does.
    static func textSampling(_ sources: [SettingsSource]) -> TextSampling? {
        func value<T>(_ get: (ManifestText) -> T?) -> T? { sources.compactMap { get($0.sections.text) }.first }
        let sampling = TextSampling(model: value { $0.model }, temperature: value { $0.temperature },
                                    topP: value { $0.topP }, maxTokens: maxTokens(sources))
        return sampling == TextSampling() ? nil : sampling
    }
}

extension JobSettings {
    /// The folder-safe job name: the manifest's `name`, else the file's stem, else `job`.
    static func jobName(manifest: Manifest, manifestFile: String) -> String {
        let stem = ((manifestFile as NSString).lastPathComponent as NSString).deletingPathExtension
        let name = manifest.name.map(Manifest.sanitizedName) ?? Manifest.sanitizedName(stem)
        return name.isEmpty ? "job" : name
    }
}

extension Array where Element == JobSettings.SettingsSource {
    /// The first value a source gives (manifest before profile), with the source that gave it.
    func firstGiven<T>(_ get: (ManifestSections) -> T?) -> (value: T, source: JobSettings.SettingsSource)? {
        for source in self { if let value = get(source.sections) { return (value, source) } }
        return nil
    }
}

/// Checks provider names against `config/dropforge.yaml` (see `JobSettings.resolve`).
struct ProviderCheck {
    enum Role { case image, text }

    let config: DropforgeConfig
    let available: Set<ProviderConfig.ProviderType>

    func resolve(_ choice: (value: String, source: JobSettings.SettingsSource)?, field: String, role: Role) throws -> String {
        try resolveOptional(choice, field: field, role: role) ?? "local"
    }

    func resolveOptional(_ choice: (value: String, source: JobSettings.SettingsSource)?, field: String, role: Role) throws -> String? {
        guard let (name, source) = choice else { return nil }
        if name == "local" { return name }
        guard let provider = config.providers[name] else {
            let defined = config.providers.keys.sorted()
            let list = defined.isEmpty ? "no providers" : "defines: " + defined.joined(separator: ", ")
            var message = "unknown provider '\(name)' (config/dropforge.yaml \(list))"
            if let suggestion = EditDistance.suggestion(for: name, among: defined + ["local"]) {
                message += "; did you mean '\(suggestion)'?"
            }
            throw source.error(field, message)
        }
        let type = provider.type.rawValue
        switch role {
        case .image where !provider.type.makesImages:
            throw source.error(field, "provider '\(name)' (type \(type)) is a text provider and cannot generate images")
        case .text where provider.type.makesImages:
            throw source.error(field, "provider '\(name)' (type \(type)) is an image provider and cannot write text")
        default:
            break
        }
        guard available.contains(provider.type) else {
            throw source.error(field, "provider '\(name)' (type \(type)) is not available in this version")
        }
        return name
    }
}
