import Foundation
import XCTest

@testable import DropForgeKit
import FakeServers
@testable import DropForgeHTTP

final class HTTPClientTests: XCTestCase {
    private let client = HTTPClient()

    /// Sends and returns the HTTPError thrown, failing the test if the call succeeds or throws anything else.
    private func httpError(
        _ request: HTTPRequest, _ options: HTTPClientOptions = HTTPClientOptions(), file: StaticString = #filePath, line: UInt = #line
    ) -> HTTPError? {
        do {
            let response = try client.send(request, options: options)
            XCTFail("expected an error, got HTTP \(response.status)", file: file, line: line)
        } catch let error as HTTPError {
            return error
        } catch {
            XCTFail("expected HTTPError, got \(error)", file: file, line: line)
        }
        return nil
    }

    // MARK: Round trips

    func testGetRoundTripsHeadersAndBody() throws {
        let server = try FakeHTTPServer { request in
            .json(#"{"path":"\#(request.path)"}"#, headers: [("X-Request-Id", "abc-123")])
        }
        defer { server.stop() }
        let request = HTTPRequest(url: server.url("/v1/models?limit=2"), headers: [("Accept", "application/json"), ("X-Trace", "t1")])
        let response = try client.send(request)

        XCTAssertEqual(response.status, 200)
        XCTAssertEqual(response.reason, "OK")
        XCTAssertEqual(response.header("x-request-id"), "abc-123")
        XCTAssertEqual(response.header("CONTENT-TYPE"), "application/json")
        XCTAssertEqual(response.text, #"{"path":"/v1/models?limit=2"}"#)
        let recorded = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(recorded.method, "GET")
        XCTAssertEqual(recorded.path, "/v1/models?limit=2")
        XCTAssertEqual(recorded.header("accept"), "application/json")
        XCTAssertEqual(recorded.header("X-Trace"), "t1")
        XCTAssertTrue(recorded.body.isEmpty)
    }

    func testPostSendsJSONBodyAndHeadersInOrder() throws {
        let server = try FakeHTTPServer { request in .normal(status: 201, headers: [], body: request.body) }
        defer { server.stop() }
        let payload = Data(#"{"model":"llava","messages":[{"role":"user","content":"héllo"}]}"#.utf8)
        let request = HTTPRequest.json(url: server.url("/v1/chat/completions"), body: payload, headers: [("Authorization", "Bearer sk-secret")])
        let response = try client.send(request)

        XCTAssertEqual(response.status, 201)
        XCTAssertEqual(response.body, payload)
        let recorded = try XCTUnwrap(server.requests.first)
        XCTAssertEqual(recorded.method, "POST")
        XCTAssertEqual(recorded.body, payload)
        XCTAssertEqual(recorded.header("content-type"), "application/json")
        XCTAssertEqual(recorded.header("authorization"), "Bearer sk-secret")
        XCTAssertNil(recorded.header("expect"), "no 100-continue dance with local servers")
        let names = recorded.headers.map { $0.name.lowercased() }
        XCTAssertLessThan(try XCTUnwrap(names.firstIndex(of: "authorization")), try XCTUnwrap(names.firstIndex(of: "content-type")))
    }

    // MARK: Status classification

    func test500IsTransientAndNamesRequestAndBody() throws {
        let server = try FakeHTTPServer { _ in .text("boom: worker crashed", status: 500) }
        defer { server.stop() }
        let url = server.url("/sdapi/v1/txt2img")
        let error = try XCTUnwrap(httpError(HTTPRequest.json(url: url, body: Data("{}".utf8))))

        XCTAssertEqual(error.kind, .status(500))
        XCTAssertEqual(error.description, "POST \(url.absoluteString): HTTP 500 Internal Server Error: boom: worker crashed")
        let step = error.stepError(provider: "gpu-box")
        XCTAssertTrue(step.isTransient)
        XCTAssertEqual(step.code, "http_500")
        XCTAssertTrue(step.message.hasPrefix("provider 'gpu-box': POST http://127.0.0.1:"))
    }

    func test503WithRetryAfterSeconds() throws {
        let server = try FakeHTTPServer { _ in .text("overloaded", status: 503, headers: [("Retry-After", "7")]) }
        defer { server.stop() }
        let url = server.url("/v1/chat/completions")
        let error = try XCTUnwrap(httpError(HTTPRequest.json(url: url, body: Data("{}".utf8))))

        XCTAssertEqual(error.description, "POST http://127.0.0.1:\(server.port)/v1/chat/completions: HTTP 503 Service Unavailable: overloaded")
        XCTAssertEqual(error.retryAfter, 7)
        let step = error.stepError(provider: "ollama")
        XCTAssertTrue(step.isTransient)
        XCTAssertEqual(step.retryAfter, 7)
    }

    func test503WithRetryAfterHTTPDate() throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        let date = formatter.string(from: Date().addingTimeInterval(120))
        let server = try FakeHTTPServer { _ in .status(503, headers: [("Retry-After", date)]) }
        defer { server.stop() }
        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/"))))

        let retryAfter = try XCTUnwrap(error.stepError(provider: "p").retryAfter)
        XCTAssertEqual(retryAfter, 120, accuracy: 3)
    }

    func testRetryAfterParsing() throws {
        let now = try XCTUnwrap(HTTPResponse.parseHTTPDate("Wed, 21 Oct 2015 07:28:00 GMT"))
        XCTAssertEqual(HTTPResponse.parseRetryAfter("120", now: now), 120)
        XCTAssertEqual(HTTPResponse.parseRetryAfter(" 0 ", now: now), 0)
        XCTAssertEqual(HTTPResponse.parseRetryAfter("Wed, 21 Oct 2015 07:29:30 GMT", now: now), 90)
        XCTAssertEqual(HTTPResponse.parseRetryAfter("Wednesday, 21-Oct-15 07:28:10 GMT", now: now), 10)
        XCTAssertEqual(HTTPResponse.parseRetryAfter("Wed Oct 21 07:28:05 2015", now: now), 5)
        XCTAssertEqual(HTTPResponse.parseRetryAfter("Wed, 21 Oct 2015 07:00:00 GMT", now: now), 0, "a past date means now")
        XCTAssertNil(HTTPResponse.parseRetryAfter("soon", now: now))
        XCTAssertNil(HTTPResponse.parseRetryAfter("-5", now: now))
    }

    func test429IsTransientWithRetryAfter() throws {
        let server = try FakeHTTPServer { _ in .json(#"{"error":"rate limited"}"#, status: 429, headers: [("Retry-After", "1")]) }
        defer { server.stop() }
        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/v1/images/generations"))))

        XCTAssertEqual(error.kind, .status(429))
        let step = error.stepError(provider: "openai")
        XCTAssertTrue(step.isTransient)
        XCTAssertEqual(step.code, "http_429")
        XCTAssertEqual(step.retryAfter, 1)
    }

    func test404And400ArePermanentAndKeepTheBody() throws {
        let server = try FakeHTTPServer { request in
            request.path == "/missing" ? .text("no such route", status: 404) : .json(#"{"node_errors":{"3":"bad"}}"#, status: 400)
        }
        defer { server.stop() }
        let notFound = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/missing"))))
        XCTAssertEqual(notFound.kind, .status(404))
        XCTAssertFalse(notFound.stepError(provider: "p").isTransient)

        let bad = try XCTUnwrap(httpError(HTTPRequest.json(url: server.url("/prompt"), body: Data("{}".utf8))))
        XCTAssertEqual(bad.kind, .status(400))
        XCTAssertFalse(bad.stepError(provider: "comfy").isTransient)
        XCTAssertEqual(bad.response?.text, #"{"node_errors":{"3":"bad"}}"#, "callers can read a 4xx body")
    }

    func testInvalidBodyIsPermanent() throws {
        let request = HTTPRequest(url: URL(string: "http://127.0.0.1:9/x")!)
        let response = HTTPResponse(status: 200, body: Data("not json".utf8), url: request.url)
        let error = HTTPError.invalidBody(response, for: request, reason: "expected a JSON object")
        XCTAssertFalse(error.stepError(provider: "p").isTransient)
        XCTAssertEqual(error.description, "GET http://127.0.0.1:9/x: invalid response body: expected a JSON object (body: not json)")
    }

    // MARK: Network faults

    func testConnectionRefusedIsTransientConnectFailed() throws {
        let port = try FakeHTTPServer.unusedPort()
        let error = try XCTUnwrap(httpError(HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/v1/models")!)))
        XCTAssertEqual(error.kind, .connectFailed)
        XCTAssertTrue(error.stepError(provider: "p").isTransient)
        XCTAssertTrue(error.description.hasPrefix("GET http://127.0.0.1:\(port)/v1/models: connection failed"), error.description)
    }

    func testTotalTimeoutOnSlowServer() throws {
        let server = try FakeHTTPServer { _ in .delayed(5, .text("too late")) }
        defer { server.stop() }
        let started = Date()
        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/slow")), HTTPClientOptions(totalTimeout: 0.5)))
        let elapsed = Date().timeIntervalSince(started)

        XCTAssertEqual(error.kind, .timeout)
        XCTAssertTrue(error.stepError(provider: "p").isTransient)
        XCTAssertGreaterThanOrEqual(elapsed, 0.45)
        XCTAssertLessThan(elapsed, 1.5)
    }

    func testTruncatedBodyIsTransientProtocolError() throws {
        let server = try FakeHTTPServer { _ in
            .truncated(status: 200, headers: [], body: Data(repeating: 65, count: 100), declaredLength: 1000)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/view"))))
        XCTAssertEqual(error.kind, .protocolError)
        XCTAssertTrue(error.stepError(provider: "p").isTransient)
    }

    func testCloseWithoutResponseIsProtocolError() throws {
        let server = try FakeHTTPServer { _ in .closeWithoutResponse }
        defer { server.stop() }
        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/"))))
        XCTAssertEqual(error.kind, .protocolError)
        XCTAssertTrue(error.stepError(provider: "p").isTransient)
    }

    func testChunkedAndCloseDelimitedBodiesWithinLimitAreRead() throws {
        let server = try FakeHTTPServer { request in
            request.path == "/chunked"
                ? .chunked(status: 200, headers: [], chunks: [Data("hello ".utf8), Data("world".utf8)])
                : .closeDelimited(status: 200, headers: [], body: Data("until close".utf8))
        }
        defer { server.stop() }
        let chunked = try client.send(HTTPRequest(url: server.url("/chunked")))
        XCTAssertEqual(chunked.text, "hello world")
        let delimited = try client.send(HTTPRequest(url: server.url("/close")))
        XCTAssertEqual(delimited.text, "until close")
    }

    // MARK: Size limit

    func testTooLargeFromContentLength() throws {
        let server = try FakeHTTPServer { _ in .normal(status: 200, headers: [], body: Data(repeating: 1, count: 4096)) }
        defer { server.stop() }
        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/big")), HTTPClientOptions(maxResponseBytes: 1000)))
        XCTAssertEqual(error.kind, .tooLarge)
        XCTAssertFalse(error.stepError(provider: "p").isTransient)
        XCTAssertTrue(error.description.contains("larger than 1000 bytes"), error.description)
    }

    func testTooLargeWithoutContentLengthStopsReading() throws {
        let total = 32 << 20
        let server = try FakeHTTPServer { _ in
            .trickle(status: 200, headers: [], body: Data(repeating: 7, count: total), chunkSize: 64 << 10, interval: 0.001, announceLength: false)
        }
        defer { server.stop() }
        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/stream")), HTTPClientOptions(maxResponseBytes: 256 << 10)))
        XCTAssertEqual(error.kind, .tooLarge)

        let exchange = try XCTUnwrap(server.waitForExchanges(1, timeout: 3).first)
        XCTAssertTrue(exchange.clientHungUp, "the client must close the connection instead of draining the body")
        XCTAssertLessThan(exchange.bytesSent, total / 2)
    }

    func testTooLargeChunked() throws {
        let server = try FakeHTTPServer { _ in
            .chunked(status: 200, headers: [], chunks: Array(repeating: Data(repeating: 3, count: 1000), count: 20))
        }
        defer { server.stop() }
        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/")), HTTPClientOptions(maxResponseBytes: 5000)))
        XCTAssertEqual(error.kind, .tooLarge)
    }

    // MARK: Redirects

    func testRedirectsFollowedUpToTheLimit() throws {
        // /hop/N redirects to /hop/N-1; /hop/0 answers.
        let server = try FakeHTTPServer { request in
            let n = Int(request.path.split(separator: "/").last ?? "") ?? 0
            return n == 0 ? .text("arrived") : .redirect(status: 302, location: "/hop/\(n - 1)")
        }
        defer { server.stop() }
        let options = HTTPClientOptions(maxRedirects: 3)
        let response = try client.send(HTTPRequest(url: server.url("/hop/3")), options: options)
        XCTAssertEqual(response.text, "arrived")
        XCTAssertEqual(response.url, server.url("/hop/0"))
        XCTAssertEqual(server.requests.map(\.path), ["/hop/3", "/hop/2", "/hop/1", "/hop/0"])

        let error = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/hop/4")), options))
        XCTAssertEqual(error.kind, .tooManyRedirects)
        XCTAssertFalse(error.stepError(provider: "p").isTransient)
        XCTAssertEqual(server.requests.count, 8, "/hop/4 makes 4 requests; the 4th redirect is refused")
    }

    func testRedirectToAnotherOriginDropsSecretHeadersAnd303BecomesGet() throws {
        let other = try FakeHTTPServer { _ in .text("elsewhere") }
        defer { other.stop() }
        let target = other.url("/landing").absoluteString
        let server = try FakeHTTPServer { _ in .redirect(status: 303, location: target) }
        defer { server.stop() }
        let request = HTTPRequest.json(
            url: server.url("/submit"), body: Data("{}".utf8), headers: [("Authorization", "Bearer sk-secret"), ("x-api-key", "k-12345"), ("X-Trace", "t")])
        let response = try client.send(request)

        XCTAssertEqual(response.text, "elsewhere")
        let landed = try XCTUnwrap(other.requests.first)
        XCTAssertEqual(landed.method, "GET")
        XCTAssertTrue(landed.body.isEmpty)
        XCTAssertNil(landed.header("authorization"))
        XCTAssertNil(landed.header("x-api-key"))
        XCTAssertEqual(landed.header("x-trace"), "t")
    }

    // MARK: Cancellation

    func testCancellationAbortsTransferInFlight() throws {
        let server = try FakeHTTPServer { _ in .delayed(5, .text("late")) }
        defer { server.stop() }
        let cancellation = HTTPCancellation()
        let requestsBeforeCancel = Locked(0)
        let cancelledAt = Locked<Date?>(nil)
        // Another thread cancels while the call blocks this one, as `jobs cancel` does.
        Thread.detachNewThread {
            Thread.sleep(forTimeInterval: 0.1)
            requestsBeforeCancel.set(server.requests.count)
            cancelledAt.set(Date())
            cancellation.cancel()
        }
        do {
            _ = try client.send(HTTPRequest(url: server.url("/slow")), cancellation: cancellation)
            XCTFail("expected cancellation")
        } catch let error as HTTPError {
            XCTAssertEqual(error.kind, .cancelled)
            let step = error.stepError(provider: "p")
            XCTAssertEqual(step.code, "cancelled")
            XCTAssertFalse(step.isTransient)
        }
        XCTAssertEqual(requestsBeforeCancel.value, 1, "the request reached the server before cancelling")
        XCTAssertLessThan(Date().timeIntervalSince(try XCTUnwrap(cancelledAt.value)), 1.0)
    }

    func testAlreadyCancelledCallSendsNothing() throws {
        let server = try FakeHTTPServer { _ in .text("ok") }
        defer { server.stop() }
        let cancellation = HTTPCancellation()
        cancellation.cancel()
        do {
            _ = try client.send(HTTPRequest(url: server.url("/")), cancellation: cancellation)
            XCTFail("expected cancellation")
        } catch let error as HTTPError {
            XCTAssertEqual(error.kind, .cancelled)
        }
        XCTAssertTrue(server.requests.isEmpty)
    }

    // MARK: Secrets

    func testSecretHeadersAreRedactedInDescription() throws {
        let request = HTTPRequest(
            method: "post", url: URL(string: "https://api.example.com/v1/chat/completions")!,
            headers: [("Authorization", "Bearer sk-secret"), ("X-API-Key", "key-999"), ("Content-Type", "application/json")],
            body: Data("{}".utf8))
        let text = request.description
        XCTAssertFalse(text.contains("sk-secret"))
        XCTAssertFalse(text.contains("key-999"))
        XCTAssertEqual(text, "POST https://api.example.com/v1/chat/completions [Authorization: [redacted], X-API-Key: [redacted], Content-Type: application/json] body: 2 bytes")
    }

    func testSecretsNeverAppearInErrors() throws {
        // A server that echoes the request headers in its error body, as some proxies do.
        let server = try FakeHTTPServer { request in
            .text(request.headers.map { "\($0.name): \($0.value)" }.joined(separator: "\n"), status: 401)
        }
        defer { server.stop() }
        let headers = [(name: "Authorization", value: "Bearer sk-secret")]
        let unauthorized = try XCTUnwrap(httpError(HTTPRequest(url: server.url("/v1/models"), headers: headers)))
        XCTAssertTrue(unauthorized.description.contains("Authorization: [redacted]"), "the echoed header is scrubbed: \(unauthorized)")

        let port = try FakeHTTPServer.unusedPort()
        let refused = try XCTUnwrap(httpError(HTTPRequest(url: URL(string: "http://127.0.0.1:\(port)/x?key=sk-secret-in-query")!, headers: headers)))

        for error in [unauthorized, refused] {
            let texts = [error.description, error.detail, error.url, String(describing: error), "\(error.stepError(provider: "openai"))",
                         error.stepError(provider: "openai").message]
            for text in texts {
                XCTAssertFalse(text.contains("sk-secret"), text)
            }
        }
    }

    func testHeaderInjectionIsRefused() throws {
        let request = HTTPRequest(url: URL(string: "http://127.0.0.1:9/")!, headers: [("X-Evil", "a\r\nHost: other")])
        let error = try XCTUnwrap(httpError(request))
        XCTAssertEqual(error.kind, .invalidRequest)
        let ftp = try XCTUnwrap(httpError(HTTPRequest(url: URL(string: "ftp://127.0.0.1/file")!)))
        XCTAssertEqual(ftp.kind, .invalidRequest)
    }
}
