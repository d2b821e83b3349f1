import Foundation
import DropForgeMedia
import DropForgeStore

/// What a finished step produced. The stage graph turns it into the store's next writes.
public enum StepOutcome: Sendable {
    /// parameters: the execution's items, in order.
    case expanded([Data])
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
}
