import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeJSON
@testable import DropForgeMedia
@testable import DropForgeHTTP
@testable import DropForgeCore

final class OpenAIChatProviderTests: XCTestCase {
    private let apiKey = "sk-test-9f8e7d6c5b4a3210"

    /// The quality stage's verdict schema.
    private let verdictSchema = ReplySchema(name: "qc verdict", schema: [
        "type": "object",
        "properties": ["passed": ["type": "boolean"], "reason": ["type": "string"]],
        "required": ["passed", "reason"],
        "additionalProperties": false,
    ])

    private func provider(
        _ server: FakeHTTPServer, model: String? = "gpt-4o-mini", apiKeyEnv: String? = "TEST_KEY",
        environment: [String: String]? = nil
    ) -> OpenAIChatProvider {
        let config = ProviderConfig(type: .openaiChat, baseURL: server.url("/v1").absoluteString, model: model, apiKeyEnv: apiKeyEnv)
        let endpoint = ProviderEndpoint(name: "openai", config: config, environment: environment ?? ["TEST_KEY": apiKey],
                                        options: HTTPClientOptions(connectTimeout: 2, totalTimeout: 2))
        return OpenAIChatProvider(endpoint: endpoint)
    }

    /// A chat.completion object exactly as api.openai.com returns it.
    private func openAICompletion(_ content: String, finishReason: String = "stop") -> String {
        """
        {
          "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG",
          "object": "chat.completion",
          "created": 1741570283,
          "model": "gpt-4o-mini-2024-07-18",
          "choices": [
            {
              "index": 0,
              "message": {"role": "assistant", "content": \(JSONWriter.compact(.string(content))), "refusal": null, "annotations": []},
              "logprobs": null,
              "finish_reason": "\(finishReason)"
            }
          ],
          "usage": {
            "prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0, "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0}
          },
          "service_tier": "default",
          "system_fingerprint": "fp_06737a9306"
        }
        """
    }

    /// The same object as Ollama's OpenAI-compatible endpoint returns it.
    private func ollamaCompletion(_ content: String, model: String = "llava") -> String {
        #"{"id":"chatcmpl-620","object":"chat.completion","created":1729026742,"model":"\#(model)","system_fingerprint":"fp_ollama","choices":[{"index":0,"message":{"role":"assistant","content":\#(JSONWriter.compact(.string(content)))},"finish_reason":"stop"}],"usage":{"prompt_tokens":590,"completion_tokens":27,"total_tokens":617}}"#
    }

    private func stepError(_ body: () throws -> Any, file: StaticString = #filePath, line: UInt = #line) -> StepError? {
        do {
            let value = try body()
            XCTFail("expected a StepError, got \(value)", file: file, line: line)
        } catch let thrown where thrown is StepError || thrown is StepErrorConvertible {
            XCTAssertFalse(String(reflecting: thrown).contains(apiKey), "the API key leaked: \(thrown)", file: file, line: line)
            let error = StepError.classify(thrown)
            XCTAssertFalse(error.description.contains(apiKey), "the API key leaked: \(error)", file: file, line: line)
            return error
        } catch {
            XCTFail("expected a StepError, got \(error)", file: file, line: line)
        }
        return nil
    }

    private func body(_ request: FakeHTTPServer.RecordedRequest) throws -> JSONValue {
        try JSONParser.parse(request.body)
    }

    // MARK: Requests

    func testTextRequestShapeAndOpenAIReply() throws {
        let server = try FakeHTTPServer { [self] _ in .json(openAICompletion("A lighthouse on a cliff at dusk.")) }
        defer { server.stop() }
        let request = TextRequest(
            messages: [ChatMessage(role: .system, text: "You write image prompts."), ChatMessage(role: .user, text: "keyword: lighthouse")],
            sampling: TextSampling(temperature: 0.7, topP: 0.9, maxTokens: MaxTokens(all: 300)), call: .prompt)
        let reply = try provider(server).complete(request)

        XCTAssertEqual(reply.text, "A lighthouse on a cliff at dusk.")
        XCTAssertNil(reply.json)
        XCTAssertEqual(reply.model, "gpt-4o-mini-2024-07-18")
        XCTAssertEqual(reply.usage, TokenUsage(promptTokens: 1117, completionTokens: 46))

        let recorded = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(server.requests.count, 1)
        XCTAssertEqual(recorded.method, "POST")
        XCTAssertEqual(recorded.path, "/v1/chat/completions")
        XCTAssertEqual(recorded.header("Authorization"), "Bearer \(apiKey)")
        XCTAssertEqual(recorded.header("Content-Type"), "application/json")
        let expected: JSONValue = [
            "model": "gpt-4o-mini",
            "messages": [
                ["role": "system", "content": "You write image prompts."],
                ["role": "user", "content": "keyword: lighthouse"],
            ],
            "temperature": .number("0.7"),
            "top_p": .number("0.9"),
            "max_tokens": 300,
        ]
        XCTAssertEqual(try body(recorded), expected)
    }

