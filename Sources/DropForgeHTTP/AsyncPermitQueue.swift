import Foundation

/// A counting semaphore for async code: `acquire()` suspends (never blocks a thread) until one of
/// `limit` permits is free; waiters are served first come, first served.
///
/// Why not `DispatchSemaphore`: waiting on it would block one of Swift concurrency's few
/// cooperative threads per queued request. Why a lock rather than an actor: cancellation must be
/// able to pull a waiter out of the queue synchronously from the cancellation handler.
// @unchecked Sendable: every mutable field is guarded by `lock`.
final class AsyncPermitQueue: @unchecked Sendable {
    private let lock = NSLock()
    private let limit: Int
    private var inUse = 0
    private var nextID = 0
    /// Waiting callers in arrival order.
    private var waiters: [(id: Int, continuation: CheckedContinuation<Void, Error>)] = []
    /// Ids whose task was cancelled before their continuation was queued.
    private var cancelledBeforeQueued: Set<Int> = []
    private var notYetQueued: Set<Int> = []

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    /// Waits for a permit; throws `CancellationError` if the task is cancelled while waiting.
    func acquire() async throws {
        try Task.checkCancellation()
        let id = newWaiterID()
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, Error>) in
                enqueue(id, continuation)
            }
        } onCancel: {
            cancelWaiter(id)
        }
    }

    private func newWaiterID() -> Int {
        lock.withLock {
            nextID += 1
            notYetQueued.insert(nextID)
            return nextID
        }
    }

    private func enqueue(_ id: Int, _ continuation: CheckedContinuation<Void, Error>) {
        lock.lock()
        notYetQueued.remove(id)
        if cancelledBeforeQueued.remove(id) != nil {
            lock.unlock()
            continuation.resume(throwing: CancellationError())
        } else if inUse < limit, waiters.isEmpty {
            inUse += 1
            lock.unlock()
            continuation.resume()
        } else {
            waiters.append((id, continuation))
            lock.unlock()
        }
    }

    private func cancelWaiter(_ id: Int) {
        lock.lock()
        if let index = waiters.firstIndex(where: { $0.id == id }) {
            let waiter = waiters.remove(at: index)
            lock.unlock()
            waiter.continuation.resume(throwing: CancellationError())
        } else {
            // The cancellation handler can run before the continuation body: remember the id so
            // `enqueue` refuses it. (Already granted: nothing to do, the caller releases.)
            if notYetQueued.contains(id) { cancelledBeforeQueued.insert(id) }
            lock.unlock()
        }
    }

    /// Returns a permit, handing it straight to the longest waiter if there is one.
    func release() {
        lock.lock()
        if waiters.isEmpty {
            inUse -= 1
            lock.unlock()
        } else {
            let waiter = waiters.removeFirst()
            lock.unlock()
            waiter.continuation.resume()
        }
    }
}
