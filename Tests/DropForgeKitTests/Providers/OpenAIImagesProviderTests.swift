import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeJSON
@testable import DropForgeMedia

final class OpenAIImagesProviderTests: XCTestCase {
    private let request = ImageRequest(prompt: "a lighthouse at dusk", negative: "text, watermark", width: 768, height: 432, seed: 5)
    private let key = "sk-test-0123456789abcdef"

    /// A reply shaped like the OpenAI Images API (gpt-image-1 adds `usage`; dall-e-3 `revised_prompt`).
    private func reply(_ b64: String) -> String {
        JSONWriter.compact([
            "created": 1_713_833_628,
            "data": [["b64_json": .string(b64), "revised_prompt": "A tall lighthouse standing at dusk"]],
            "usage": ["total_tokens": 100, "input_tokens": 50, "output_tokens": 50,
                      "input_tokens_details": ["text_tokens": 10, "image_tokens": 40]],
        ])
    }

    private func provider(_ server: FakeHTTPServer, model: String?, limits: PNGLimits = .standard) -> OpenAIImagesProvider {
        OpenAIImagesProvider(
            endpoint: ProviderTestSupport.endpoint(server, type: .openaiImages, name: "dalle", basePath: "/v1", model: model,
                                                   apiKeyEnv: "OPENAI_API_KEY", environment: ["OPENAI_API_KEY": key]),
            limits: limits)
    }

    // MARK: Sizes

    func testSizeMappingTable() {
        let cases: [(model: String, width: Int, height: Int, size: String)] = [
            // dall-e-2: squares only, the smallest that covers the longer side.
            ("dall-e-2", 200, 100, "256x256"),
            ("dall-e-2", 256, 256, "256x256"),
            ("dall-e-2", 300, 300, "512x512"),
            ("dall-e-2", 768, 432, "1024x1024"),
            ("dall-e-2", 2048, 2048, "1024x1024"),
            // dall-e-3: closest aspect among 1:1, 7:4, 4:7.
            ("dall-e-3", 1024, 1024, "1024x1024"),
            ("dall-e-3", 768, 432, "1792x1024"),
            ("dall-e-3", 1920, 1080, "1792x1024"),
            ("dall-e-3", 432, 768, "1024x1792"),
            ("dall-e-3", 1200, 1000, "1024x1024"),
            ("dall-e-3", 1000, 1200, "1024x1024"),
            ("dall-e-3", 900, 1200, "1024x1792"),  // 3:4 is nearer 4:7 than 1:1 on a log scale
            // gpt-image-*: closest aspect among 1:1, 3:2, 2:3.
            ("gpt-image-1", 512, 512, "1024x1024"),
            ("gpt-image-1", 768, 512, "1536x1024"),
            ("gpt-image-1", 768, 432, "1536x1024"),
            ("gpt-image-1", 512, 768, "1024x1536"),
            ("gpt-image-1", 1100, 1000, "1024x1024"),
            ("gpt-image-1-mini", 400, 800, "1024x1536"),
            ("GPT-IMAGE-1", 800, 400, "1536x1024"),
            // Anything else (an OpenAI-compatible server): the item's own size.
            ("flux-schnell", 768, 432, "768x432"),
        ]
        for c in cases {
            XCTAssertEqual(OpenAIImagesProvider.size(forModel: c.model, width: c.width, height: c.height), c.size,
                           "\(c.model) \(c.width)x\(c.height)")
        }
    }

    func testAspectBoundaryBetweenSquareAndLandscape() {
        // 3:2 and 1:1 are equally far (on a log scale) from an aspect of sqrt(1.5) ≈ 1.2247.
        XCTAssertEqual(OpenAIImagesProvider.size(forModel: "gpt-image-1", width: 1225, height: 1000), "1536x1024")
        XCTAssertEqual(OpenAIImagesProvider.size(forModel: "gpt-image-1", width: 1224, height: 1000), "1024x1024")
        XCTAssertEqual(OpenAIImagesProvider.size(forModel: "gpt-image-1", width: 0, height: 0), "1024x1024")
    }

    // MARK: Round trip