    func testModelComesFromTheProfileElseTheEntryElseFails() throws {
        let server = try FakeHTTPServer { [self] _ in .json(ollamaCompletion("ok", model: "llava:13b")) }
        defer { server.stop() }
        let ask = TextRequest(messages: [ChatMessage(role: .user, text: "hi")], sampling: TextSampling(model: "llava:13b"))
        let reply = try provider(server, model: "llava", apiKeyEnv: nil).complete(ask)
        XCTAssertEqual(reply.model, "llava:13b")
        XCTAssertEqual(reply.usage, TokenUsage(promptTokens: 590, completionTokens: 27))
        XCTAssertEqual(try body(server.requests[0])["model"], "llava:13b")
        XCTAssertNil(server.requests[0].header("Authorization"), "no api_key_env, no Authorization header")

        _ = try provider(server, model: "llava", apiKeyEnv: nil).complete(TextRequest(messages: [ChatMessage(role: .user, text: "hi")]))
        XCTAssertEqual(try body(server.requests[1])["model"], "llava")

        let error = try XCTUnwrap(stepError { try provider(server, model: nil, apiKeyEnv: nil).complete(TextRequest(messages: [])) })
        XCTAssertEqual(error.code, "provider_config")
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(server.requests.count, 2, "nothing is sent without a model")
    }

