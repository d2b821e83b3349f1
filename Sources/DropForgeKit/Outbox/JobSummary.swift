import Foundation
import DropForgeCards
import DropForgeStore

/// `job.json`: what downstream tools read about a published execution.
public struct JobSummary: Codable, Sendable {
    public struct Counts: Codable, Sendable, Equatable {
        public var total: Int
        public var approved: Int
        public var rejected: Int
        public var failed: Int
    }

    public struct Timings: Codable, Sendable {
        public var created: Date
        public var started: Date?
        public var finished: Date
        /// Seconds spent in each stage, summed over the execution's steps.
        public var stages: [String: Double]
    }

    /// The text-provider calls made: every one, including those of attempts that failed.
    public struct Usage: Codable, Sendable {
        public var promptTokens: Int
        public var completionTokens: Int
        public var cost: Double
        /// How many calls the server answered (nil in `job.json` files written before issue 17).
        public var calls: Int? = nil
        /// The models that answered, as each reply's `model` named it (a server may answer with
        /// another name than the one asked for, or with whatever model it has loaded).
        public var models: [String]? = nil

        enum CodingKeys: String, CodingKey {
            case promptTokens = "prompt_tokens", completionTokens = "completion_tokens", cost, calls, models
        }
    }

    public var job: String
    public var execution: String
    public var number: Int
    public var parent: String?
    public var name: String
    public var kind: String
    public var manifest: String
    public var manifestID: String?
    public var status: JobStatus
    public var error: StageFailure?
    public var counts: Counts
    public var qc: QualitySummary?
    public var items: [ItemSummary]
    public var timings: Timings
    public var usage: Usage
    public var settings: JobSettings?
    /// Card jobs: the card's name, spec, files and lorebook size.
    public var card: CardSummary? = nil

    enum CodingKeys: String, CodingKey {
        case job, execution, number, parent, name, kind, manifest, manifestID = "manifest_id", status, error
        case counts, qc, items, timings, usage, settings, card
    }
}

/// The `card` section of a card job's `job.json`.
public struct CardSummary: Codable, Sendable, Equatable {
    public var name: String
    public var spec: CharacterCard.Spec
    /// Relative to the execution's folder: `cards/<name>.png`, `.json`, `.charx`.
    public var files: [String]
    public var lorebookEntries: Int
    public var warnings: [String]

    enum CodingKeys: String, CodingKey {
        case name, spec, files, lorebookEntries = "lorebook_entries", warnings
    }
}

public struct QualitySummary: Codable, Sendable {
    public var enabled: Bool
    public var checks: [String]
}

/// One item in `job.json`, and the sidecar `images/NNNN.json` (DESIGN §1).
public struct ItemSummary: Codable, Sendable {
    public struct Verdict: Codable, Sendable {
        public var status: QCStatus
        public var reason: String?
        public var checks: [QualityCheckResult]
    }

    public var item: Int
    public var status: ItemStatus
    /// Relative to the execution's folder (`images/0001.png`), or to `review/<job>/`.
    public var file: String?
    public var prompt: String
    public var negative: String
    public var seed: UInt32
    public var width: Int
    public var height: Int
    public var aspectRatio: String
    public var keyword: String
    public var provider: String
    public var qc: Verdict?
    public var title: String?
    public var description: String?
    public var tags: [String]?
    public var attempts: Int
    public var error: String?
    /// Tokens and cost of the text-provider calls made for this item (nil when none were).
    public var usage: JobSummary.Usage? = nil

    enum CodingKeys: String, CodingKey {
        case item, status, file, prompt, negative, seed, width, height, aspectRatio = "aspect_ratio", keyword
        case provider, qc, title, description, tags, attempts, error, usage
    }
}