    func testDallE3RequestAndReply() throws {
        let png = try ProviderTestSupport.png()
        let answer = reply(png.base64EncodedString())
        let server = try FakeHTTPServer { _ in .json(answer) }
        defer { server.stop() }

        let image = try provider(server, model: "dall-e-3").generate(request)

        let recorded = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(recorded.method, "POST")
        XCTAssertEqual(recorded.path, "/v1/images/generations")
        XCTAssertEqual(recorded.header("authorization"), "Bearer \(key)")
        XCTAssertEqual(recorded.header("content-type"), "application/json")
        XCTAssertEqual(recorded.text,
                       #"{"model":"dall-e-3","prompt":"a lighthouse at dusk","n":1,"size":"1792x1024","response_format":"b64_json"}"#)
        XCTAssertEqual(image.model, "dall-e-3")
        XCTAssertEqual(image.seed, 5, "the API has no seed: the item's seed is reported")
        XCTAssertTrue(image.settings.isEmpty, "no steps, sampler or CFG scale to name (no more Steps: 0)")
        XCTAssertEqual(image.png, png)
        XCTAssertEqual(image.pixels?.width, 48, "the real size is the image's, not the item's: quality judges it")
    }

    /// `quality` and `style` from the job (else the entry) go on the wire and into `parameters`.
    func testQualityAndStyleAreSentAndNamed() throws {
        let png = try ProviderTestSupport.png()
        let answer = reply(png.base64EncodedString())
        let server = try FakeHTTPServer { _ in .json(answer) }
        defer { server.stop() }
        var job = request
        job.settings = GenerationSettings(quality: "hd", style: "natural")
        let image = try provider(server, model: "dall-e-3").generate(job)
        let body = try ProviderTestSupport.json(try XCTUnwrap(server.requests.first))
        XCTAssertEqual(body["quality"], "hd")
        XCTAssertEqual(body["style"], "natural")
        XCTAssertEqual(image.settings.map { "\($0.name): \($0.value)" }, ["Quality: hd", "Style: natural"])
    }

    func testGPTImageOmitsResponseFormat() throws {
        let png = try ProviderTestSupport.png()
        let answer = reply(png.base64EncodedString())
        let server = try FakeHTTPServer { _ in .json(answer) }
        defer { server.stop() }

        let image = try provider(server, model: "gpt-image-1").generate(request)

        let body = try ProviderTestSupport.json(try XCTUnwrap(server.requests.first))
        XCTAssertEqual(body, ["model": "gpt-image-1", "prompt": "a lighthouse at dusk", "n": 1, "size": "1536x1024"])
        XCTAssertEqual(image.model, "gpt-image-1")
    }

    func testDefaultModelIsDallE2() throws {
        let png = try ProviderTestSupport.png()
        let answer = reply(png.base64EncodedString())
        let server = try FakeHTTPServer { _ in .json(answer) }
        defer { server.stop() }

        let image = try provider(server, model: nil).generate(request)

        let body = try ProviderTestSupport.json(try XCTUnwrap(server.requests.first))
        XCTAssertEqual(body["model"], "dall-e-2")
        XCTAssertEqual(body["size"], "1024x1024")
        XCTAssertEqual(body["response_format"], "b64_json")
        XCTAssertEqual(image.model, "dall-e-2")
    }

    // MARK: Faults

    func testMissingKeyIsPermanentAndSendsNothing() throws {
        let server = try FakeHTTPServer { _ in .json("{}") }
        defer { server.stop() }
        let endpoint = ProviderTestSupport.endpoint(server, type: .openaiImages, basePath: "/v1", model: "dall-e-3",
                                                    apiKeyEnv: "OPENAI_API_KEY", environment: [:])
        let error = try XCTUnwrap(ProviderTestSupport.stepError {
            _ = try OpenAIImagesProvider(endpoint: endpoint, limits: .standard).generate(request)
        })
        XCTAssertEqual(error.code, "api_key_missing")
        XCTAssertFalse(error.isTransient)
        XCTAssertTrue(server.requests.isEmpty)
    }

    func testRateLimitIsTransientWithRetryAfter() throws {
        let server = try FakeHTTPServer { _ in
            .json(#"{"error": {"message": "Rate limit reached", "type": "requests", "param": null, "code": "rate_limit_exceeded"}}"#,
                  status: 429, headers: [("Retry-After", "1")])
        }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, model: "dall-e-3").generate(request) })
        XCTAssertTrue(error.isTransient)
        XCTAssertEqual(error.code, "http_429")
        XCTAssertEqual(error.retryAfter, 1)
    }

    func testServerErrorIsTransient() throws {
        let server = try FakeHTTPServer { _ in
            .json(#"{"error": {"message": "The server had an error while processing your request.", "type": "server_error"}}"#, status: 500)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, model: "dall-e-3").generate(request) })
        XCTAssertTrue(error.isTransient)
        XCTAssertEqual(error.code, "http_500")
    }

    func testContentPolicyRejectionIsPermanentAndKeyNeverShown() throws {
        let server = try FakeHTTPServer { [key] request in
            .json(#"{"error": {"message": "Your request was rejected by the safety system. key=\#(key)", "type": "image_generation_user_error", "param": null, "code": "content_policy_violation"}}"#,
                  status: 400)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, model: "dall-e-3").generate(request) })
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(error.code, "http_400")
        XCTAssertTrue(error.message.contains("safety system"), error.message)
        XCTAssertFalse(error.message.contains(key))
    }

    func testMalformedJSONAndMissingDataArePermanentInvalidResponse() throws {
        let answers = [#"{"created": 1, "data": [{"b64_json": "iVBO"#, #"{"created": 1713833628, "data": []}"#,
                       #"{"created": 1713833628, "data": [{"url": "https://example.com/x.png"}]}"#]
        let server = try FakeHTTPServer { request in .json(answers[request.sequence]) }
        defer { server.stop() }
        for (index, _) in answers.enumerated() {
            let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, model: "dall-e-3").generate(request) })
            XCTAssertFalse(error.isTransient)
            XCTAssertEqual(error.code, "invalid_response")
            if index > 0 { XCTAssertTrue(error.message.contains("data[0].b64_json"), error.message) }
        }
    }

    func testNotBase64AndNotPNGArePermanentInvalidOutput() throws {
        let answers = [reply("%%% not base64 %%%"), reply(Data("GIF89a not a png".utf8).base64EncodedString())]
        let server = try FakeHTTPServer { request in .json(answers[request.sequence]) }
        defer { server.stop() }
        for _ in answers {
            let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, model: "gpt-image-1").generate(request) })
            XCTAssertFalse(error.isTransient)
            XCTAssertEqual(error.code, "invalid_output")
        }
    }

    func testTruncatedBodyIsTransient() throws {
        let png = try ProviderTestSupport.png()
        let body = Data(reply(png.base64EncodedString()).utf8)
        let server = try FakeHTTPServer { _ in
            .truncated(status: 200, headers: [("Content-Type", "application/json")], body: body.prefix(40), declaredLength: body.count)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, model: "dall-e-3").generate(request) })
        XCTAssertTrue(error.isTransient, "\(error)")
    }
}
