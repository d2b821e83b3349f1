import Foundation
import DropForgeMedia
import DropForgeCore
import DropForgeStore

/// Stage 4: title, description and tags for each approved image, embedded as PNG text chunks
/// (`Title`, `Description`, `Keywords`) by splicing them in — the pixels are never re-encoded.
public struct MetadataStage: StageRunner {
    public let stage = Stage.metadata
    let layout: RootLayout
    let providers: ProviderRegistry
    let writer = LocalMetadataWriter()
    let writers: RemoteWriters

    public init(layout: RootLayout, providers: ProviderRegistry) {
        self.layout = layout
        self.providers = providers
        writers = RemoteWriters(templates: PromptTemplates(layout: layout))
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let settings = try lease.settings()
        let plan = try lease.plan()
        let remote = try providers.textProvider(named: settings.metadata.writer)
        guard let path = lease.item?.imagePath else {
            throw StepError.permanent(.imageMissing, "item has no generated image")
        }
        let metadata = try remote.map { try writers.describe(plan, provider: $0, sampling: settings.text ?? TextSampling()) }
            ?? writer.write(prompt: plan.prompt, keyword: plan.keyword, values: plan.values)
        let png = try PNGTextEmbedder.insert([
            ("Title", metadata.title),
            ("Description", metadata.description),
            ("Keywords", metadata.tags.joined(separator: ", ")),
        ], into: Data(contentsOf: layout.resolve(path)))
        let file = try layout.workFile(execution: lease.execution.id, named: "\(itemFileStem(plan.index)).png")
        try FileSystem.writeAtomically(png, to: file)
        return .described(metadata: try JSONCoding.encode(metadata), imagePath: layout.relativePath(file))
    }
}
