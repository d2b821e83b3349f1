import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeJSON
@testable import DropForgeHTTP
@testable import DropForgeCards

/// The card writer with a text provider: empty fields one call each, lorebook topics then batches.
final class RemoteCardWriterTests: XCTestCase {
    private func completion(_ content: String) -> FakeHTTPServer.FakeResponse {
        .json(#"{"id":"c","object":"chat.completion","model":"m1","choices":[{"index":0,"message":{"role":"assistant","content":"#
              + JSONWriter.compact(.string(content)) + #"},"finish_reason":"stop"}],"usage":{"prompt_tokens":10,"completion_tokens":5}}"#)
    }

    /// The schema name each request asked for, and the instruction it carried.
    private func asked(_ request: FakeHTTPServer.RecordedRequest) -> (schema: String, text: String) {
        let json = (try? JSONParser.parse(request.body)) ?? .null
        let schema = json["response_format"]?["json_schema"]?["name"]?.stringValue ?? ""
        let text = json["messages"]?.arrayValue?.compactMap { $0["content"]?.stringValue }.joined(separator: "\n") ?? ""
        return (schema, text)
    }

    private func writer(_ server: FakeHTTPServer) -> (RemoteCardWriter, OpenAIChatProvider) {
        let config = ProviderConfig(type: .openaiChat, baseURL: server.url("/v1").absoluteString, model: "m1")
        let endpoint = ProviderEndpoint(name: "chat", config: config, environment: [:],
                                        options: HTTPClientOptions(connectTimeout: 2, totalTimeout: 5))
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("no-root-\(UUID().uuidString)")
        return (RemoteCardWriter(templates: PromptTemplates(layout: RootLayout(root: root))), OpenAIChatProvider(endpoint: endpoint))
    }

    func testEmptyFieldsAreWrittenOneCallEachAndFilledOnesAreNeverSent() throws {
        let server = try FakeHTTPServer { [self] request in
            let (schema, text) = asked(request)
            XCTAssertEqual(schema, "card_field")
            let field = ["description", "personality", "scenario", "first_mes", "mes_example"].first { text.contains("\"\($0)\" field") } ?? "?"
            return completion(#"{"text": "written \#(field) for {{char}}"}"#)
        }
        defer { server.stop() }
        var card = CardPlanner.emptyCard()
        card.setField("name", "Ada")
        card.setField("first_mes", "Hello, {{user}}.")
        let (remote, provider) = writer(server)
        let (result, usage) = try UsageMeter.measuring { try remote.complete(card, provider: provider, sampling: TextSampling()) }
        XCTAssertEqual(result.written, ["description", "personality", "scenario", "mes_example"])
        XCTAssertEqual(result.card.text("description"), "written description for {{char}}")
        XCTAssertEqual(result.card.text("first_mes"), "Hello, {{user}}.")
        XCTAssertEqual(server.requests.count, 4)
        XCTAssertEqual(usage.count, 4, "each call is counted by the step's meter")
        XCTAssertEqual(usage.first?.promptTokens, 10)
        // Each call sees the card as it stands: the last one already has the new description.
        XCTAssertTrue(asked(server.requests[3]).text.contains("written description for {{char}}"))
    }

    func testLorebookIsTopicsFirstThenEntriesInBatches() throws {
        let server = try FakeHTTPServer { [self] request in
            let (schema, text) = asked(request)
            if schema == "lore_topics" {
                return completion(#"{"topics": ["Kestrel", "Port Amber", "Shoal", "Chain bridges", "Storm wall", "Tea", "Extra"]}"#)
            }
            XCTAssertEqual(schema, "lore_entries")
            let topics = ["Kestrel", "Port Amber", "Shoal", "Chain bridges", "Storm wall", "Tea"].filter { text.contains($0 + ";") || text.contains($0 + ".") }
            let entries = topics.map { #"{"keys": ["\#($0)"], "content": "About \#($0)."}"# }
            return completion(#"{"entries": ["# + entries.joined(separator: ",") + "]}")
        }
        defer { server.stop() }
        var card = CardPlanner.emptyCard()
        card.setField("name", "Lin")
        card = CardPlanner.adding([CardBookEntry(keys: ["Kestrel"], content: "An airship.")], to: card)
        let (remote, provider) = writer(server)
        let (lore, usage) = try UsageMeter.measuring { try remote.lorebook(for: card, count: 6, provider: provider, sampling: TextSampling()) }
        // One topics call, then ceil(6 / 5) = 2 batches; the extra 7th topic is not asked for.
        XCTAssertEqual(server.requests.map { asked($0).schema }, ["lore_topics", "lore_entries", "lore_entries"])
        XCTAssertTrue(asked(server.requests[0]).text.contains("not these, already written: Kestrel"))
        XCTAssertFalse(asked(server.requests[2]).text.contains("Extra"))
        XCTAssertEqual(usage.count, 3)
        // Added to the card, the repeated "Kestrel" is skipped and the new ids follow the old one.
        let merged = CardPlanner.adding(lore, to: card)
        let keys = merged.bookEntries.compactMap { $0["keys"]?[0]?.stringValue }
        XCTAssertEqual(keys, ["Kestrel", "Port Amber", "Shoal", "Chain bridges", "Storm wall", "Tea"])
        XCTAssertEqual(merged.bookEntries.compactMap { $0["id"]?.intValue }, [0, 1, 2, 3, 4, 5])
        XCTAssertTrue(CardValidator.validate(merged, as: .v3).filter { $0.severity == .error }.isEmpty)
    }

    func testNoLorebookCallsWhenNoneAreAsked() throws {
        let server = try FakeHTTPServer { _ in .status(500) }
        defer { server.stop() }
        let (remote, provider) = writer(server)
        let lore = try remote.lorebook(for: CardPlanner.emptyCard(), count: 0, provider: provider, sampling: TextSampling())
        XCTAssertTrue(lore.isEmpty)
        XCTAssertTrue(server.requests.isEmpty)
    }
}
