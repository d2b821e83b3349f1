import DropForgeHTTP
import Foundation
import XCTest

extension TestRoot {
    /// Starts `dropforge serve` (a free port of 127.0.0.1 unless `listen` says otherwise) and
    /// waits for the base URL its `listening on` line names.
    func serve(listen: String = "127.0.0.1:0", environment: [String: String] = [:],
               file: StaticString = #filePath, line: UInt = #line) throws -> (RunningCommand, URL) {
        let server = try start(["serve", "--listen", listen], environment: environment)
        var base: URL?
        XCTAssertTrue(wait(20) {
            let said = server.result().stdout.split(separator: "\n").first { $0.hasPrefix("listening on ") }
            base = said.flatMap { URL(string: String($0.dropFirst("listening on ".count)) + "/") }
            return base != nil
        }, "serve did not say where it listens: \(server.result().stderr)", file: file, line: line)
        return (server, try XCTUnwrap(base, file: file, line: line))
    }
}

/// Any status, with its body: the client throws on non-2xx, and the error carries the response.
/// Redirects are answered as they are, not followed.
func send(_ method: String, _ url: URL, body: Data? = nil, headers: [(name: String, value: String)] = []) throws -> HTTPResponse {
    do {
        return try HTTPClient().send(HTTPRequest(method: method, url: url, headers: headers, body: body),
                                     options: HTTPClientOptions(maxRedirects: 0))
    } catch let error as HTTPError {
        return try XCTUnwrap(error.response, "\(method) \(url): \(error)")
    }
}
