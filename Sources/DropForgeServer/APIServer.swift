import DropForgeCore
import DropForgeKit
import DropForgeStore
import Foundation
import Hummingbird
import Logging

/// `dropforge serve`'s HTTP side: the API under `/api/v1` in front of the same store and job code
/// the CLI uses (``JobLookup``, ``JobDetail``, ``StatusReport``) — no second implementation.
public struct APIServer: Sendable {
    public let layout: RootLayout
    public let config: DropforgeConfig
    public let store: JobStore
    /// The bearer token, when `--api-token-env` names a set variable.
    public let token: String?
    /// Reads need the token too: the server listens off loopback.
    public let guardsReads: Bool
    /// Claims a file just placed in the inbox and returns its job id: the daemon's own intake.
    public let claim: @Sendable (String) -> String?
    /// Wakes the daemon's idle workers: new steps are waiting (a retry, a rerun, a cancel to publish).
    public let wake: @Sendable () -> Void
    /// `GET /metrics`; bootstrapped as swift-metrics' backend by `serve`.
    public let metrics: MetricsEndpoint

    public init(layout: RootLayout, config: DropforgeConfig, store: JobStore, token: String?, guardsReads: Bool,
                metrics: MetricsEndpoint = MetricsEndpoint(),
                claim: @escaping @Sendable (String) -> String?, wake: @escaping @Sendable () -> Void) {
        self.metrics = metrics
        self.layout = layout
        self.config = config
        self.store = store
        self.token = token
        self.guardsReads = guardsReads
        self.claim = claim
        self.wake = wake
    }

    /// Whether `host` is a loopback address, where the server may run without a token.
    public static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    public func router() -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.middlewares.add(ErrorEnvelope())
        if let token { router.middlewares.add(BearerToken(token: token, guardsReads: guardsReads)) }
        router.get("healthz") { _, _ in JSONReply.response(["ok": true]) }
        metrics.add(to: router, layout: layout, store: store)
        PageRoutes(layout: layout, config: config, store: store, token: token).add(to: router)
        let api = router.group("api/v1")
        api.get("openapi.yaml") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
        }
        api.get("status") { _, _ in
            JSONReply.response(try await offloaded { try StatusReport.make(layout: layout, config: config, store: store) })
        }
        api.get("jobs") { request, _ in
            let query = try JobsQuery(request.uri.queryParameters)
            return JSONReply.response(try await offloaded { try query.page(in: store) })
        }
        let submission = JobSubmission(layout: layout, config: config, store: store, claim: claim)
        api.post("jobs") { request, _ in try await submission.submit(request) }
        JobControlRoutes(layout: layout, config: config, store: store, wake: wake).add(to: api)
        JobOutputRoutes(layout: layout, store: store).add(to: api)
        ReviewRoutes(layout: layout, config: config, store: store).add(to: api)
        api.get("jobs/{id}") { _, context in
            let id = try context.parameters.require("id")
            let prices = config.prices
            return JSONReply.response(try await offloaded {
                try JobDetail.load(try JobLookup.find(id, in: store), from: store, prices: prices)
            })
        }
        return router
    }

    /// The Hummingbird application to run; `onReady` gets the port it listens on (useful with
    /// port 0, which picks a free one). A connection idle for 30 s — one that never finishes
    /// its request, or a kept-alive one nobody uses — is closed.
    public func application(host: String, port: Int, logger: Logger,
                            onReady: @escaping @Sendable (Int) -> Void) -> some ApplicationProtocol {
        Application(router: router(), server: .http1(configuration: .init(idleTimeout: .seconds(30))),
                    configuration: .init(address: .hostname(host, port: port), serverName: "dropforge"),
                    onServerRunning: { channel in onReady(channel.localAddress?.port ?? port) }, logger: logger)
    }
}
