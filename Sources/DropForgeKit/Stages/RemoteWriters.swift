import Foundation
import DropForgeCore

/// What the image stages ask a text provider (DESIGN §5): the final prompt (`params.writer`), a
/// pass/fail review of the image (`quality.vision`), and title, description and tags
/// (`metadata.writer`). Each asks for JSON with a schema, which the provider validates.
struct RemoteWriters: Sendable {
    let templates: PromptTemplates

    static let promptSchema = ReplySchema(name: "prompt", schema: [
        "type": "object", "additionalProperties": false, "required": ["prompt"],
        "properties": ["prompt": ["type": "string", "minLength": 1]],
    ])

    static let reviewSchema = ReplySchema(name: "review", schema: [
        "type": "object", "additionalProperties": false, "required": ["passed", "reason"],
        "properties": ["passed": ["type": "boolean"], "reason": ["type": "string"]],
    ])

    static let metadataSchema = ReplySchema(name: "metadata", schema: [
        "type": "object", "additionalProperties": false, "required": ["title", "description", "tags"],
        "properties": [
            "title": ["type": "string", "minLength": 1],
            "description": ["type": "string", "minLength": 1],
            "tags": ["type": "array", "items": ["type": "string"], "maxItems": 15],
        ],
    ])

    /// The plan with the provider's prompt in place of the template's.
    func writePrompt(_ plan: ItemPlan, template: String, provider: TextProvider, sampling: TextSampling) throws -> ItemPlan {
        let text = templates.text(PromptTemplates.promptWriter,
                                  ["prompt": plan.prompt, "keyword": plan.keyword, "template": template])
        var plan = plan
        plan.prompt = try provider.ask(text, schema: Self.promptSchema, sampling: sampling, call: .prompt) { reply in
            try field("prompt", of: reply, provider: provider).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return plan
    }

    /// The `vision` check: the image and its prompt, judged by a vision model.
    func review(png: Data, plan: ItemPlan, provider: TextProvider, sampling: TextSampling) throws -> QualityCheckResult {
        let text = templates.text(PromptTemplates.qualityVision, ["prompt": plan.prompt, "keyword": plan.keyword])
        let reply = try provider.ask(text, image: png, schema: Self.reviewSchema, sampling: sampling, call: .vision)
        let passed = reply.json?["passed"]?.boolValue ?? false
        let reason = (reply.json?["reason"]?.stringValue ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        return QualityCheckResult(check: "vision", passed: passed,
                                  detail: "\(provider.name): " + (reason.isEmpty ? (passed ? "accepted" : "rejected") : reason))
    }

    /// Title, description and tags from the prompt and keyword.
    func describe(_ plan: ItemPlan, provider: TextProvider, sampling: TextSampling) throws -> ImageMetadata {
        let text = templates.text(PromptTemplates.metadataWriter, ["prompt": plan.prompt, "keyword": plan.keyword])
        return try provider.ask(text, schema: Self.metadataSchema, sampling: sampling, call: .metadata) { reply in
            var seen = Set<String>()
            let tags = (reply.json?["tags"]?.arrayValue ?? []).compactMap { $0.stringValue?.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty && seen.insert($0.lowercased()).inserted }
            return ImageMetadata(title: try field("title", of: reply, provider: provider),
                                 description: try field("description", of: reply, provider: provider),
                                 tags: Array(tags.prefix(LocalMetadataWriter.maxTags)))
        }
    }

    /// A string member that is not blank (the schema's `minLength` lets a space through).
    private func field(_ key: String, of reply: TextReply, provider: TextProvider) throws -> String {
        guard let value = reply.json?[key]?.stringValue, !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw UnusableReply(provider: provider.name, reason: .missing(key), reply: reply.text)
        }
        return value
    }
}
