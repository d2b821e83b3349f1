/// A hint from an ``InboxWatcher`` that the inbox may have something to take.
///
/// Events are hints, never the source of truth (DESIGN §2): they are lost on queue overflow
/// and never arrive for files written by other hosts on NFS/SMB, so the intake loop must
/// also rescan the folder whenever it receives ``rescan(_:)``.
public enum InboxEvent: Sendable, Hashable {
    /// A manifest was renamed into the inbox (`IN_MOVED_TO`). A rename is atomic, so the file
    /// is complete: take it now.
    case arrived(String)
    /// A manifest was written and closed in place (`IN_CLOSE_WRITE`). A writer may open and
    /// close a file several times while writing it, so wait until it has settled
    /// (see ``SettleTracker``) before taking it.
    case written(String)
    /// List the whole inbox again (see ``InboxScanner``): events may have been missed.
    case rescan(RescanReason)
}

/// Why an ``InboxEvent/rescan(_:)`` was requested; useful in logs.
public enum RescanReason: String, Sendable {
    /// The watcher has just started: files dropped while dropforge was down are waiting.
    case startup
    /// The kernel's inotify queue overflowed (`IN_Q_OVERFLOW`): events were dropped.
    case overflow
    /// The periodic safety net (and the only source of news in `watcher: poll` mode).
    case timer
}
