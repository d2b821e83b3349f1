/// The seam between the intake loop and the way it learns about new files.
///
/// Two implementations exist: ``InotifyWatcher`` (the default, inotify hints plus a rescan
/// timer) and ``PollingWatcher`` (`watcher: poll`, for network folders where inotify is blind).
/// Tests of the intake loop can supply their own watcher that yields scripted events.
public protocol InboxWatcher: AnyObject, Sendable {
    /// The events, in order. Single consumer. The stream finishes after ``stop()``.
    /// The first event after ``start()`` is always `.rescan(.startup)`.
    var events: AsyncStream<InboxEvent> { get }
    /// Begins watching. Throws ``IntakeError`` when the folder cannot be watched.
    /// Calling it again while running, or after ``stop()``, does nothing (make a new watcher).
    func start() throws
    /// Stops watching promptly, releases its thread and file descriptors and finishes
    /// ``events``. Safe to call more than once, and before ``start()``.
    func stop()
}
