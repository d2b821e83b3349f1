import Foundation
import DropForgeCore
import DropForgePostgres

/// The throwaway cluster `make test` starts (scripts/test-postgres), for tests that restart it.
public enum TestPostgres {
    /// `DROPFORGE_TEST_POSTGRES_URL`, or nil when the run has no test cluster.
    public static var url: String? {
        ProcessInfo.processInfo.environment["DROPFORGE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A new, empty schema in the cluster: its URL (selecting it by `search_path`) and how to
    /// drop it again. Each test gets its own, so tests never see each other's jobs.
    public static func newSchema(_ url: String) throws -> (url: String, drop: @Sendable () -> Void) {
        let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "").prefix(12)
        try PostgresConnection(url: url).run(script: "CREATE SCHEMA \(schema)")
        let selecting = url + (url.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(schema)"
        return (selecting, { try? PostgresConnection(url: url).run(script: "DROP SCHEMA \(schema) CASCADE") })
    }

    /// `pg_ctl restart -m fast` of the cluster the URL names (its socket folder), listening on
    /// the TCP `addresses` too; true when it came back (``Subprocess``: Foundation's `Process`
    /// hangs on a script that starts a daemon).
    public static func restart(_ url: String, listening addresses: [String] = []) -> Bool {
        guard let folder = URLComponents(string: url)?.queryItems?.first(where: { $0.name == "host" })?.value else { return false }
        return Subprocess.run([script("test-postgres"), "restart", folder, addresses.joined(separator: ",")]) == 0
    }

    /// A script of this repository's `scripts/`.
    public static func script(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/\(name)").path
    }
}
