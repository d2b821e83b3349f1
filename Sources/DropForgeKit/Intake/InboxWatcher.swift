/// The seam between the intake loop and the way it learns about new files.
///
/// Two implementations exist: ``InotifyWatcher`` (the default, inotify hints plus a rescan
/// timer) and ``PollingWatcher`` (`watcher: poll`, for network folders where inotify is blind).
/// Tests of the intake loop can supply their own watcher that yields scripted events.
///
/// Delivery is synchronous: the consumer calls ``next()`` on a thread of its own (`Watch` runs a
/// plain `Thread` for it), so the blocking claims it makes stay off Swift's cooperative pool.
public protocol InboxWatcher: AnyObject, Sendable {
    /// Blocks the calling thread until the next event, in order; nil once the watcher has
    /// stopped and every event raised before ``stop()`` was taken. Single consumer.
    /// The first event after ``start()`` is always `.rescan(.startup)`.
    func next() -> InboxEvent?
    /// Begins watching. Throws ``IntakeError`` when the folder cannot be watched.
    /// Calling it again while running, or after ``stop()``, does nothing (make a new watcher).
    func start() throws
    /// Stops watching promptly, releases its thread and file descriptors and ends ``next()``.
    /// Safe to call more than once, and before ``start()``.
    func stop()
}
