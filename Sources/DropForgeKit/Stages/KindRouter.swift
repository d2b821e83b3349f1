import Foundation
import DropForgeStore

/// Sends each step to the runner for its job's kind: images and card jobs share the queue and
/// the stages, but not what a stage does.
public struct KindRouter: StageRunner {
    public let stage: Stage
    let images: StageRunner
    let card: StageRunner

    public init(images: StageRunner, card: StageRunner) {
        precondition(images.stage == card.stage, "a router joins runners of one stage")
        stage = images.stage
        self.images = images
        self.card = card
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        try (lease.job.kind == JobSettings.Kind.card.rawValue ? card : images).run(lease)
    }
}
