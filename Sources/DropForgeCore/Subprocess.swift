import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Running a helper program to its end with posix_spawn and waitpid.
///
/// Why not Foundation's `Process`: its `waitUntilExit` never returned here for a script that
/// starts a daemon (`pg_ctl start` leaves the server running with inherited descriptors), so
/// the scripts that start and restart the throwaway PostgreSQL for tests and benchmarks are run
/// this way, with their standard streams on /dev/null.
public enum Subprocess {
    /// The program's exit status, or -1 when it could not be started or was killed by a signal.
    public static func run(_ arguments: [String]) -> Int32 {
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
