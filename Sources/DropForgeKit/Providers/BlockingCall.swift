import Foundation

/// Runs async work from a synchronous worker thread and waits for it.
///
/// Why: stage runners are plain threads (a stage's worker pool), while the HTTP client is
/// async/await. The work runs as a detached task on Swift's cooperative pool; only the calling
/// worker thread waits, never a pool thread. When the step running on this thread is cancelled
/// (`StepCancellation.current`), the task is cancelled, which aborts its HTTP transfer in flight.
enum BlockingCall {
    // @unchecked Sendable: written once by the task before the semaphore is signalled, read after the wait.
    private final class Box<T>: @unchecked Sendable {
        var result: Result<T, Error>?
    }

    static func run<T>(_ operation: @escaping @Sendable () async throws -> T) throws -> T {
        let token = StepCancellation.current
        if token?.isCancelled == true { throw CancellationError() }
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let task = Task.detached {
            do { box.result = .success(try await operation()) } catch { box.result = .failure(error) }
            done.signal()
        }
        let registration = token?.onCancel { task.cancel() }
        done.wait()
        token?.removeHandler(registration)
        return try box.result!.get()
    }
}
