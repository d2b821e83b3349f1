import Foundation
import DropForgeKit
import Glibc

@testable import DropForgeKit
@testable import DropForgeHTTP

/// A small HTTP/1.1 server on `127.0.0.1` (and only there) for tests, written on POSIX sockets so
/// tests need no networking dependency. It records every request and answers with a handler the
/// test supplies, including the faults real servers produce: slow heads, trickled bodies,
/// truncated bodies, connections closed without a reply, redirects.
///
/// One request per connection (every response says `Connection: close`); one thread per
/// connection. Request bodies must carry `Content-Length` (chunked uploads are not supported).
///
/// ```swift
/// let server = try FakeHTTPServer { request in
///     request.path == "/v1/models" ? .json(#"{"data":[]}"#) : .status(404)
/// }
/// defer { server.stop() }
/// let url = server.url("/v1/models")
/// ```
public final class FakeHTTPServer: @unchecked Sendable {
    /// A request as the server received it.
    public struct RecordedRequest: Sendable {
        /// 0 for the first request this server received, 1 for the next…: lets a handler answer
        /// "500, then success".
        public var sequence: Int
        public var method: String
        /// The request target as sent: path plus query (`/v1/chat/completions?x=1`).
        public var path: String
        public var headers: [(name: String, value: String)]
        public var body: Data

        /// First value of a header, case-insensitively.
        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var text: String { String(decoding: body, as: UTF8.self) }

        /// The body decoded as a JSON object (nil if it is not one).
        public var json: [String: Any]? {
            (try? JSONSerialization.jsonObject(with: body)) as? [String: Any]
        }
    }

    /// What to send back.
    public indirect enum FakeResponse: Sendable {
        /// A complete response; `Content-Length` is added unless `headers` has one.
        case normal(status: Int, headers: [(name: String, value: String)], body: Data)
        /// Waits `delay` seconds before sending anything, then sends `response`.
        case delayed(TimeInterval, FakeResponse)
        /// Sends the head at once, then the body in `chunkSize`-byte pieces with `interval` seconds
        /// between them (with `Content-Length`, or close-delimited when `announceLength` is false).
        case trickle(status: Int, headers: [(name: String, value: String)], body: Data,
                     chunkSize: Int, interval: TimeInterval, announceLength: Bool)
        /// No `Content-Length`: the body ends when the server closes the connection.
        case closeDelimited(status: Int, headers: [(name: String, value: String)], body: Data)
        /// `Transfer-Encoding: chunked`, one HTTP chunk per element.
        case chunked(status: Int, headers: [(name: String, value: String)], chunks: [Data])
        /// Announces `declaredLength` bytes, sends only `body`, then closes.
        case truncated(status: Int, headers: [(name: String, value: String)], body: Data, declaredLength: Int)
        /// Reads the request and closes the connection without a byte of response.
        case closeWithoutResponse
        /// A redirect to `location` (absolute URL or path).
        case redirect(status: Int, location: String)

        /// A JSON body (a string already in JSON) with `Content-Type: application/json`.
        public static func json(_ text: String, status: Int = 200, headers: [(name: String, value: String)] = []) -> FakeResponse {
            .normal(status: status, headers: [("Content-Type", "application/json")] + headers, body: Data(text.utf8))
        }

        /// A plain-text body (often an error page).
        public static func text(_ text: String, status: Int = 200, headers: [(name: String, value: String)] = []) -> FakeResponse {
            .normal(status: status, headers: [("Content-Type", "text/plain")] + headers, body: Data(text.utf8))
        }

        /// A bare status with an empty body.
        public static func status(_ status: Int, headers: [(name: String, value: String)] = []) -> FakeResponse {
            .normal(status: status, headers: headers, body: Data())
        }
    }

    /// How one connection ended, for tests that check the client's behaviour on the wire.
    public struct Exchange: Sendable {
        public var request: RecordedRequest?
        /// Body and head bytes the server managed to write.
        public var bytesSent: Int
        /// True when a write failed because the client closed or reset the connection early.
        public var clientHungUp: Bool
        /// When the server closed the connection (after the reply, or when the client hung up).
        public var endedAt: Date? = nil
    }

    public typealias Handler = @Sendable (RecordedRequest) -> FakeResponse

    public let port: UInt16
    /// `http://127.0.0.1:<port>`.
    public var baseURL: URL { URL(string: "http://127.0.0.1:\(port)")! }

