import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeJSON
@testable import DropForgeHTTP
@testable import DropForgeCore

/// An unusable reply (cut off, not JSON, off the schema, a blank value) is asked for again, with
/// a line that says what was wrong, up to the provider's attempts (issue 16).
final class ReplyResamplingTests: XCTestCase {
    private let schema = RemoteWriters.metadataSchema

    private func completion(_ content: String, finishReason: String = "stop") -> FakeHTTPServer.FakeResponse {
        .json(#"{"id":"c","object":"chat.completion","model":"small","choices":[{"index":0,"message":{"role":"assistant","content":"#
              + JSONWriter.compact(.string(content)) + #"},"finish_reason":"\#(finishReason)"}],"usage":{"prompt_tokens":10,"completion_tokens":5}}"#)
    }

    private func provider(_ server: FakeHTTPServer, attempts: Int) -> OpenAIChatProvider {
        OpenAIChatProvider(endpoint: ProviderTestSupport.endpoint(server, type: .openaiChat, name: "tiny", basePath: "/v1", model: "small"),
                           attempts: attempts)
    }

    /// The user message of each request, and its max_tokens.
    private func sent(_ server: FakeHTTPServer) throws -> [(text: String, maxTokens: Int?)] {
        try server.requests.map { request in
            let json = try ProviderTestSupport.json(request)
            let user = json["messages"]?.arrayValue?.last?["content"]?.stringValue ?? ""
            return (user, json["max_tokens"]?.intValue)
        }
    }

    private let valid = #"{"title": "Harbour at dawn", "description": "Boats in a quiet harbour.", "tags": ["harbour", "boats"]}"#

    func testCutOffThenValidCompletesOnTheSecondAttemptWithAHint() throws {
        let server = try FakeHTTPServer { [self] request in
            request.sequence == 0 ? completion(#"{"title": "Harbour at dawn", "descr"#, finishReason: "length") : completion(valid)
        }
        defer { server.stop() }
        let (reply, meter) = try UsageMeter.metering {
            try provider(server, attempts: 3).ask("Describe the image.", schema: schema, sampling: TextSampling(), call: .metadata)
        }
        XCTAssertEqual(reply.json?["title"], "Harbour at dawn")
        let requests = try sent(server)
        XCTAssertEqual(requests.count, 2)
        XCTAssertEqual(requests[0].text, "Describe the image.")
        XCTAssertEqual(requests[1].text, "Describe the image.\n\nReply with JSON only, matching the schema, and keep it short; "
                       + "your last reply was cut off.")
        XCTAssertEqual(requests.map(\.maxTokens), [500, 500], "metadata calls default to 500 tokens")
        XCTAssertEqual(meter.records.count, 2, "both replies cost tokens")
        XCTAssertEqual(meter.resamples.count, 1)
        XCTAssertTrue(meter.resamples[0].contains("reply 1 of 3 from 'tiny' was unusable (the reply was cut off"), meter.resamples[0])
    }

    func testEveryAttemptUnusableFailsWithEachReasonAndTheLastReply() throws {
        let replies = [completion("Sure! Here is a title for you."),
                       completion(#"{"title": "Harbour", "description": "Boats.", "tags": "harbour"}"#),
                       completion(#"{"title": "Harbour", "descr"#, finishReason: "length")]
        let server = try FakeHTTPServer { request in replies[min(request.sequence, 2)] }
        defer { server.stop() }
        let sampling = TextSampling(maxTokens: MaxTokens([.metadata: 40]))
        let (result, meter) = UsageMeter.metering {
            Result { try provider(server, attempts: 3).ask("Describe.", schema: schema, sampling: sampling, call: .metadata) }
        }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try result.get() })
        XCTAssertEqual(error.code, "invalid_output")
        XCTAssertFalse(error.isTransient)
        XCTAssertTrue(error.message.hasPrefix("provider 'tiny': no usable reply in 3 attempts — attempt 1: the reply is not JSON ("),
                      error.message)
        XCTAssertTrue(error.message.contains("attempt 2: the reply does not match the schema: $.tags: expected an array"), error.message)
        XCTAssertTrue(error.message.contains("attempt 3: the reply was cut off at the token limit"), error.message)
        XCTAssertTrue(error.message.contains("raise text.max_tokens.metadata in the profile or manifest (it was 40)"), error.message)
        XCTAssertTrue(error.message.hasSuffix(#"(last reply: {"title": "Harbour", "descr)"#), error.message)
        let requests = try sent(server)
        XCTAssertEqual(requests.map(\.maxTokens), [40, 40, 40])
        XCTAssertTrue(requests[1].text.hasSuffix("with no other text; your last reply was not JSON."), requests[1].text)
        XCTAssertTrue(requests[2].text.hasSuffix("your last reply broke it ($.tags: expected an array, found a string)."), requests[2].text)
        XCTAssertEqual(meter.resamples.count, 2, "the third failure is the error, not a resample")
    }

    func testOneAttemptFailsAtOnceWithTheSingleReason() throws {
        let server = try FakeHTTPServer { [self] _ in completion("no JSON here") }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError {
            _ = try provider(server, attempts: 1).ask("Describe.", schema: schema, sampling: TextSampling(), call: .metadata)
        })
        XCTAssertTrue(error.message.hasPrefix("provider 'tiny': the reply is not JSON ("), error.message)
        XCTAssertEqual(server.requests.count, 1)
    }

    func testABlankValueTheSchemaAllowsIsAskedForAgain() throws {
        let server = try FakeHTTPServer { [self] request in
            request.sequence == 0 ? completion(#"{"title": "  ", "description": "Boats.", "tags": []}"#) : completion(valid)
        }
        defer { server.stop() }
        let root = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("no-root-\(UUID().uuidString)")
        let writers = RemoteWriters(templates: PromptTemplates(layout: RootLayout(root: root)))
        let plan = ItemPlan(index: 0, prompt: "a harbour at dawn", negative: "", seed: 1, width: 64, height: 64,
                            aspectRatio: "1:1", keyword: "harbour", values: [:])
        let metadata = try writers.describe(plan, provider: provider(server, attempts: 2), sampling: TextSampling())
        XCTAssertEqual(metadata.title, "Harbour at dawn")
        XCTAssertTrue(try sent(server)[1].text.hasSuffix("your last reply left title empty."))
    }

    func testMaxTokensComeFromOneNumberOrAMappingByCall() throws {
        XCTAssertEqual(MaxTokens()[.card], 1500)
        XCTAssertEqual(MaxTokens(all: 64)[.vision], 64)
        let profile = MaxTokens([.metadata: 800, .card: 3000])
        let manifest = MaxTokens([.card: 2000])
        XCTAssertEqual(manifest.over(profile), MaxTokens([.metadata: 800, .card: 2000]))
        let decoded = try JSONDecoder().decode(MaxTokens.self, from: Data("300".utf8))
        XCTAssertEqual(decoded, MaxTokens(all: 300), "settings stored before per-call limits")
        let roundTrip = try JSONDecoder().decode(MaxTokens.self, from: JSONEncoder().encode(profile))
        XCTAssertEqual(roundTrip, profile)
    }
}
