import Foundation

/// The real SillyTavern cards in `Tests/DropForgeKitTests/Fixtures/real-cards/` (copied from
/// `../shared/fixtures/real-cards/`; see SOURCES.txt there for where each comes from).
enum RealCards {
    static let folder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/real-cards")

    static func url(_ name: String) -> URL {
        folder.appendingPathComponent(name)
    }

    static func data(_ name: String) throws -> Data {
        try Data(contentsOf: url(name))
    }
}
