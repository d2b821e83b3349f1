import Foundation

// The fixed vocabularies of manifest v1 (DESIGN §3). Nested in `JobSettings` so the generic
// names (`Kind`, `Priority`, ...) cannot collide with other parts of the module.
extension JobSettings {
    /// What a job makes.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case images
        case card
    }

    /// Queue priority of a job.
    public enum Priority: String, Codable, Sendable, CaseIterable {
        case low
        case normal
        case high

        /// Higher runs first in the step queue.
        public var rank: Int {
            switch self {
            case .low: 0
            case .normal: 1
            case .high: 2
            }
        }
    }

    /// How combinations of keywords and variables are chosen.
    public typealias Pick = PickMode

    /// Built-in quality checks.
    public enum QualityCheck: String, Codable, Sendable, CaseIterable {
        case decode
        case dimensions
        case blank
        case duplicate
    }

    /// What a job publishes: image lists and sheets for images jobs, card files for card jobs.
    public enum ExportFormat: String, Codable, Sendable, CaseIterable {
        case png
        case csv
        case json
        case yaml
        case html
        case contactSheet = "contact_sheet"
        case xlsx
        /// `cards/<name>.png` with the card in `chara` (and `ccv3` for V3).
        case cardPNG = "card_png"
        /// `cards/<name>.json`.
        case cardJSON = "card_json"
        /// `cards/<name>.charx`.
        case charx

        /// The formats a job of `kind` may ask for.
        public static func allowed(for kind: Kind) -> [ExportFormat] {
            switch kind {
            case .images: [.png, .csv, .json, .yaml, .html, .contactSheet, .xlsx]
            case .card: [.cardPNG, .cardJSON, .charx, .json, .yaml, .html]
            }
        }
    }
}

/// One template variable and its values, in manifest order (`vars: {style: [watercolor, ink]}`).
public struct TemplateVariable: Codable, Sendable, Equatable {
    public var name: String
    public var values: [String]
    public init(name: String, values: [String]) {
        self.name = name
        self.values = values
    }
}