    private let listener: Int32
    private let handler: Handler
    private let state = NSCondition()
    private var recorded: [RecordedRequest] = []
    private var finished: [Exchange] = []
    private var stopped = false

    /// Starts listening on 127.0.0.1 on an ephemeral port.
    public init(handler: @escaping Handler) throws {
        self.handler = handler
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw FakeHTTPServer.posixError("socket") }
        var yes: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
        var address = FakeHTTPServer.loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(fd, 64) == 0 else {
            close(fd)
            throw FakeHTTPServer.posixError("bind/listen")
        }
        guard let port = FakeHTTPServer.boundPort(fd) else {
            close(fd)
            throw FakeHTTPServer.posixError("getsockname")
        }
        self.listener = fd
        self.port = port
        let thread = Thread { [self] in acceptLoop() }
        thread.name = "fake-http-accept"
        thread.start()
    }

    deinit { stop() }

    /// `baseURL` plus a path (`"/v1/chat/completions"`).
    public func url(_ path: String) -> URL {
        URL(string: "http://127.0.0.1:\(port)\(path.hasPrefix("/") ? path : "/" + path)")!
    }

    /// Every request received so far, in arrival order.
    public var requests: [RecordedRequest] {
        state.lock()
        defer { state.unlock() }
        return recorded
    }

    /// Every connection fully handled so far.
    public var exchanges: [Exchange] {
        state.lock()
        defer { state.unlock() }
        return finished
    }

    /// Waits until `count` connections have been fully handled (or `timeout` passes) and returns them.
    @discardableResult
    public func waitForExchanges(_ count: Int, timeout: TimeInterval = 2) -> [Exchange] {
        let deadline = Date().addingTimeInterval(timeout)
        state.lock()
        defer { state.unlock() }
        while finished.count < count, state.wait(until: deadline) {}
        return finished
    }

    private var isStopped: Bool {
        state.lock()
        defer { state.unlock() }
        return stopped
    }

    /// Stops accepting and wakes delayed responses so their threads end promptly. Idempotent.
    public func stop() {
        state.lock()
        let wasStopped = stopped
        stopped = true
        state.broadcast()
        state.unlock()
        if !wasStopped {
            // Only shut down: the accept thread closes the descriptor when it leaves. Closing it
            // here would free its number for the next server's socket while this server's accept
            // loop may still call accept() on it — and serve the next test with this handler.
            shutdown(listener, Int32(SHUT_RDWR))
        }
    }

    /// A port on 127.0.0.1 with nothing listening (bound, then released): for "connection refused".
    public static func unusedPort() throws -> UInt16 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = loopback(port: 0)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, let port = boundPort(fd) else { throw posixError("bind") }
        return port
    }

    // MARK: Connections

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let client = accept(listener, nil, nil)
            if client < 0 {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return  // listener shut down by stop()
            }
            if isStopped {
                close(client)
                return
            }
            let thread = Thread { [self] in serve(client) }
            thread.name = "fake-http-connection"
            thread.start()
        }
    }

    private func serve(_ fd: Int32) {
        var exchange = Exchange(request: nil, bytesSent: 0, clientHungUp: false)
        defer {
            close(fd)
            exchange.endedAt = Date()
            state.lock()
            finished.append(exchange)
            state.broadcast()
            state.unlock()
        }
        guard var request = readRequest(fd) else { return }
        state.lock()
        request.sequence = recorded.count
        recorded.append(request)
        state.unlock()
        exchange.request = request
        respond(handler(request), on: fd, exchange: &exchange)
    }

    private func respond(_ response: FakeResponse, on fd: Int32, exchange: inout Exchange) {
        func send(_ data: Data) -> Bool {
            let ok = write(data, to: fd, sent: &exchange.bytesSent)
            if !ok { exchange.clientHungUp = true }
            return ok
        }
        switch response {
        case .delayed(let delay, let next):
            if pause(delay) { respond(next, on: fd, exchange: &exchange) }
        case .normal(let status, let headers, let body):
            _ = send(head(status, headers, contentLength: body.count) + body)
        case .trickle(let status, let headers, let body, let chunkSize, let interval, let announce):
            guard send(head(status, headers, contentLength: announce ? body.count : nil)) else { return }
            var offset = 0
            while offset < body.count {
                let end = min(body.count, offset + max(1, chunkSize))
                guard send(body.subdata(in: offset..<end)) else { return }
                offset = end
                if offset < body.count, interval > 0, !pause(interval) { return }
            }
        case .closeDelimited(let status, let headers, let body):
            _ = send(head(status, headers, contentLength: nil) + body)
        case .chunked(let status, let headers, let chunks):
            var data = head(status, headers + [("Transfer-Encoding", "chunked")], contentLength: nil)
            for chunk in chunks where !chunk.isEmpty {
                data += Data(String(chunk.count, radix: 16).utf8) + Data("\r\n".utf8) + chunk + Data("\r\n".utf8)
            }
            _ = send(data + Data("0\r\n\r\n".utf8))
        case .truncated(let status, let headers, let body, let declared):
            _ = send(head(status, headers + [("Content-Length", String(declared))], contentLength: nil) + body)
        case .closeWithoutResponse:
            return
        case .redirect(let status, let location):
            _ = send(head(status, [("Location", location)], contentLength: 0))
        }
    }

    private func head(_ status: Int, _ headers: [(name: String, value: String)], contentLength: Int?) -> Data {
        var lines = ["HTTP/1.1 \(status) \(HTTPResponse.standardReason(for: status))"]
        lines += headers.map { "\($0.name): \($0.value)" }
        if let contentLength, !headers.contains(where: { $0.name.lowercased() == "content-length" }) {
            lines.append("Content-Length: \(contentLength)")
        }
        lines.append("Connection: close")
        return Data((lines.joined(separator: "\r\n") + "\r\n\r\n").utf8)
    }

    /// Sleeps up to `seconds`, returning false early if the server is stopped.
    private func pause(_ seconds: TimeInterval) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        state.lock()
        defer { state.unlock() }
        while !stopped, state.wait(until: deadline) {}
        return !stopped
    }

    private func write(_ data: Data, to fd: Int32, sent: inout Int) -> Bool {
        data.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                // MSG_NOSIGNAL: a client that hung up must give EPIPE here, not kill the test process.
                let n = Glibc.send(fd, raw.baseAddress! + offset, raw.count - offset, Int32(MSG_NOSIGNAL))
                if n < 0, errno == EINTR { continue }
                if n <= 0 { return false }
                offset += n
                sent += n
            }
            return true
        }
    }

    /// Reads the head up to the blank line, then exactly `Content-Length` body bytes.
    private func readRequest(_ fd: Int32) -> RecordedRequest? {
        var buffer = Data()
        var chunk = [UInt8](repeating: 0, count: 65536)
        let separator = Data("\r\n\r\n".utf8)
        var headEnd: Range<Data.Index>?
        while headEnd == nil {
            let n = recv(fd, &chunk, chunk.count, 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0, buffer.count < 1 << 20 else { return nil }
            buffer.append(contentsOf: chunk[0..<n])
            headEnd = buffer.range(of: separator)
        }
        let headText = String(decoding: buffer[..<headEnd!.lowerBound], as: UTF8.self)
        var lines = headText.components(separatedBy: "\r\n")
        let requestLine = lines.removeFirst().split(separator: " ")
        guard requestLine.count >= 2 else { return nil }
        let headers: [(name: String, value: String)] = lines.compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]).trimmingCharacters(in: .whitespaces),
                    String(line[line.index(after: colon)...]).trimmingCharacters(in: .whitespaces))
        }
        let length = headers.first { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) } ?? 0
        var body = Data(buffer[headEnd!.upperBound...])
        while body.count < length {
            let n = recv(fd, &chunk, min(chunk.count, length - body.count), 0)
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return nil }
            body.append(contentsOf: chunk[0..<n])
        }
        return RecordedRequest(
            sequence: 0, method: String(requestLine[0]), path: String(requestLine[1]), headers: headers, body: body)
    }

    // MARK: Socket helpers

    private static func loopback(port: UInt16) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = inet_addr("127.0.0.1")  // loopback only, never INADDR_ANY
        return address
    }

    private static func boundPort(_ fd: Int32) -> UInt16? {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ok = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        return ok == 0 ? UInt16(bigEndian: address.sin_port) : nil
    }

    private static func posixError(_ call: String) -> NSError {
        NSError(domain: NSPOSIXErrorDomain, code: Int(errno), userInfo: [NSLocalizedDescriptionKey: "\(call) failed"])
    }
}
