import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeJSON
@testable import DropForgeMedia
@testable import DropForgeHTTP
@testable import DropForgeCore

/// Shared by the image provider tests: real PNGs, endpoints aimed at a fake server, and
/// catching the `StepError` a call throws.
enum ProviderTestSupport {
    /// A real PNG as the local renderer makes it (small, so tests stay fast).
    static func png(width: Int = 48, height: Int = 32, seed: UInt32 = 7, text: [PNGTextChunk] = []) throws -> Data {
        let image = try LocalImageProvider().generate(
            ImageRequest(prompt: "a red fox in snow", negative: "", width: width, height: height, seed: seed))
        if text.isEmpty { return image.png }
        return try PNGCodec.encode(try XCTUnwrap(image.pixels), text: text)
    }

    /// An endpoint for `server`, with short timeouts. `basePath` is appended to the server's URL
    /// (OpenAI-style `base_url`s include `/v1`).
    static func endpoint(_ server: FakeHTTPServer, type: ProviderConfig.ProviderType, name: String = "test-provider",
                         basePath: String = "", model: String? = nil, apiKeyEnv: String? = nil,
                         environment: [String: String] = [:], totalTimeout: TimeInterval = 5) -> ProviderEndpoint {
        let config = ProviderConfig(type: type, baseURL: server.baseURL.absoluteString + basePath, model: model, apiKeyEnv: apiKeyEnv)
        return ProviderEndpoint(name: name, config: config, environment: environment,
                                options: HTTPClientOptions(connectTimeout: 2, totalTimeout: totalTimeout))
    }

    /// The `StepError` `body` throws; fails the test when it succeeds or throws something else.
    static func stepError(file: StaticString = #filePath, line: UInt = #line, _ body: () throws -> Void) -> StepError? {
        do {
            try body()
            XCTFail("expected a StepError, the call succeeded", file: file, line: line)
        } catch let error as StepError {
            return error
        } catch {
            XCTFail("expected a StepError, got \(error)", file: file, line: line)
        }
        return nil
    }

    /// The recorded request body parsed with dropforge's ordered parser (numbers keep their literal).
    static func json(_ request: FakeHTTPServer.RecordedRequest) throws -> JSONValue {
        try JSONParser.parse(request.body)
    }

    /// The text chunk keywords of a PNG.
    static func textKeywords(_ png: Data) throws -> [String] {
        try PNGCodec.decode(png).text.map(\.keyword)
    }
}