    func testSchemaRequestUsesStrictJSONSchemaAndValidatesTheReply() throws {
        let server = try FakeHTTPServer { [self] _ in .json(openAICompletion(#"{"passed":true,"reason":"clean image, no text or logos"}"#)) }
        defer { server.stop() }
        let request = TextRequest(messages: [ChatMessage(role: .user, text: "Review this image.")], schema: verdictSchema)
        let reply = try provider(server).complete(request)

        XCTAssertEqual(reply.json, ["passed": true, "reason": "clean image, no text or logos"])
        let sent = try body(XCTUnwrap(server.requests.first))
        XCTAssertEqual(sent["response_format"], [
            "type": "json_schema",
            "json_schema": ["name": "qc_verdict", "strict": true, "schema": verdictSchema.schema],
        ])
        XCTAssertEqual(sent["messages"], [["role": "user", "content": "Review this image."]], "json_schema mode needs no instruction")
        XCTAssertNil(sent["temperature"])
        XCTAssertNil(sent["max_tokens"])
    }

    func testVisionMessageCarriesThePNGAsADataURL() throws {
        let png = try PNGCodec.encode(RGBAImage(width: 8, height: 6, fill: (r: 200, g: 40, b: 90, a: 255)))
        let server = try FakeHTTPServer { [self] _ in .json(ollamaCompletion(#"{"passed": false, "reason": "garbled text in the corner"}"#)) }
        defer { server.stop() }
        let request = TextRequest(
            messages: [ChatMessage(role: .system, text: "You review stock images."),
                       ChatMessage(role: .user, text: "Does this image pass?", image: png)],
            schema: verdictSchema)
        let reply = try provider(server).complete(request)
        XCTAssertEqual(reply.json?["passed"], false)

        let messages = try XCTUnwrap(body(XCTUnwrap(server.requests.first))["messages"]?.arrayValue)
        XCTAssertEqual(messages[0], ["role": "system", "content": "You review stock images."])
        XCTAssertEqual(messages[1], [
            "role": "user",
            "content": [
                ["type": "text", "text": "Does this image pass?"],
                ["type": "image_url", "image_url": ["url": .string("data:image/png;base64," + png.base64EncodedString())]],
            ],
        ])
        let url = try XCTUnwrap(messages[1]["content"]?[1]?["image_url"]?["url"]?.stringValue)
        let decoded = try XCTUnwrap(Data(base64Encoded: String(url.dropFirst("data:image/png;base64,".count))))
        XCTAssertEqual(decoded, png)
        XCTAssertEqual(try PNGCodec.decode(decoded).image.width, 8, "the data URL holds a real, decodable PNG")
    }

    // MARK: Replies

    func testCodeFencesAndProseAreStripped() throws {
        let replies = [
            "```json\n{\"passed\": true, \"reason\": \"ok\"}\n```",
            "```\n{\"passed\": true, \"reason\": \"ok\"}\n```",
            "Here is my review:\n```json\n{\"passed\": true, \"reason\": \"ok\"}\n```\nLet me know if you need more.",
            "Sure! {\"passed\": true, \"reason\": \"ok\"} Hope this helps.",
            "<think>The image looks {fine}.</think>\n{\"passed\": true, \"reason\": \"ok\"}",
            "```json{\"passed\": true, \"reason\": \"ok\"}```",
        ]
        for text in replies {
            XCTAssertEqual(try OpenAIChatProvider.extractJSON(from: text), ["passed": true, "reason": "ok"], text)
        }
        XCTAssertEqual(try OpenAIChatProvider.extractJSON(from: "Tags: [\"a\", \"b\"]."), ["a", "b"])
        XCTAssertThrowsError(try OpenAIChatProvider.extractJSON(from: "I cannot review this image."))

        // Through the provider, with the content split into text parts as some servers send it.
        let server = try FakeHTTPServer { _ in
            .json(#"{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":[{"type":"text","text":"```json\n{\"passed\": true,"},{"type":"text","text":" \"reason\": \"ok\"}\n```"}]},"finish_reason":"stop"}]}"#)
        }
        defer { server.stop() }
        let reply = try provider(server).complete(TextRequest(messages: [ChatMessage(role: .user, text: "?")], schema: verdictSchema))
        XCTAssertEqual(reply.json, ["passed": true, "reason": "ok"])
        XCTAssertEqual(reply.usage, TokenUsage(), "absent usage counts as zero")
        XCTAssertEqual(reply.model, "m")
    }

    func testSchemaViolationIsPermanentInvalidOutput() throws {
        let server = try FakeHTTPServer { [self] _ in .json(openAICompletion(#"{"passed":"yes","reason":"looks fine"}"#)) }
        defer { server.stop() }
        let error = try XCTUnwrap(stepError {
            try provider(server).complete(TextRequest(messages: [ChatMessage(role: .user, text: "?")], schema: verdictSchema))
        })
        XCTAssertEqual(error.code, "invalid_output")
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(error.message, #"provider 'openai': the reply does not match the schema: $.passed: expected a boolean, found a string (reply: {"passed":"yes","reason":"looks fine"})"#)
    }

    func testReplyThatIsNotJSONAndCutOffReplies() throws {
        let longProse = "I am sorry, but I cannot evaluate images of this kind. " + String(repeating: "blah ", count: 60)
        let server = try FakeHTTPServer { [self] request in
            request.sequence == 0 ? .json(openAICompletion(longProse)) : .json(openAICompletion(#"{"passed": true, "rea"#, finishReason: "length"))
        }
        defer { server.stop() }
        let chat = provider(server)
        let ask = TextRequest(messages: [ChatMessage(role: .user, text: "?")], schema: verdictSchema, sampling: TextSampling(maxTokens: MaxTokens(all: 8)),
                              call: .vision)

        let notJSON = try XCTUnwrap(stepError { try chat.complete(ask) })
        XCTAssertEqual(notJSON.code, "invalid_output")
        XCTAssertFalse(notJSON.isTransient)
        XCTAssertTrue(notJSON.message.hasPrefix("provider 'openai': the reply is not JSON ("), notJSON.message)
        XCTAssertTrue(notJSON.message.contains("(reply: I am sorry, but I cannot evaluate"), notJSON.message)
        XCTAssertTrue(notJSON.message.hasSuffix("…)"), "the quoted reply is cut at 200 characters: \(notJSON.message)")

        let cutOff = try XCTUnwrap(stepError { try chat.complete(ask) })
        XCTAssertEqual(cutOff.code, "invalid_output")
        XCTAssertFalse(cutOff.isTransient)
        XCTAssertTrue(cutOff.message.contains("raise text.max_tokens.vision in the profile or manifest (it was 8)"), cutOff.message)
    }

    /// llama.cpp with a text-only model answers an image with a 500: permanent, at once, saying why.
    func testAnImageForAModelWithoutVisionFailsAtOnce() throws {
        let server = try FakeHTTPServer { _ in
            .json(#"{"error":{"code":500,"message":"image input is not supported - hint: if this is unexpected, you may need to provide the mmproj","type":"server_error"}}"#,
                  status: 500)
        }
        defer { server.stop() }
        let png = Data([0x89, 0x50, 0x4E, 0x47])
        let ask = TextRequest(messages: [ChatMessage(role: .user, text: "Review this image.", image: png)], schema: verdictSchema)
        let error = try XCTUnwrap(stepError { try provider(server).complete(ask) })
        XCTAssertEqual(error.code, "provider_invalid")
        XCTAssertFalse(error.isTransient)
        XCTAssertTrue(error.message.hasPrefix("provider 'openai': the model 'gpt-4o-mini' cannot read images (the server said: image input is not supported"),
                      error.message)
        XCTAssertEqual(server.requests.count, 1)
        // The same 500 without an image stays a transient server error.
        let text = try XCTUnwrap(stepError { try provider(server).complete(TextRequest(messages: [ChatMessage(role: .user, text: "hi")])) })
        XCTAssertTrue(text.isTransient, "\(text)")
    }

    func testMalformedOrShapelessBodyIsPermanentInvalidResponse() throws {
        let server = try FakeHTTPServer { request in
            switch request.sequence {
            case 0: return .json(#"{"id":"chatcmpl-1","object":"chat.completion","choices":[{"index":0,"message":{"role":"assis"#)
            case 1: return .json(#"{"id":"chatcmpl-2","object":"chat.completion","choices":[]}"#)
            default: return .json(#"{"error":{"message":"model 'llava' not found","type":"api_error"}}"#)
            }
        }
        defer { server.stop() }
        let chat = provider(server)
        let ask = TextRequest(messages: [ChatMessage(role: .user, text: "hi")])
        for expected in ["the reply is not JSON", "the reply has no choices", "model 'llava' not found"] {
            let error = try XCTUnwrap(stepError { try chat.complete(ask) })
            XCTAssertEqual(error.code, "invalid_response")
            XCTAssertFalse(error.isTransient)
            XCTAssertTrue(error.message.contains(expected), error.message)
        }
    }

    // MARK: HTTP faults

    func testTruncatedBody500And429AreTransient() throws {
        let full = Data(openAICompletion("hello").utf8)
        let server = try FakeHTTPServer { request in
            switch request.sequence {
            case 0: return .truncated(status: 200, headers: [("Content-Type", "application/json")], body: full.prefix(40), declaredLength: full.count)
            case 1: return .text("upstream model crashed", status: 500)
            default: return .json(#"{"error":{"message":"Rate limit reached for gpt-4o-mini","type":"requests","code":"rate_limit_exceeded"}}"#,
                                  status: 429, headers: [("Retry-After", "1")])
            }
        }
        defer { server.stop() }
        let chat = provider(server)
        let ask = TextRequest(messages: [ChatMessage(role: .user, text: "hi")], schema: verdictSchema)

        let truncated = try XCTUnwrap(stepError { try chat.complete(ask) })
        XCTAssertTrue(truncated.isTransient, truncated.description)
        let crashed = try XCTUnwrap(stepError { try chat.complete(ask) })
        XCTAssertTrue(crashed.isTransient)
        XCTAssertEqual(crashed.code, "http_500")
        XCTAssertTrue(crashed.message.contains("upstream model crashed"), crashed.message)
        let limited = try XCTUnwrap(stepError { try chat.complete(ask) })
        XCTAssertTrue(limited.isTransient)
        XCTAssertEqual(limited.code, "http_429")
        XCTAssertEqual(limited.retryAfter, 1)
        XCTAssertEqual(server.requests.count, 3, "the provider never retries by itself")
        XCTAssertEqual(chat.responseFormatMode, .jsonSchema, "only a 400 about response_format changes the mode")
    }

    func testUnrelated400IsPermanentWithoutFallback() throws {
        let server = try FakeHTTPServer { _ in
            .json(#"{"error":{"message":"This model's maximum context length is 128000 tokens.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}"#, status: 400)
        }
        defer { server.stop() }
        let chat = provider(server)
        let error = try XCTUnwrap(stepError {
            try chat.complete(TextRequest(messages: [ChatMessage(role: .user, text: "long")], schema: verdictSchema))
        })
        XCTAssertEqual(error.code, "http_400")
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(server.requests.count, 1)
        XCTAssertEqual(chat.responseFormatMode, .jsonSchema)
    }

    // MARK: response_format fallback

    func testFallsBackToJSONModeThenPlainTextAndRemembers() throws {
        let server = try FakeHTTPServer { [self] request in
            let text = request.text
            if text.contains(#""type":"json_schema""#) {
                // A long explanation: the part that names response_format lies beyond the 200 characters a message keeps.
                let preamble = String(repeating: "The request could not be processed. ", count: 8)
                return .json(#"{"error":{"message":"\#(preamble)Invalid parameter: 'response_format' of type 'json_schema' is not supported with this model.","type":"invalid_request_error","param":"response_format","code":null}}"#, status: 400)
            }
            if text.contains(#""type":"json_object""#) {
                return .json(#"{"object":"error","message":"1 validation error: response_format.type json_object is not supported","type":"BadRequestError","code":400}"#, status: 400)
            }
            return .json(ollamaCompletion("Sure:\n```json\n{\"passed\": true, \"reason\": \"fine\"}\n```"))
        }
        defer { server.stop() }
        let chat = provider(server)
        let request = TextRequest(
            messages: [ChatMessage(role: .system, text: "You review images."), ChatMessage(role: .user, text: "Review.")],
            schema: verdictSchema, sampling: TextSampling(temperature: 0.2))

        let reply = try chat.complete(request)
        XCTAssertEqual(reply.json, ["passed": true, "reason": "fine"])
        XCTAssertEqual(chat.responseFormatMode, .plain)

        let bodies = try server.requests.map(body)
        XCTAssertEqual(bodies.count, 3)
        let instruction = "Reply with JSON only, matching this JSON Schema: " + JSONWriter.compact(verdictSchema.schema)
        let instructed: JSONValue = [
            ["role": "system", "content": .string("You review images.\n\n" + instruction)],
            ["role": "user", "content": "Review."],
        ]
        XCTAssertEqual(bodies[0], [
            "model": "gpt-4o-mini",
            "messages": [["role": "system", "content": "You review images."], ["role": "user", "content": "Review."]],
            "temperature": .number("0.2"),
            "response_format": ["type": "json_schema", "json_schema": ["name": "qc_verdict", "strict": true, "schema": verdictSchema.schema]],
        ])
        XCTAssertEqual(bodies[1], ["model": "gpt-4o-mini", "messages": instructed, "temperature": .number("0.2"),
                                   "response_format": ["type": "json_object"]])
        XCTAssertEqual(bodies[2], ["model": "gpt-4o-mini", "messages": instructed, "temperature": .number("0.2")])

        // The next call starts in plain mode; a copy of the provider shares what was learnt.
        let copy = chat
        let again = try copy.complete(request)
        XCTAssertEqual(again.json?["reason"], "fine")
        XCTAssertEqual(server.requests.count, 4)
        XCTAssertNil(try body(server.requests[3])["response_format"])

        // A request without a schema is unaffected (no instruction, no response_format).
        _ = try chat.complete(TextRequest(messages: [ChatMessage(role: .user, text: "hi")]))
        XCTAssertEqual(try body(server.requests[4]), ["model": "gpt-4o-mini", "messages": [["role": "user", "content": "hi"]]])

        // A fresh provider starts over with json_schema.
        XCTAssertEqual(provider(server).responseFormatMode, .jsonSchema)
    }

    func testJSONModeInstructionBecomesASystemMessageAndConcurrentCallsAgree() throws {
        let server = try FakeHTTPServer { [self] request in
            request.text.contains("json_schema\",\"json_schema")
                ? .json(#"{"error":{"message":"response_format json_schema unsupported"}}"#, status: 400)
                : .json(openAICompletion(#"{"passed":false,"reason":"watermark"}"#))
        }
        defer { server.stop() }
        let chat = provider(server)
        let request = TextRequest(messages: [ChatMessage(role: .user, text: "Review.")], schema: verdictSchema)
        let replies = Replies()
        DispatchQueue.concurrentPerform(iterations: 4) { _ in
            replies.append(Result { try chat.complete(request) })
        }
        XCTAssertEqual(replies.all.count, 4)
        for result in replies.all {
            XCTAssertEqual(try result.get().json?["reason"], "watermark")
        }
        XCTAssertEqual(chat.responseFormatMode, .jsonObject)
        let last = try body(XCTUnwrap(server.requests.last))
        XCTAssertEqual(last["response_format"], ["type": "json_object"])
        XCTAssertEqual(last["messages"]?[0], ["role": "system", "content": .string(OpenAIChatProvider.schemaInstruction(verdictSchema))])
        XCTAssertEqual(last["messages"]?[1], ["role": "user", "content": "Review."])
    }

    // MARK: Keys

    func testMissingAPIKeyIsPermanentAndNothingIsSent() throws {
        let server = try FakeHTTPServer { [self] _ in .json(openAICompletion("hi")) }
        defer { server.stop() }
        for environment in [["OTHER": "x"], ["TEST_KEY": ""]] {
            let error = try XCTUnwrap(stepError {
                try provider(server, environment: environment).complete(TextRequest(messages: [ChatMessage(role: .user, text: "hi")]))
            })
            XCTAssertEqual(error.code, "api_key_missing")
            XCTAssertFalse(error.isTransient)
            XCTAssertTrue(error.message.contains("TEST_KEY"), error.message)
        }
        XCTAssertTrue(server.requests.isEmpty)
    }

    func testTheKeyNeverAppearsInErrorsEvenWhenEchoed() throws {
        let server = try FakeHTTPServer { [self] request in
            let echoed = request.header("Authorization") ?? ""
            switch request.sequence {
            case 0: return .json(#"{"error":{"message":"Incorrect API key provided: \#(echoed)","code":"invalid_api_key"}}"#, status: 401)
            case 1: return .text("proxy error for \(echoed)", status: 502)
            case 2: return .json(#"{"error":{"message":"response_format rejected for key \#(apiKey)"}}"#, status: 400)
            case 3: return .json(#"{"error":{"message":"response_format json_object rejected for \#(echoed)"}}"#, status: 400)
            default: return .json(openAICompletion(#"{"passed": "\#(apiKey)", "reason": "echo"}"#))
            }
        }
        defer { server.stop() }
        let chat = provider(server)
        let ask = TextRequest(messages: [ChatMessage(role: .user, text: "hi")], schema: verdictSchema)
        let unauthorized = try XCTUnwrap(stepError { try chat.complete(ask) })
        XCTAssertEqual(unauthorized.code, "http_401")
        XCTAssertTrue(unauthorized.message.contains("[redacted]"), unauthorized.message)
        let badGateway = try XCTUnwrap(stepError { try chat.complete(ask) })
        XCTAssertEqual(badGateway.code, "http_502")
        let echoedReply = try XCTUnwrap(stepError { try chat.complete(ask) })
        XCTAssertEqual(echoedReply.code, "invalid_output")
        XCTAssertTrue(echoedReply.message.contains("[redacted]"), echoedReply.message)
        XCTAssertEqual(server.requests.count, 5)
    }
}

/// Results gathered from concurrent calls.
private final class Replies: @unchecked Sendable {
    private let lock = NSLock()
    private var results: [Result<TextReply, Error>] = []

    func append(_ result: Result<TextReply, Error>) {
        lock.lock()
        results.append(result)
        lock.unlock()
    }

    var all: [Result<TextReply, Error>] {
        lock.lock()
        defer { lock.unlock() }
        return results
    }
}
