import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The dedicated thread shared by both inbox watchers: it sleeps in `poll()` on an optional
/// watched descriptor plus a self-pipe, and wakes for readable data, for the next periodic
/// tick, or for a stop request.
///
/// Why a thread and a self-pipe rather than a Task: inotify reads are blocking system calls
/// that must not sit on the cooperative pool, and writing one byte to the pipe is the only
/// way to interrupt `poll()` promptly, so ``stopAndJoin()`` returns in milliseconds and
/// leaves no thread or descriptor behind.
final class WatchLoop: Sendable {
    private let name: String
    private let watchedFD: Int32?
    private let interval: TimeInterval
    private let onReadable: @Sendable () -> Void
    private let onTick: @Sendable () -> Void

    private struct State {
        var wakeRead: Int32 = -1
        var wakeWrite: Int32 = -1
        var phase = Phase.idle
    }

    private let state = Mutex(State())
    private let exited = DispatchSemaphore(value: 0)

    private enum Phase { case idle, running, stopped }

    /// - Parameters:
    ///   - watchedFD: a non-blocking descriptor to wait on, or nil for a timer-only loop.
    ///   - interval: seconds between ``onTick`` calls (the first one `interval` after start).
    ///   - onReadable: called on the loop thread when `watchedFD` is readable.
    ///   - onTick: called on the loop thread every `interval`.
    init(name: String, watchedFD: Int32?, interval: TimeInterval,
         onReadable: @escaping @Sendable () -> Void = {}, onTick: @escaping @Sendable () -> Void) {
        self.name = name
        self.watchedFD = watchedFD
        self.interval = max(interval, 0.001)
        self.onReadable = onReadable
        self.onTick = onTick
    }

    deinit { stopAndJoin() }

    /// Creates the self-pipe and starts the thread. Throws ``IntakeError`` when `pipe` fails.
    func start(folder: String) throws {
        try state.withLock { state in
            guard state.phase == .idle else { return }
            var fds: [Int32] = [-1, -1]
            // `pipe2` is hidden behind _GNU_SOURCE in the Glibc module, so set the flags after.
            guard pipe(&fds) == 0 else {
                throw IntakeError(folder: folder, operation: "pipe", code: errno)
            }
            for fd in fds {
                _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
                _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            }
            state.wakeRead = fds[0]
            state.wakeWrite = fds[1]
            state.phase = .running
            let wakeRead = fds[0]
            let thread = Thread { [self] in
                self.run(wakeRead: wakeRead)
                self.exited.signal()
            }
            thread.name = name
            thread.start()
        }
    }

    /// Stops the thread, waits for it to exit and closes the self-pipe. Idempotent.
    func stopAndJoin() {
        let wasRunning = state.withLock { state in
            defer { state.phase = .stopped }
            guard state.phase == .running else { return false }
            var byte: UInt8 = 1
            _ = write(state.wakeWrite, &byte, 1)  // EAGAIN means a wake-up is already pending: fine.
            return true
        }
        guard wasRunning else { return }
        exited.wait()
        // The thread has exited, so nothing else can touch the pipe any more.
        let (wakeRead, wakeWrite) = state.withLock { state in
            defer { state.wakeRead = -1; state.wakeWrite = -1 }
            return (state.wakeRead, state.wakeWrite)
        }
        close(wakeRead)
        close(wakeWrite)
    }

    private func run(wakeRead: Int32) {
        var nextTick = Self.monotonicNow() + interval
        var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
        if let watchedFD { fds.append(pollfd(fd: watchedFD, events: Int16(POLLIN), revents: 0)) }
        while true {
            let remaining = nextTick - Self.monotonicNow()
            let timeout = remaining <= 0 ? 0 : Int32(min((remaining * 1000).rounded(.up), 60_000))
            for i in fds.indices { fds[i].revents = 0 }
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                usleep(100_000)  // Should not happen (EINVAL/ENOMEM); never spin, never die.
                continue
            }
            if fds[0].revents != 0 { return }
            if fds.count > 1, fds[1].revents & Int16(POLLIN | POLLERR | POLLHUP) != 0 {
                onReadable()
            }
            let now = Self.monotonicNow()
            if now >= nextTick {
                onTick()
                nextTick += interval
                if nextTick <= now { nextTick = now + interval }  // skip ticks missed while busy
            }
        }
    }

    /// Seconds on a clock that never jumps (timers must not fire early or late when the
    /// wall clock is changed).
    static func monotonicNow() -> TimeInterval {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return TimeInterval(ts.tv_sec) + TimeInterval(ts.tv_nsec) / 1_000_000_000
    }
}
