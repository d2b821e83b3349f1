import Foundation
import DropForgeMedia
import DropForgeStore

/// What a finished step produced. The stage graph turns it into the store's next writes.
public enum StepOutcome: Sendable {
    /// parameters: the execution's items, in order, each starting at `next` — generate, or
    /// parameters again when a text provider writes each item's prompt in a step of its own.
    case expanded([Data], next: Stage = .generate)
    /// parameters, for one item: its plan with the prompt the writer wrote.
    case prompted(plan: Data)
    /// generate: the image under `.dropforge/work/`, its perceptual hash and its colour
    /// signature (nil when unknown: the duplicate check then compares shape alone).
    case generated(imagePath: String, dhash: Int64, colorHash: Int64? = nil)
    /// quality: the verdict and the per-check results (JSON).
    case checked(passed: Bool, reason: String?, checks: Data)
    /// metadata: title/description/tags (JSON) and the image with them embedded.
    case described(metadata: Data, imagePath: String)
    /// export: the execution's folder is in the outbox.
    case published(status: JobStatus, outboxPath: String)
}

extension StepOutcome {
    /// generate: the image at `imagePath`, hashed from its `pixels` for the duplicate check.
    static func generated(imagePath: String, pixels: RGBAImage) -> StepOutcome {
        .generated(imagePath: imagePath, dhash: Int64(bitPattern: ImageAnalysis.differenceHash(pixels)),
                   colorHash: Int64(bitPattern: ImageAnalysis.colorSignature(pixels)))
    }

    /// What the step's line in the job log says; nil for export, which logs `published` itself.
    var logMessage: String? {
        switch self {
        case .expanded(let plans, let next):
            return "\(plans.count) item(s) planned" + (next == .parameters ? "; their prompts are written next" : "")
        case .prompted: return "prompt written"
        case .generated(let path, _, _): return "image made: \(path)"
        case .checked(let passed, let reason, _): return passed ? "passed quality checks" : "rejected: \(reason ?? "quality checks failed")"
        case .described: return "title, description and tags written"
        case .published: return nil
        }
    }
}
