import Foundation
import DropForgePostgres
import DropForgePostgresStore
import DropForgeStore

/// `store:` in `config/dropforge.yaml`: where jobs, steps and events are kept (DESIGN §7).
///
/// `sqlite` (the default) is one file in `.dropforge/`, for one host. `postgres` is a shared
/// database, for several `watch` hosts on one (network) inbox. Its URL — which holds the
/// password — is never in the config: `url_env` names the environment variable that holds it,
/// and it is read from there at start-up only, never written anywhere.
public struct StoreConfig: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case sqlite, postgres
    }

    public var type = Kind.sqlite
    public var urlEnv = "DROPFORGE_POSTGRES_URL"

    public init(type: Kind = .sqlite, urlEnv: String = "DROPFORGE_POSTGRES_URL") {
        self.type = type
        self.urlEnv = urlEnv
    }

    /// Several hosts may serve the root: one `watch` per host instead of one per root, and
    /// claims of other hosts are judged by time.
    public var isShared: Bool { type == .postgres }

    static func parse(_ node: DocumentNode) throws -> StoreConfig {
        let map = try node.mapping(allowed: ["type", "url_env", "url"])
        if let url = map.value("url") {
            throw url.error("the URL is not read from the config (it holds the password): put it in an environment variable and name that variable with url_env")
        }
        var store = StoreConfig()
        store.type = try map.oneOf("type", Kind.self) ?? store.type
        if let envNode = map.value("url_env") {
            let name = try envNode.nonEmptyString()
            guard name.range(of: #"^[A-Za-z_][A-Za-z0-9_]*$"#, options: .regularExpression) != nil else {
                throw envNode.error("'\(name)' is not an environment variable name (put the variable's name here, not the URL)")
            }
            store.urlEnv = name
        }
        return store
    }

    /// Opens the store for `layout`. For PostgreSQL the URL comes from the environment; a
    /// missing variable is a config error, an unreachable server an error that says which
    /// server (without the password).
    public func open(layout: RootLayout, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> JobStore {
        switch type {
        case .sqlite:
            return try SQLiteJobStore(path: layout.database.path)
        case .postgres:
            guard let url = environment[urlEnv], !url.isEmpty else {
                throw ManifestError(file: "config/dropforge.yaml", field: "store.url_env",
                                    message: "store type postgres needs its URL in the environment variable \(urlEnv), which is not set",
                                    code: ManifestError.configInvalid)
            }
            do {
                return try PostgresJobStore(url: url)
            } catch let error as PostgresError {
                throw StoreOpenError(store: description(environment: environment), underlying: error)
            }
        }
    }

    /// What `status` shows: `sqlite`, or `postgres` and the URL without its password.
    public func description(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        switch type {
        case .sqlite: "sqlite"
        case .postgres: "postgres " + (environment[urlEnv].map(PostgresURL.redacted) ?? "($\(urlEnv) not set)")
        }
    }
}

/// The shared store could not be reached at start-up.
public struct StoreOpenError: Error, CustomStringConvertible {
    public var store: String
    public var underlying: PostgresError
    public var description: String { "cannot open the store (\(store)): \(underlying.message)" }
}
