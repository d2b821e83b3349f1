import Foundation
import Hummingbird
import Logging
import ServiceLifecycle
import Synchronization

/// The HTTP server on a task of its own beside the synchronous `watch` loop: started before the
/// daemon (so a taken port fails the command at once), shut down gracefully after it.
public final class HTTPService: Sendable {
    let server: APIServer
    let host: String
    let port: Int
    private let group = Mutex<ServiceGroup?>(nil)
    private let finished = DispatchSemaphore(value: 0)

    public init(server: APIServer, host: String, port: Int) {
        self.server = server
        self.host = host
        self.port = port
    }

    /// Starts listening; the port bound, or nil (and the reason on standard error) when it
    /// cannot listen.
    public func start() -> Int? {
        var logger = Logger(label: "dropforge.serve")
        logger.logLevel = .warning
        let ready = DispatchSemaphore(value: 0)
        let bound = Mutex<Int?>(nil)
        let app = server.application(host: host, port: port, logger: logger) { port in
            bound.withLock { $0 = port }
            ready.signal()
        }
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        self.group.withLock { $0 = group }
        let finished = finished
        let (host, port) = (host, port)
        Task {
            do {
                try await group.run()
            } catch {
                FileHandle.standardError.write(Data("error: cannot serve on \(host):\(port): \(error)\n".utf8))
            }
            ready.signal()
            finished.signal()
        }
        ready.wait()
        return bound.withLock { $0 }
    }

    /// Stops accepting, lets requests in flight finish, and returns when the server has ended.
    public func stop() {
        guard let group = group.withLock({ $0 }) else { return }
        Task { await group.triggerGracefulShutdown() }
        _ = finished.wait(timeout: .now() + 10)
    }
}
