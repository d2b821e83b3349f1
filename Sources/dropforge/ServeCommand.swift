import ArgumentParser
import DropForgeKit
import DropForgeServer
import DropForgeStore
import Foundation

struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the daemon of `watch` with an HTTP API, metrics and web pages.",
        discussion: prose("""
            Everything `watch` does (intake, stages, signals, one per root or per host), plus an
            HTTP server. Under /api/v1: GET /status; POST /jobs (a manifest, JSON or YAML; 202
            with the job id, 422 with the problems `validate` prints); GET /jobs (status, kind,
            since, name, limit, offset); GET and DELETE /jobs/{id}; POST /jobs/{id}/cancel and
            /retry; POST /jobs/rerun (ids or a status); GET /jobs/{id}/logs (?follow=1 streams
            Server-Sent Events until the job ends); GET /jobs/{id}/export?format=json|yaml|csv|xlsx;
            GET /jobs/{id}/files/{path} (published files only); GET /review and POST
            /review/{execution}/{item}/approve|reject|retry (?regenerate=1); GET /openapi.yaml, which
            describes all of them. Answers are JSON; errors are
            {"error": {"code", "message", "details"}} with their HTTP status.
            Beside the API: GET /healthz, GET /metrics (Prometheus text), and web pages at / (jobs),
            /jobs/{id} (one job, its images and live log) and /review (the review queue).
            It listens on 127.0.0.1:8760 unless --listen says otherwise; port 0 picks a free port,
            and the line `listening on http://HOST:PORT` on standard output names it. Off loopback
            a token is required: set the variable --api-token-env names (DROPFORGE_API_TOKEN) and
            send `Authorization: Bearer <token>`, or sign in at /login in a browser; with a token
            set, requests that change something need it on loopback too. SIGTERM or SIGINT stops
            both gracefully.
            """))

    @OptionGroup var options: RootOptions

    @Option(help: ArgumentHelp("The address and port to listen on.", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:8760"

    @Option(name: .customLong("api-token-env"), help: ArgumentHelp("The environment variable that holds the API token.", valueName: "NAME"))
    var apiTokenEnv = "DROPFORGE_API_TOKEN"

    @Flag(help: "Log every event, not only the important ones.")
    var verbose = false

    func run() throws {
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]), (0...65_535).contains(port) else {
            printError("error: --listen '\(listen)' is not HOST:PORT (for example 127.0.0.1:8760)")
            throw usageFailure
        }
        let host = String(listen[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let token = ProcessInfo.processInfo.environment[apiTokenEnv].flatMap { $0.isEmpty ? nil : $0 }
        let loopback = APIServer.isLoopback(host)
        if !loopback && token == nil {
            printError("error: listening on \(host) (not loopback) needs a token: set \(apiTokenEnv) (or name another variable with --api-token-env)")
            throw usageFailure
        }
        let metrics = MetricsEndpoint()
        metrics.bootstrap()
        let runtime = try openRuntime(options.layout, verbose: verbose)
        let server = APIServer(layout: runtime.layout, config: runtime.config, store: runtime.store, token: token, guardsReads: !loopback,
                               metrics: metrics) { name in
            let job = runtime.intake.claim(name)
            if job != nil { runtime.engine.ring() }
            return job
        } wake: {
            runtime.engine.ring()
        }
        let signals = SignalTrap()
        signals.install()
        let http = HTTPService(server: server, host: host, port: port)
        guard let bound = http.start() else { throw usageFailure }
        print("listening on http://\(host.contains(":") ? "[\(host)]" : host):\(bound)")
        fflush(nil)
        defer { http.stop() }
        do {
            try DropForgeKit.Watch(runtime: runtime, signals: signals).run()
        } catch let error as StageFailure {
            printError("error: \(error.message)")
            throw usageFailure
        }
    }
}
