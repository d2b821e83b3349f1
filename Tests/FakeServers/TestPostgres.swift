import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The throwaway cluster `make test` starts (scripts/test-postgres), for tests that restart it.
public enum TestPostgres {
    /// `DROPFORGE_TEST_POSTGRES_URL`, or nil when the run has no test cluster.
    public static var url: String? {
        ProcessInfo.processInfo.environment["DROPFORGE_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `pg_ctl restart -m fast` of the cluster the URL names (its socket folder); true when it
    /// came back. Run with posix_spawn and waitpid, not Foundation's `Process`: its
    /// `waitUntilExit` never returned here once the script had started the server as a daemon.
    public static func restart(_ url: String) -> Bool {
        guard let folder = URLComponents(string: url)?.queryItems?.first(where: { $0.name == "host" })?.value else { return false }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/test-postgres").path
        return run([script, "restart", folder]) == 0
    }

    /// Runs `arguments` with the standard streams on /dev/null and waits for its exit status.
    static func run(_ arguments: [String]) -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd in Int32(0)...2 {
            posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0)
        }
        let argv = arguments.map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], &actions, nil, argv, environ) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7f) == 0 ? (status >> 8) & 0xff : -1
    }
}
