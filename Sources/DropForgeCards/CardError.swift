import Foundation

/// A card could not be read, converted or written; the message says what is wrong in words a
/// user can act on ("no character card in this PNG (no chara or ccv3 text chunk)").
public struct CardError: Error, CustomStringConvertible, LocalizedError, Equatable, Sendable {
    public var message: String

    public init(_ message: String) {
        self.message = message
    }

    public var description: String { message }
    public var errorDescription: String? { message }
}
