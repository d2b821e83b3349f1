import CCurl
import CurlShim
import Foundation
import Synchronization

/// `curl_global_init` must run once per process before any other curl call and is not itself
/// thread-safe; a Swift `static let` is initialised exactly once, thread-safely, on first use.
enum CurlGlobal {
    static let initialized: Bool = curl_global_init(Int(CURL_GLOBAL_DEFAULT)) == CURLE_OK
}

/// One libcurl exchange (a single request/response, no redirect following), performed on the
/// calling thread: no thread of its own, no callback, no continuation.
///
/// Why a private multi handle instead of `curl_easy_perform`: a blocking easy transfer only checks
/// its progress callback about once a second while the connection is idle, so a cancelled job
/// could keep waiting on a silent server. Driving the transfer with `curl_multi_poll` lets another
/// thread's `HTTPCancellation.cancel()` call `curl_multi_wakeup`, which interrupts the wait at
/// once; the loop then sees the flag and tears the transfer down (closing the connection). The
/// progress callback returning non-zero when cancelled stays as a second line of defence.
final class CurlTransfer {
    /// What one exchange produced: the response, and where it redirects (if it is a redirect).
    struct Outcome {
        var response: HTTPResponse
        var redirectURL: String?
    }

    /// The only part of a transfer another thread touches: the cancel flag and the multi handle
    /// to wake, together under one lock so a wake-up never reaches a handle already cleaned up.
    private final class Abort: Sendable {
        private struct State {
            var cancelled = false
            /// The multi handle's address while the transfer runs, 0 otherwise (a raw pointer is
            /// not Sendable; this lock is what makes waking it from another thread safe).
            var multi = 0
        }

        private let state = Mutex(State())

        var isCancelled: Bool { state.withLock { $0.cancelled } }

        func cancel() {
            state.withLock { state in
                state.cancelled = true
                if let multi = UnsafeMutableRawPointer(bitPattern: state.multi) { curl_multi_wakeup(multi) }
            }
        }

        func attach(_ multi: UnsafeMutableRawPointer?) {
            state.withLock { $0.multi = Int(bitPattern: multi) }
        }
    }

    private let request: HTTPRequest
    private let options: HTTPClientOptions
    private let timeout: TimeInterval
    private let abort = Abort()

    // Touched only by the calling thread (from curl callbacks and `perform`).
    private var status = 0
    private var reason = ""
    private var headers: [(name: String, value: String)] = []
    private var body = Data()
    private var tooLarge = false

    init(request: HTTPRequest, options: HTTPClientOptions, timeout: TimeInterval) {
        self.request = request
        self.options = options
        self.timeout = timeout
    }

    var isCancelled: Bool { abort.isCancelled }

    /// Runs the exchange on the calling thread. Cancelling `cancellation` (from any thread)
    /// aborts it at once; it then reports `.cancelled`, as it does when already cancelled.
    func perform(cancellation: HTTPCancellation?) -> Result<Outcome, HTTPError> {
        let abort = self.abort
        let key = cancellation?.onCancel { abort.cancel() }
        defer { cancellation?.removeHandler(key) }
        return run()
    }

    private func failure(_ kind: HTTPError.Kind, _ detail: String) -> Result<Outcome, HTTPError> {
        .failure(HTTPError(kind, request, detail))
    }

