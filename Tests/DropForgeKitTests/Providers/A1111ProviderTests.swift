import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeJSON
@testable import DropForgeMedia

final class A1111ProviderTests: XCTestCase {
    private let request = ImageRequest(prompt: "a \"quoted\" fox, snow", negative: "blurry, text", width: 48, height: 32, seed: 42)

    /// A reply shaped like AUTOMATIC1111 1.x: `info` is JSON text inside a JSON string.
    private func reply(images: [String], seed: Int = 1234, model: String = "sd_xl_base_1.0", infoOverride: String? = nil) -> String {
        let info = infoOverride ?? JSONWriter.compact([
            "prompt": "a fox", "all_prompts": ["a fox"], "negative_prompt": "blurry, text",
            "seed": .number(seed), "all_seeds": [.number(seed)], "subseed": 99, "all_subseeds": [99],
            "width": 48, "height": 32, "sampler_name": "Euler a", "cfg_scale": 7.0, "steps": 20, "batch_size": 1,
            "sd_model_name": .string(model), "sd_model_hash": "31e35c80fc", "version": "v1.10.1",
        ])
        let body: JSONValue = [
            "images": .array(images.map { .string($0) }),
            "parameters": ["prompt": "a fox", "seed": 42, "steps": 20, "batch_size": 1],
            "info": .string(info),
        ]
        return JSONWriter.compact(body)
    }

    private func provider(_ server: FakeHTTPServer, model: String? = nil, limits: PNGLimits = .standard,
                          entry: GenerationSettings = GenerationSettings()) -> A1111Provider {
        var endpoint = ProviderTestSupport.endpoint(server, type: .a1111, name: "gpu-box", model: model)
        if !entry.isEmpty {
            var config = endpoint.config
            config.generation = entry
            endpoint = ProviderEndpoint(name: endpoint.name, config: config, environment: [:], options: endpoint.options)
        }
        return A1111Provider(endpoint: endpoint, limits: limits)
    }

    // MARK: Round trip

