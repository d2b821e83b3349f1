import Synchronization

/// A value shared between a test and the threads it starts (a canceller, a worker).
final class Locked<Value: Sendable>: Sendable {
    private let state: Mutex<Value>

    init(_ value: Value) { state = Mutex(value) }

    var value: Value { state.withLock { $0 } }

    func set(_ value: Value) { state.withLock { $0 = value } }

    func modify(_ change: (inout Value) -> Void) { state.withLock { change(&$0) } }
}