    private func run() -> Result<Outcome, HTTPError> {
        guard CurlGlobal.initialized else { return failure(.protocolError, "curl_global_init failed") }
        if isCancelled { return failure(.cancelled, "cancelled") }
        guard let easy = curl_easy_init() else { return failure(.protocolError, "curl_easy_init failed") }
        defer { curl_easy_cleanup(easy) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        var headerList: UnsafeMutablePointer<curl_slist>?
        defer { curl_slist_free_all(headerList) }

        if let problem = configure(easy, errorBuffer: errorBuffer, headerList: &headerList) {
            return failure(.invalidRequest, problem)
        }
        guard let multi = curl_multi_init() else { return failure(.protocolError, "curl_multi_init failed") }
        curl_multi_add_handle(multi, easy)
        abort.attach(multi)
        defer {
            abort.attach(nil)
            curl_multi_remove_handle(multi, easy)
            curl_multi_cleanup(multi)
        }

        var result: CURLcode?
        while result == nil {
            if isCancelled { return failure(.cancelled, "cancelled") }
            var running: Int32 = 0
            let multiCode = curl_multi_perform(multi, &running)
            if multiCode != CURLM_OK {
                return failure(.protocolError, String(cString: curl_multi_strerror(multiCode)))
            }
            var left: Int32 = 0
            while let message = curl_multi_info_read(multi, &left) {
                if message.pointee.msg == CURLMSG_DONE { result = message.pointee.data.result }
            }
            if result == nil, running == 0 { result = CURLE_GOT_NOTHING }
            if result == nil { curl_multi_poll(multi, nil, 0, 500, nil) }
        }
        if isCancelled { return failure(.cancelled, "cancelled") }
        guard let code = result, code == CURLE_OK else {
            return .failure(error(for: result ?? CURLE_GOT_NOTHING, errorBuffer: errorBuffer))
        }

        var redirect: UnsafePointer<CChar>?
        dfcurl_getinfo_str(easy, Int32(CURLINFO_REDIRECT_URL.rawValue), &redirect)
        var responseCode = 0
        dfcurl_getinfo_long(easy, Int32(CURLINFO_RESPONSE_CODE.rawValue), &responseCode)
        let response = HTTPResponse(
            status: responseCode == 0 ? status : responseCode, reason: reason, headers: headers, body: body, url: request.url)
        return .success(Outcome(response: response, redirectURL: redirect.map { String(cString: $0) }))
    }

    /// Sets every option; returns a message if the request cannot be expressed.
    private func configure(
        _ easy: UnsafeMutableRawPointer, errorBuffer: UnsafeMutablePointer<CChar>,
        headerList: inout UnsafeMutablePointer<curl_slist>?
    ) -> String? {
        var failed: String?
        func long(_ option: CURLoption, _ value: Int) {
            if dfcurl_setopt_long(easy, Int32(option.rawValue), value) != 0, failed == nil { failed = "option \(option.rawValue)" }
        }
        func string(_ option: CURLoption, _ value: String) {
            if dfcurl_setopt_str(easy, Int32(option.rawValue), value) != 0, failed == nil { failed = "option \(option.rawValue)" }
        }
        let me = Unmanaged.passUnretained(self).toOpaque()

        string(CURLOPT_URL, request.url.absoluteString)
        // Only plain HTTP(S), never file://, ftp:// etc., even if a URL or redirect says so.
        string(CURLOPT_PROTOCOLS_STR, "http,https")
        long(CURLOPT_NOSIGNAL, 1)  // required when curl runs off the main thread
        long(CURLOPT_FOLLOWLOCATION, 0)  // HTTPClient follows redirects itself (see there)
        long(CURLOPT_CONNECTTIMEOUT_MS, max(1, Int(options.connectTimeout * 1000)))
        long(CURLOPT_TIMEOUT_MS, max(1, Int(timeout * 1000)))
        // TLS verification: always on (these are curl's defaults; set explicitly so no one wonders).
        long(CURLOPT_SSL_VERIFYPEER, 1)
        long(CURLOPT_SSL_VERIFYHOST, 2)
        // No CURLOPT_PROXY: curl then honours http_proxy/https_proxy/no_proxy from the environment.
        string(CURLOPT_ACCEPT_ENCODING, "")  // any encoding curl can decode; the size limit counts decoded bytes
        string(CURLOPT_USERAGENT, "dropforge")
        dfcurl_setopt_off(easy, Int32(CURLOPT_MAXFILESIZE_LARGE.rawValue), Int64(options.maxResponseBytes))
        dfcurl_setopt_ptr(easy, Int32(CURLOPT_ERRORBUFFER.rawValue), errorBuffer)

        dfcurl_setopt_data_callback(easy, Int32(CURLOPT_WRITEFUNCTION.rawValue), curlWriteCallback)
        dfcurl_setopt_ptr(easy, Int32(CURLOPT_WRITEDATA.rawValue), me)
        dfcurl_setopt_data_callback(easy, Int32(CURLOPT_HEADERFUNCTION.rawValue), curlHeaderCallback)
        dfcurl_setopt_ptr(easy, Int32(CURLOPT_HEADERDATA.rawValue), me)
        long(CURLOPT_NOPROGRESS, 0)
        dfcurl_setopt_xferinfo_callback(easy, curlProgressCallback)
        dfcurl_setopt_ptr(easy, Int32(CURLOPT_XFERINFODATA.rawValue), me)

        switch (request.method, request.body) {
        case ("GET", nil): long(CURLOPT_HTTPGET, 1)
        case ("HEAD", _): long(CURLOPT_NOBODY, 1)
        case (_, nil) where request.method != "POST": string(CURLOPT_CUSTOMREQUEST, request.method)
        default:
            let body = request.body ?? Data()
            dfcurl_setopt_off(easy, Int32(CURLOPT_POSTFIELDSIZE_LARGE.rawValue), Int64(body.count))
            body.withUnsafeBytes { raw in
                // COPYPOSTFIELDS copies exactly POSTFIELDSIZE bytes, so binary bodies are safe.
                let pointer = UnsafeMutableRawPointer(mutating: raw.baseAddress ?? UnsafeRawPointer(bitPattern: 1)!)
                dfcurl_setopt_ptr(easy, Int32(CURLOPT_COPYPOSTFIELDS.rawValue), pointer)
            }
            if request.method != "POST" { string(CURLOPT_CUSTOMREQUEST, request.method) }
        }

        for header in request.headers {
            // "Name;" is curl's syntax for a header with an empty value ("Name:" would remove it).
            let line = header.value.isEmpty ? "\(header.name);" : "\(header.name): \(header.value)"
            headerList = curl_slist_append(headerList, line)
        }
        // Local servers (FastAPI, ComfyUI's aiohttp) handle `Expect: 100-continue` unevenly; an
        // empty `Expect:` tells curl not to send it and to upload the body straight away.
        headerList = curl_slist_append(headerList, "Expect:")
        dfcurl_setopt_ptr(easy, Int32(CURLOPT_HTTPHEADER.rawValue), UnsafeMutableRawPointer(headerList))
        return failed.map { "libcurl rejected \($0)" }
    }

    private func error(for code: CURLcode, errorBuffer: UnsafeMutablePointer<CChar>) -> HTTPError {
        var detail = String(cString: errorBuffer)
        if detail.isEmpty { detail = String(cString: curl_easy_strerror(code)) }
        let kind: HTTPError.Kind
        switch code {
        case _ where tooLarge, CURLE_FILESIZE_EXCEEDED:
            kind = .tooLarge
            detail = "response larger than \(options.maxResponseBytes) bytes"
        case CURLE_ABORTED_BY_CALLBACK where isCancelled:
            kind = .cancelled
            detail = "cancelled"
        case CURLE_COULDNT_CONNECT, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_RESOLVE_PROXY:
            kind = .connectFailed
            detail = "connection failed: \(detail)"
        case CURLE_OPERATION_TIMEDOUT:
            kind = .timeout
            detail = "timed out: \(detail)"
        case CURLE_TOO_MANY_REDIRECTS:
            kind = .tooManyRedirects
        case CURLE_SSL_CONNECT_ERROR, CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM, CURLE_SSL_CIPHER,
            CURLE_SSL_CACERT_BADFILE, CURLE_SSL_ISSUER_ERROR, CURLE_SSL_PINNEDPUBKEYNOTMATCH,
            CURLE_SSL_INVALIDCERTSTATUS, CURLE_SSL_CLIENTCERT:
            kind = .tls
            detail = "TLS error: \(detail)"
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            kind = .invalidRequest
        default:
            // Truncated body (PARTIAL_FILE), reset mid-response (RECV_ERROR), empty reply
            // (GOT_NOTHING), a garbage status line (WEIRD_SERVER_REPLY), …
            kind = .protocolError
            detail = "protocol error: \(detail)"
        }
        return HTTPError(kind, request, detail)
    }

    // MARK: Callbacks (called on the calling thread, inside `curl_multi_perform`)

    fileprivate func receiveHeader(_ line: String) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.hasPrefix("HTTP/") {
            // A new response begins (after a 100 Continue, say): keep only the last one's headers.
            let parts = trimmed.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: true)
            status = parts.count > 1 ? Int(parts[1]) ?? 0 : 0
            reason = parts.count > 2 ? String(parts[2]) : ""
            headers = []
        } else if let colon = trimmed.firstIndex(of: ":") {
            let name = String(trimmed[..<colon]).trimmingCharacters(in: .whitespaces)
            let value = String(trimmed[trimmed.index(after: colon)...]).trimmingCharacters(in: .whitespaces)
            headers.append((name: name, value: value))
        } else if trimmed.isEmpty, status >= 200, request.method != "HEAD" {
            // End of a final response's head: refuse an announced oversize body before reading it.
            let length = headers.last { $0.name.lowercased() == "content-length" }.flatMap { Int($0.value) }
            if let length, length > options.maxResponseBytes {
                tooLarge = true
                return false
            }
        }
        return true
    }

    fileprivate func receiveBody(_ bytes: UnsafeRawBufferPointer) -> Bool {
        if body.count + bytes.count > options.maxResponseBytes {
            tooLarge = true
            return false
        }
        body.append(contentsOf: bytes)
        return true
    }
}

private let curlWriteCallback: dfcurl_data_callback = { data, size, count, userdata in
    guard let userdata else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    let buffer = UnsafeRawBufferPointer(start: data, count: total)
    // Returning anything but `total` makes curl abort the transfer with CURLE_WRITE_ERROR.
    return transfer.receiveBody(buffer) ? total : 0
}

private let curlHeaderCallback: dfcurl_data_callback = { data, size, count, userdata in
    guard let userdata, let data else { return 0 }
    let transfer = Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue()
    let total = size * count
    let line = String(decoding: UnsafeRawBufferPointer(start: data, count: total), as: UTF8.self)
    return transfer.receiveHeader(line) ? total : 0
}

private let curlProgressCallback: dfcurl_xferinfo_callback = { userdata, _, _, _, _ in
    guard let userdata else { return 0 }
    return Unmanaged<CurlTransfer>.fromOpaque(userdata).takeUnretainedValue().isCancelled ? 1 : 0
}