    func testSendsTxt2imgBodyAndReadsSeedAndModelFromInfo() throws {
        let png = try ProviderTestSupport.png()
        let answer = reply(images: [png.base64EncodedString()], seed: 1234)
        let server = try FakeHTTPServer { _ in .json(answer) }
        defer { server.stop() }

        let image = try provider(server).generate(request)

        let recorded = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(recorded.method, "POST")
        XCTAssertEqual(recorded.path, "/sdapi/v1/txt2img")
        XCTAssertEqual(recorded.header("content-type"), "application/json")
        XCTAssertNil(recorded.header("authorization"))
        XCTAssertEqual(recorded.text,
                       #"{"prompt":"a \"quoted\" fox, snow","negative_prompt":"blurry, text","width":48,"height":32,"steps":20,"#
                       + #""cfg_scale":7,"sampler_name":"Euler a","seed":42,"batch_size":1}"#)
        XCTAssertEqual(image.seed, 1234, "the seed used comes from info.all_seeds")
        XCTAssertEqual(image.model, "sd_xl_base_1.0")
        XCTAssertEqual(image.settings.map { "\($0.name): \($0.value)" }, ["Steps: 20", "Sampler: Euler a", "CFG scale: 7"])
        XCTAssertEqual(image.png, png)
        XCTAssertEqual(image.pixels, try PNGCodec.decode(png).image)
    }

    /// The entry's settings over the defaults, the job's over the entry's, key by key (issue 16).
    func testSettingsFromTheEntryAndTheJobAndTheModelOverride() throws {
        let png = try ProviderTestSupport.png()
        // An info with no sampling fields: what was asked stands in the parameters text.
        let answer = reply(images: [png.base64EncodedString()], infoOverride: #"{"seed": 42}"#)
        let server = try FakeHTTPServer { _ in .json(answer) }
        defer { server.stop() }
        let entry = GenerationSettings(steps: 32, cfgScale: 6.5, sampler: "DPM++ 2M", overrideSettings: ["CLIP_stop_at_last_layers": .number(2)])
        var job = request
        job.settings = GenerationSettings(steps: 40, scheduler: "Karras", overrideSettings: ["sd_model_checkpoint": .string("ponyV6")])

        let image = try provider(server, model: "juggernautXL_v9", entry: entry).generate(job)

        let body = try ProviderTestSupport.json(try XCTUnwrap(server.requests.first))
        XCTAssertEqual(body["steps"], .number("40"), "the job's steps")
        XCTAssertEqual(body["cfg_scale"], .number("6.5"), "the entry's CFG scale")
        XCTAssertEqual(body["sampler_name"], "DPM++ 2M")
        XCTAssertEqual(body["scheduler"], "Karras")
        XCTAssertEqual(body["batch_size"], .number("1"))
        XCTAssertEqual(body["override_settings"], ["CLIP_stop_at_last_layers": 2, "sd_model_checkpoint": "ponyV6"],
                       "the job's checkpoint over the entry's model")
        XCTAssertEqual(body["override_settings_restore_afterwards"], false)
        XCTAssertEqual(image.settings.map { "\($0.name): \($0.value)" },
                       ["Steps: 40", "Sampler: DPM++ 2M", "Schedule type: Karras", "CFG scale: 6.5"])

        _ = try provider(server, model: "juggernautXL_v9").generate(request)
        let plain = try ProviderTestSupport.json(try XCTUnwrap(server.requests.last))
        XCTAssertEqual(plain["override_settings"], ["sd_model_checkpoint": "juggernautXL_v9"])
        XCTAssertNil(plain["scheduler"])
    }

    func testSeedFallsBackToInfoSeedThenToTheRequest() throws {
        let png = try ProviderTestSupport.png()
        let b64 = png.base64EncodedString()
        let answers = [
            reply(images: [b64], infoOverride: #"{"seed": 777, "sd_model_name": "v1-5-pruned-emaonly"}"#),
            reply(images: [b64], infoOverride: "not json at all"),
            #"{"images": ["\#(b64)"], "parameters": {}}"#,
            reply(images: [b64], infoOverride: #"{"seed": 99999999999, "all_seeds": [-1]}"#),
        ]
        let server = try FakeHTTPServer { request in .json(answers[request.sequence]) }
        defer { server.stop() }
        let provider = provider(server, model: "fallback-model")

        let first = try provider.generate(request)
        XCTAssertEqual(first.seed, 777)
        XCTAssertEqual(first.model, "v1-5-pruned-emaonly")
        for _ in 1..<answers.count {
            let image = try provider.generate(request)
            XCTAssertEqual(image.seed, 42, "no usable seed in info: the request's seed")
            XCTAssertEqual(image.model, "fallback-model")
            XCTAssertEqual(image.settings.first?.value, "20")
        }
    }

    func testTakesTheFirstImageToleratesDataURLAndDropsGeneratorText() throws {
        let withText = try ProviderTestSupport.png(text: [
            PNGTextChunk(keyword: "parameters", text: "a fox\nSteps: 20, Seed: 42", kind: .tEXt),
        ])
        let other = try ProviderTestSupport.png(width: 16, height: 16, seed: 9)
        let encoded = withText.base64EncodedString(options: .lineLength76Characters)
        let answer = reply(images: ["data:image/png;base64," + encoded, other.base64EncodedString()])
        let server = try FakeHTTPServer { _ in .json(answer) }
        defer { server.stop() }

        let image = try provider(server).generate(request)

        XCTAssertEqual(image.pixels?.width, 48)
        XCTAssertEqual(try ProviderTestSupport.textKeywords(image.png), [], "the generator's own parameters chunk is dropped")
        XCTAssertEqual(try PNGCodec.decode(image.png).image, try PNGCodec.decode(withText).image)
        XCTAssertLessThan(image.png.count, withText.count)
    }

    // MARK: Faults

    func testServerErrorIsTransient() throws {
        let server = try FakeHTTPServer { _ in
            .json(#"{"error": "OutOfMemoryError", "detail": "", "body": "", "errors": "CUDA out of memory."}"#, status: 500)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertTrue(error.isTransient)
        XCTAssertEqual(error.code, "http_500")
        XCTAssertTrue(error.message.contains("provider 'gpu-box'"), error.message)
    }

    func testValidationErrorIsPermanent() throws {
        let server = try FakeHTTPServer { _ in
            .json(#"{"detail": [{"loc": ["body", "width"], "msg": "value is not a valid integer", "type": "type_error.integer"}]}"#, status: 422)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(error.code, "http_422")
    }

    func testMalformedJSONIsPermanentInvalidResponse() throws {
        let server = try FakeHTTPServer { _ in .json(#"{"images": ["iVBOR"#) }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(error.code, "invalid_response")
    }

    func testMissingImagesIsPermanentInvalidResponseNamingTheField() throws {
        let server = try FakeHTTPServer { request in
            .json(request.sequence == 0 ? #"{"images": [], "parameters": {}, "info": "{}"}"# : #"{"detail": "Not Found"}"#)
        }
        defer { server.stop() }
        for _ in 0..<2 {
            let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
            XCTAssertFalse(error.isTransient)
            XCTAssertEqual(error.code, "invalid_response")
            XCTAssertTrue(error.message.contains("images[0]"), error.message)
        }
    }

    func testImageNotBase64IsPermanentInvalidOutput() throws {
        let server = try FakeHTTPServer { _ in .json(#"{"images": ["this is not base64!"], "info": "{}"}"#) }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(error.code, "invalid_output")
        XCTAssertTrue(error.message.contains("base64"), error.message)
    }

    func testImageNotPNGIsPermanentInvalidOutput() throws {
        let jpegish = Data([0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01]).base64EncodedString()
        let truncatedPNG = try ProviderTestSupport.png().prefix(60).base64EncodedString()
        let answers = [jpegish, truncatedPNG]
        let server = try FakeHTTPServer { request in .json(#"{"images": ["\#(answers[request.sequence])"], "info": "{}"}"#) }
        defer { server.stop() }
        for _ in answers {
            let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
            XCTAssertFalse(error.isTransient)
            XCTAssertEqual(error.code, "invalid_output")
            XCTAssertTrue(error.message.contains("not a usable PNG"), error.message)
        }
    }

    func testImageOverTheLimitsIsPermanentInvalidOutput() throws {
        let png = try ProviderTestSupport.png(width: 64, height: 32)
        let answer = reply(images: [png.base64EncodedString()])
        let server = try FakeHTTPServer { _ in .json(answer) }
        defer { server.stop() }
        let limits = PNGLimits(maxWidth: 32, maxHeight: 32)
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server, limits: limits).generate(request) })
        XCTAssertFalse(error.isTransient)
        XCTAssertEqual(error.code, "invalid_output")
    }

    func testTruncatedBodyIsTransient() throws {
        let png = try ProviderTestSupport.png()
        let body = Data(reply(images: [png.base64EncodedString()]).utf8)
        let server = try FakeHTTPServer { _ in
            .truncated(status: 200, headers: [("Content-Type", "application/json")], body: body.prefix(body.count / 2),
                       declaredLength: body.count)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(ProviderTestSupport.stepError { _ = try provider(server).generate(request) })
        XCTAssertTrue(error.isTransient, "\(error)")
    }
}
