import Foundation
import DropForgeCore
import DropForgeCards

/// The resolved `card:` block of a `kind: card` job: part of the execution's settings snapshot.
public struct CardSettings: Codable, Sendable, Equatable {
    /// The spec written: `v3` puts the card in both `chara` and `ccv3`, `v2` in `chara` only.
    public var spec: CharacterCard.Spec
    /// The source material's text (read from `source_file` at admission, so reruns see the same).
    public var source: String?
    /// `source_file` as written (relative to `config/`).
    public var sourceFile: String?
    /// The input card's path relative to the root (checked at admission, read by the parameters stage).
    public var inputCard: String?
    public var fields: [CardFieldValue]
    public var book: CardBookSettings
    public var avatar: CardAvatarSettings
    /// Who writes missing fields: `local` (templates) or a text provider.
    public var writer: String

    /// The manifest's snake_case keys (see `JobSettings.CodingKeys`).
    enum CodingKeys: String, CodingKey {
        case spec, source, sourceFile = "source_file", inputCard = "input_card", fields, book, avatar, writer
    }

    public init(spec: CharacterCard.Spec = .v3, source: String? = nil, sourceFile: String? = nil, inputCard: String? = nil,
                fields: [CardFieldValue] = [], book: CardBookSettings = CardBookSettings(),
                avatar: CardAvatarSettings = CardAvatarSettings(), writer: String = "local") {
        self.spec = spec
        self.source = source
        self.sourceFile = sourceFile
        self.inputCard = inputCard
        self.fields = fields
        self.book = book
        self.avatar = avatar
        self.writer = writer
    }
}

/// How the card's avatar is made: rendered from a prompt, or an existing PNG.
public struct CardAvatarSettings: Codable, Sendable, Equatable {
    /// nil: derived from the card's name and description by the parameters stage.
    public var prompt: String?
    /// An existing PNG, relative to the root.
    public var image: String?
    public var provider: String = "local"
    public var seed: UInt32?
    /// Long side in pixels; avatars are square.
    public var size: Int = CardAvatarSettings.defaultSize

    public static let defaultSize = 512

    public init(prompt: String? = nil, image: String? = nil, provider: String = "local", seed: UInt32? = nil,
                size: Int = CardAvatarSettings.defaultSize) {
        self.prompt = prompt
        self.image = image
        self.provider = provider
        self.seed = seed
        self.size = size
    }
}

extension JobSettings {
    /// Resolves a `kind: card` manifest. The card block comes from the manifest alone (profiles
    /// describe image jobs); `generate.provider`, `quality` and `metadata` still merge with the
    /// profile, and exports default to `[card_png, card_json]` unless the manifest lists them.
    static func resolveCard(manifest: Manifest, manifestFile: String, sources: [SettingsSource], profile: Profile?,
                            rootDirectory: URL, limits: Limits, checker: ProviderCheck,
                            problems: ProblemCollector?) throws -> JobSettings {
        func check<T>(_ body: () throws -> T?) throws -> T? { try problems.map { try $0.collecting(body) } ?? body() }
        let block = manifest.card ?? ManifestCard()
        let own = sources[0]
        func first<T>(_ get: (ManifestSections) -> T?) -> (value: T, source: SettingsSource)? { sources.firstGiven(get) }
        let rootPath = rootDirectory.resolvingSymlinksInPath().path
        func rootRelative(_ url: URL) -> String {
            let prefix = rootPath.hasSuffix("/") ? rootPath : rootPath + "/"
            return url.path.hasPrefix(prefix) ? String(url.path.dropFirst(prefix.count)) : url.path
        }

        var card = CardSettings(spec: block.spec ?? .v3, fields: block.fields, book: block.book ?? CardBookSettings())
        if let text = block.sourceMaterial {
            card.source = text
        } else if let path = block.sourceFile {
            card.source = try check {
                let data = try own.readFile(path, field: "card.source_file", rootDirectory: rootDirectory, maxBytes: limits.manifestBytes)
                do { return try TextFileCheck.decode(data, path: path) } catch let problem as KeywordFileReader.Problem {
                    throw own.error("card.source_file", problem.message)
                }
            }
            card.sourceFile = path
        }
        if let path = block.inputCard {
            card.inputCard = try check {
                let url = try own.locate(path, field: "card.input_card", rootDirectory: rootDirectory)
                try checkInputCard(url, path: path, source: own, limits: limits)
                return rootRelative(url)
            }
        }
        let generator = try check { try checker.resolve(first { $0.generate.provider }, field: "generate.provider", role: .image) } ?? "local"
        if let avatar = block.avatar {
            card.avatar.prompt = avatar.prompt
            if let path = avatar.image {
                card.avatar.image = try check { rootRelative(try own.locate(path, field: "card.avatar.image", rootDirectory: rootDirectory)) }
            }
            card.avatar.seed = avatar.seed
            card.avatar.size = avatar.size ?? CardAvatarSettings.defaultSize
        }
        card.avatar.provider = try check {
            try checker.resolveOptional(block.avatar?.provider.map { (value: $0, source: own) }, field: "card.avatar.provider", role: .image)
        } ?? generator
        card.writer = try check { try checker.resolve(block.writer.map { (value: $0, source: own) }, field: "card.writer", role: .text) } ?? "local"
        let metadataWriter = try check { try checker.resolve(first { $0.metadata.writer }, field: "metadata.writer", role: .text) } ?? "local"

        var settings = JobSettings(
            kind: .card,
            name: jobName(manifest: manifest, manifestFile: manifestFile),
            manifestID: manifest.id,
            force: manifest.force ?? false,
            priority: manifest.priority ?? .normal,
            profileName: profile?.name,
            params: Params(template: "", size: card.avatar.size, seed: card.avatar.seed, writer: card.writer),
            generate: Generate(provider: card.avatar.provider),
            quality: Quality(enabled: first { $0.quality.enabled }?.value ?? true, checks: [], vision: nil),
            metadata: Metadata(enabled: first { $0.metadata.enabled }?.value ?? true, writer: metadataWriter),
            export: Export(formats: manifest.export.formats ?? [.cardPNG, .cardJSON]),
            card: card)
        settings.text = textSampling(sources)
        return settings
    }

    /// Reads the input card as the parameters stage will, so a file that is not a card fails
    /// the manifest at `card.input_card` (code `input_card_invalid`) instead of the job later.
    /// One card read: no image work beyond the PNG's text chunks.
    static func checkInputCard(_ url: URL, path: String, source: SettingsSource, limits: Limits) throws {
        do {
            _ = try CardFile.read(contentsOf: url, limits: limits)
        } catch {
            var problem = source.error("card.input_card", "input card \(path): \(error)")
            problem.code = ErrorCode.inputCardInvalid.rawValue
            throw problem
        }
    }
}
