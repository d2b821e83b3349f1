import Foundation
import DropForgeStore

/// One stage's work on one claimed step. Runners are stateless and shared by the stage's
/// worker threads; what they produce is recorded by the engine through the store.
public protocol StageRunner: Sendable {
    var stage: Stage { get }
    func run(_ lease: StepLease) throws -> StepOutcome
}
