import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The default ``InboxWatcher``: inotify `IN_CLOSE_WRITE` and `IN_MOVED_TO` on the inbox as
/// hints, plus a rescan at start-up, after `IN_Q_OVERFLOW` and every `rescanInterval`
/// seconds as the safety net (DESIGN §2).
///
/// The watch is not recursive on purpose: `inbox/.tmp/` and `inbox/.processing/` are
/// subdirectories, so writes there never produce events; the rename out of `.tmp/` does.
/// If the inbox disappears (deleted, unmounted: `IN_IGNORED`) the timer keeps running, and
/// each tick tries to watch the folder again, so intake resumes when it comes back.
public final class InotifyWatcher: InboxWatcher {
    /// The watched folder.
    public let inbox: URL
    /// Seconds between safety-net rescans.
    public let rescanInterval: TimeInterval

    private struct State {
        var reader: InotifyReader?
        var loop: WatchLoop?
        var stopped = false
    }

    private let queue = InboxEventQueue()
    private let state = Mutex(State())

    /// - Parameters:
    ///   - inbox: the folder to watch (it must exist when ``start()`` is called).
    ///   - rescanInterval: seconds between `.rescan(.timer)` events; default 30.
    public init(inbox: URL, rescanInterval: TimeInterval = 30) {
        self.inbox = inbox
        self.rescanInterval = rescanInterval
    }

    deinit { stop() }

    public func next() -> InboxEvent? { queue.next() }

    public func start() throws {
        try state.withLock { state in
            guard state.loop == nil, !state.stopped else { return }
            let reader = try InotifyReader(folder: inbox.path, queue: queue)
            // Watch first, then ask for the start-up rescan: a file dropped in between is seen by
            // the rescan or the event, never by neither.
            queue.push(.rescan(.startup))
            let loop = WatchLoop(
                name: "dropforge.inotify", watchedFD: reader.fd, interval: rescanInterval,
                onReadable: { reader.drain() },
                onTick: { reader.tick() })
            do {
                try loop.start(folder: inbox.path)
            } catch {
                reader.close()
                throw error
            }
            state.reader = reader
            state.loop = loop
        }
    }

    public func stop() {
        let (loop, reader) = state.withLock { state in
            defer { state.loop = nil; state.reader = nil; state.stopped = true }
            return (state.loop, state.reader)
        }
        loop?.stopAndJoin()   // the thread is gone after this, so the fd can be closed
        reader?.close()
        queue.finish()
    }
}

/// The state used only on the watcher's thread: the inotify descriptor, the watch and the
/// read buffer. (Kept apart from ``InotifyWatcher`` so the thread does not retain the
/// watcher, whose `deinit` stops it.)
// @unchecked Sendable: used only on the watcher's own thread after it is handed over.
final class InotifyReader: @unchecked Sendable {
    static let mask = UInt32(IN_CLOSE_WRITE | IN_MOVED_TO | IN_ONLYDIR)
    /// Room for many records per read; one record is at most 16 + NAME_MAX + 1 bytes.
    static let bufferSize = 64 * 1024

    let fd: Int32
    private let folder: String
    private let queue: InboxEventQueue
    private var watch: Int32
    private let buffer: UnsafeMutableRawPointer

    init(folder: String, queue: InboxEventQueue) throws {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0 else { throw IntakeError(folder: folder, operation: "inotify_init1", code: errno) }
        let watch = inotify_add_watch(fd, folder, Self.mask)
        guard watch >= 0 else {
            let code = errno
            Glibc.close(fd)
            throw IntakeError(folder: folder, operation: "inotify_add_watch", code: code)
        }
        self.fd = fd
        self.folder = folder
        self.queue = queue
        self.watch = watch
        self.buffer = .allocate(byteCount: Self.bufferSize, alignment: MemoryLayout<inotify_event>.alignment)
    }

    deinit { buffer.deallocate() }

    /// Reads every pending record (the descriptor is non-blocking) and queues the hints.
    func drain() {
        while true {
            let count = read(fd, buffer, Self.bufferSize)
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return }  // EAGAIN: drained; 0/other errors: nothing to read
            for record in InotifyRecord.parse(UnsafeRawBufferPointer(start: buffer, count: count)) {
                if record.isWatchRemoved, record.wd == watch { watch = -1 }
                if let event = record.inboxEvent { queue.push(event) }
            }
        }
    }

    /// The periodic safety net; also re-watches a folder that went away and came back.
    func tick() {
        if watch < 0 {
            let again = inotify_add_watch(fd, folder, Self.mask)
            if again >= 0 { watch = again }
        }
        queue.push(.rescan(.timer))
    }

    func close() { Glibc.close(fd) }
}
