#if canImport(Glibc)
import Glibc
#endif

/// A failure to watch or list the inbox folder, carrying the folder, the system call and
/// the errno text, plus what to do about it, so the message is actionable on its own.
public struct IntakeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The folder that could not be watched or listed.
    public let folder: String
    /// The system call that failed, e.g. `inotify_add_watch`.
    public let operation: String
    /// The errno value it returned.
    public let code: Int32

    public init(folder: String, operation: String, code: Int32) {
        self.folder = folder
        self.operation = operation
        self.code = code
    }

    /// The C library's text for ``code``.
    public var reason: String { String(cString: strerror(code)) }

    public var description: String {
        var text = "inbox folder '\(folder)': \(operation) failed: \(reason) (errno \(code))"
        if let hint { text += "; \(hint)" }
        return text
    }

    /// What the user can do for the common failures.
    var hint: String? {
        switch code {
        case ENOENT: return "create the folder or fix the inbox path in config/dropforge.yaml"
        case ENOTDIR: return "the inbox path must be a directory"
        case EACCES, EPERM: return "check the folder's permissions for this user"
        case ENOSPC where operation == "inotify_add_watch":
            return "the inotify watch limit is reached: raise fs.inotify.max_user_watches or set `watcher: poll`"
        case EMFILE where operation == "inotify_init1":
            return "too many inotify instances: raise fs.inotify.max_user_instances or set `watcher: poll`"
        case EMFILE, ENFILE: return "too many open files: raise the open file limit (ulimit -n)"
        default: return nil
        }
    }
}
