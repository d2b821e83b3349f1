/// The offline `local` image generator: a deterministic procedural painter.
///
/// It is honest about what it is: not a diffusion model, but a renderer whose
/// output follows the prompt's words, so pipelines can be developed and tested
/// without a GPU or network. Same prompt, negative prompt, seed and size give
/// identical pixels on every platform (integer hashing, SplitMix64 and IEEE
/// basic arithmetic only).
///
/// How words steer the picture:
/// - colour words (red, teal, navy, gold…) and themes (sunset, ocean, forest,
///   fire, snow, night…) pick the palette; pastel / neon / dark / light / muted
///   adjust it; other words hash into hues when no colour is named;
/// - shape words pick what is drawn: circle/ball → discs, sun/moon → a glowing
///   disc, star → stars, mountain/hill → ridges, wave/ocean/sea → wave bands,
///   stripe/line → bars, grid → a grid, city/building → a skyline,
///   flower → petal rosettes, cat/dog/animal → a creature silhouette,
///   tree/forest → pines, cloud/sky → clouds, bubble → bubbles;
/// - words in the negative prompt remove those colours (by family) and shapes;
/// - blank, empty, plain or solid render a flat fill of the first palette
///   colour with no shapes and no noise ("an empty white canvas" is blank on
///   purpose; the QC `blank` check rejects it). Anything else is never flat.
public struct ProceduralRenderer: Sendable {
    /// Recorded as the model name in image metadata.
    public static let name = "dropforge-procedural-1"
    /// Largest width or height rendered; larger requests are clamped.
    public static let maxDimension = 8192

    public init() {}

    /// Renders an opaque RGBA image. Sizes are clamped to 1...8192.
    public func render(prompt: String, negative: String, seed: UInt64, width: Int, height: Int) -> RGBAImage {
        let w = min(ProceduralRenderer.maxDimension, max(1, width))
        let h = min(ProceduralRenderer.maxDimension, max(1, height))
        let plan = ProceduralPlan(prompt: prompt, negative: negative)
        var canvas = ProceduralCanvas(width: w, height: h)
        if plan.isBlank {
            canvas.fillFlat(plan.palette[0])
            return canvas.image
        }
        var painter = ProceduralPainter(
            canvas: canvas, palette: plan.palette,
            random: ProceduralRandom(seed: ProceduralRandom.mix(seed, plan.promptHash)))
        painter.paintBackground()
        for kind in plan.shapes {
            painter.paint(kind, ears: plan.creatureEars)
        }
        return painter.canvas.image
    }
}
