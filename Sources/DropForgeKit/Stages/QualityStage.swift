import Foundation
import DropForgeMedia
import DropForgeCore
import DropForgeStore

/// Stage 3: the quality checks (DESIGN §3). Each enabled check gives a verdict with a reason;
/// an item passes only if all do. A rejected item goes to `review/<job>/`, not `results/`.
public struct QualityStage: StageRunner {
    public let stage = Stage.quality
    let layout: RootLayout
    let store: JobReader
    let limits: PNGLimits
    let providers: ProviderRegistry?
    let writers: RemoteWriters

    /// Luminance standard deviation below which an image counts as blank (0–255 scale).
    public static let blankThreshold = 3.0
    /// dHash distance (of 64 bits) at or below which two images count as duplicates.
    public static let duplicateDistance = 5
    /// Colour signature distance (`ImageAnalysis.colorDistance`, 5-bit steps of a quadrant's mean
    /// channel) at or below which two images of the same shape count as the same colours: 3
    /// steps is ~24 of 255, above a re-encode's or a small edit's drift, below any change of hue.
    public static let duplicateColorDistance = 3

    public init(layout: RootLayout, store: JobReader, limits: PNGLimits, providers: ProviderRegistry? = nil) {
        self.layout = layout
        self.store = store
        self.limits = limits
        self.providers = providers
        writers = RemoteWriters(templates: PromptTemplates(layout: layout))
    }

    public func run(_ lease: StepLease) throws -> StepOutcome {
        let settings = try lease.settings()
        let plan = try lease.plan()
        guard let item = lease.item, let path = item.imagePath else {
            throw StepError.permanent(.imageMissing, "item has no generated image")
        }
        let checks = settings.quality.checks
        var results: [QualityCheckResult] = []
        let data = try Data(contentsOf: layout.resolve(path))
        var decoded: RGBAImage?
        do {
            decoded = try Self.decode(data, limits: limits)
            // Decode once: the export draws this image's contact-sheet cell from here.
            ContactSheet.remember(decoded!, png: data)
            if checks.contains(.decode) {
                results.append(.init(check: "decode", passed: true, detail: "decodes as \(decoded!.width)×\(decoded!.height) RGBA"))
            }
        } catch {
            results.append(.init(check: "decode", passed: false, detail: "does not decode: \(error)"))
        }
        if let image = decoded {
            if checks.contains(.dimensions) {
                let exact = image.width == plan.width && image.height == plan.height
                let aspect = AspectRatio(plan.aspectRatio)?.matches(width: image.width, height: image.height) ?? exact
                results.append(.init(
                    check: "dimensions", passed: exact && aspect,
                    detail: exact ? "\(image.width)×\(image.height) as asked (\(plan.aspectRatio))"
                        : "\(image.width)×\(image.height), asked \(plan.width)×\(plan.height) (\(plan.aspectRatio))"))
            }
            if checks.contains(.blank) {
                let deviation = ImageAnalysis.luminanceStats(image).standardDeviation
                let blank = deviation < Self.blankThreshold
                results.append(.init(
                    check: "blank", passed: !blank,
                    detail: String(format: blank ? "near-uniform image (luminance σ %.2f < %.1f)" : "luminance σ %.2f",
                                   deviation, Self.blankThreshold)))
            }
            if checks.contains(.duplicate), let hash = item.dhash {
                results.append(try duplicateCheck(item: item, hash: hash))
            }
            // The vision model is asked last, and only about images that passed the cheap checks.
            if let name = settings.quality.vision, results.allSatisfy(\.passed),
               let provider = try providers?.textProvider(named: name) {
                results.append(try writers.review(png: data, plan: plan, provider: provider, sampling: settings.text ?? TextSampling()))
            }
        }
        let failed = results.filter { !$0.passed }
        return .checked(passed: failed.isEmpty,
                        reason: failed.isEmpty ? nil : failed.map { "\($0.check): \($0.detail)" }.joined(separator: "; "),
                        checks: try JSONCoding.encode(results))
    }

    /// The image's pixels: those a remote provider's acceptance check decoded from the same
    /// pixel chunks in this process (`ImageCache.decodedImages`), else a decode of the file.
    static func decode(_ data: Data, limits: PNGLimits) throws -> RGBAImage {
        if let key = PNGPixelKey(png: data), key.fits(limits), let image = ImageCache.decodedImages.take(.init(png: key)) {
            return image
        }
        return try PNGCodec.decode(data, limits: limits).image
    }

    /// Compares with every earlier item of the execution that generated; the barrier in the
    /// store guarantees they all have their hash by now, so the verdict does not depend on timing.
    /// A duplicate needs both the shape (dHash distance) and the colour (signature distance) to
    /// agree; an item with no colour signature (made before it was stored) is judged by shape.
    private func duplicateCheck(item: ItemRecord, hash: Int64) throws -> QualityCheckResult {
        let earlier = try store.items(executionID: item.executionID).filter { $0.index < item.index && $0.dhash != nil }
        var closest: (index: Int, distance: Int, color: Int?)?
        for other in earlier {
            let distance = ImageAnalysis.hammingDistance(UInt64(bitPattern: hash), UInt64(bitPattern: other.dhash!))
            guard distance <= Self.duplicateDistance, distance < (closest?.distance ?? .max) else { continue }
            var color: Int?
            if let mine = item.colorHash, let theirs = other.colorHash {
                color = ImageAnalysis.colorDistance(UInt64(bitPattern: mine), UInt64(bitPattern: theirs))
                if color! > Self.duplicateColorDistance { continue }
            }
            closest = (other.index, distance, color)
        }
        let limits = "hash distance \(Self.duplicateDistance) and colour distance \(Self.duplicateColorDistance)"
        if let closest {
            let color = closest.color.map { ", colour distance \($0) ≤ \(Self.duplicateColorDistance)" } ?? ""
            return .init(check: "duplicate", passed: false,
                         detail: "looks like item \(itemFileStem(closest.index)) (hash distance \(closest.distance) ≤ \(Self.duplicateDistance)\(color))")
        }
        return .init(check: "duplicate", passed: true, detail: "no earlier item within \(limits)")
    }
}
