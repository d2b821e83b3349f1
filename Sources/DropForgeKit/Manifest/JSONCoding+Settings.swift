import Foundation
import DropForgeCore

extension JSONCoding {
    /// The camelCase keys settings snapshots had before they took the manifest's snake_case
    /// (issue 17), by the key they are now. The store and published job.json files outlive
    /// the binary that wrote them, so a retry, review or export of an older job still reads
    /// its settings.
    static let legacySettingsKeys: [String: String] = [
        "manifestID": "id", "profileName": "profile", "templateSource": "template_file",
        "keywordsSource": "keywords_file", "aspectRatios": "aspect_ratios", "sourceFile": "source_file",
        "inputCard": "input_card", "secondaryKeys": "secondary_keys", "caseSensitive": "case_sensitive",
        "insertionOrder": "insertion_order",
    ]

    /// A decoder for `JobSettings`, and for what holds them (`JobSummary`): the usual one, with
    /// the legacy keys read as their new names. No other type of these trees uses those names.
    static func settingsDecoder() -> JSONDecoder {
        let decoder = decoder()
        decoder.keyDecodingStrategy = .custom { path in
            let key = path[path.count - 1]
            return legacySettingsKeys[key.stringValue].map(SettingsKey.init) ?? key
        }
        return decoder
    }

    static func decodeSettings<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try settingsDecoder().decode(type, from: data)
    }

    private struct SettingsKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ name: String) { stringValue = name }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}
