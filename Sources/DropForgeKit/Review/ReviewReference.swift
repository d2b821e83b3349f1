import Foundation

/// How people name one item in the review queue: `<execution>/<NNNN>` (`cozy-cats-7f3k2q/0003`),
/// the number unpadded (`cozy-cats-7f3k2q/3`), or a path to one of its files
/// (`outbox/review/cozy-cats-7f3k2q/0003.png`, `….json`, `results/<execution>/images/0003.png`).
/// The execution part may also be a unique prefix of a waiting item's execution.
public struct ReviewReference: Sendable, Equatable, CustomStringConvertible {
    public var execution: String
    /// 1-based, as in the file names.
    public var number: Int

    public init(execution: String, number: Int) {
        self.execution = execution
        self.number = number
    }

    public init?(_ text: String) {
        var name = text.trimmingCharacters(in: .whitespaces)
        for suffix in [".card.json", ".png", ".json"] where name.hasSuffix(suffix) {
            name.removeLast(suffix.count)
            break
        }
        var parts = name.split(separator: "/").map(String.init)
        guard parts.count >= 2, let number = Int(parts.removeLast()), number >= 1 else { return nil }
        if parts.last == "images", parts.count >= 2 { parts.removeLast() }
        guard let execution = parts.last, !execution.isEmpty, execution != "." , execution != ".." else { return nil }
        self.init(execution: execution, number: number)
    }

    /// `<execution>/NNNN`, the canonical form.
    public var description: String { "\(execution)/\(String(format: "%04d", number))" }
}
