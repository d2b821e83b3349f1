/// What a prompt asks the procedural renderer for: palette, shapes, flags.
///
/// Parsing is separate from drawing so the mapping from words to picture can
/// be reasoned about (and tested) without looking at pixels.
struct ProceduralPlan {
    /// At least three colours (one is enough for a blank render).
    var palette: [ProceduralColor]
    /// Distinct kinds, back to front.
    var shapes: [ProceduralShapeKind]
    var creatureEars: ProceduralCreatureEars
    /// A blank word was present: flat fill, no shapes, no noise.
    var isBlank: Bool
    /// Hash of the prompt's words; steers layout together with the seed.
    var promptHash: UInt64

    init(prompt: String, negative: String) {
        let words = ProceduralVocabulary.words(in: prompt)
        let negativeWords = ProceduralVocabulary.words(in: negative)
        promptHash = ProceduralRandom.hash(words.joined(separator: " "))
        isBlank = words.contains { ProceduralVocabulary.blankWords.contains($0) }

        // Colour words and themes the negative prompt rules out, by family.
        var bannedFamilies = Set<String>()
        for word in negativeWords {
            if let color = ProceduralVocabulary.lookup(word, in: ProceduralVocabulary.colors) {
                bannedFamilies.insert(color.family)
            }
            if let theme = ProceduralVocabulary.lookup(word, in: ProceduralVocabulary.themes) {
                for name in theme { if let c = ProceduralVocabulary.colors[name] { bannedFamilies.insert(c.family) } }
            }
        }
        var bannedShapes = Set<ProceduralShapeKind>()
        for word in negativeWords {
            if let kind = ProceduralVocabulary.lookup(word, in: ProceduralVocabulary.shapes) { bannedShapes.insert(kind) }
        }

        // Explicit colours, in the order the prompt names them.
        var named: [ProceduralColor] = []
        var modifiers = Set<ProceduralVocabulary.Modifier>()
        var kinds = Set<ProceduralShapeKind>()
        var ears: ProceduralCreatureEars?
        var otherWords: [String] = []
        func addColor(_ name: String) {
            guard let c = ProceduralVocabulary.colors[name], !bannedFamilies.contains(c.family) else { return }
            let color = ProceduralColor(c.r, c.g, c.b)
            if !named.contains(color) { named.append(color) }
        }
        for word in words {
            var recognised = false
            if let c = ProceduralVocabulary.lookup(word, in: ProceduralVocabulary.colors) {
                recognised = true
                if !bannedFamilies.contains(c.family) {
                    let color = ProceduralColor(c.r, c.g, c.b)
                    if !named.contains(color) { named.append(color) }
                }
            }
            if let theme = ProceduralVocabulary.lookup(word, in: ProceduralVocabulary.themes) {
                recognised = true
                theme.forEach(addColor)
            }
            if let modifier = ProceduralVocabulary.lookup(word, in: ProceduralVocabulary.modifiers) {
                recognised = true
                modifiers.insert(modifier)
            }
            if let kind = ProceduralVocabulary.lookup(word, in: ProceduralVocabulary.shapes) {
                recognised = true
                if !bannedShapes.contains(kind) { kinds.insert(kind) }
                if kind == .creature, ears == nil {
                    ears = ProceduralVocabulary.lookup(word, in: ProceduralVocabulary.creatureEars)
                }
            }
            if !recognised && !ProceduralVocabulary.blankWords.contains(word) { otherWords.append(word) }
        }

        // Unrecognised words still matter: they pick hues and layout.
        let otherHash = ProceduralRandom.hash(otherWords.joined(separator: " "))
        var hueRandom = ProceduralRandom(seed: otherHash)
        let bannedHues = bannedFamilies.compactMap { ProceduralPlan.familyHue[$0] }
        func freeHue(_ hue: Double) -> Double {
            var h = hue
            for _ in 0..<6 where bannedHues.contains(where: { ProceduralColor.hueDistance($0, h) < 40 }) {
                h += 67
            }
            return h
        }

        var palette = named
        if palette.isEmpty {
            let base = freeHue(hueRandom.double(0, 360))
            palette.append(.fromHSV(base, hueRandom.double(0.5, 0.8), hueRandom.double(0.75, 0.95)))
            palette.append(.fromHSV(freeHue(base + hueRandom.double(25, 70)), hueRandom.double(0.45, 0.75), hueRandom.double(0.3, 0.5)))
            palette.append(.fromHSV(freeHue(base + hueRandom.double(150, 210)), hueRandom.double(0.35, 0.6), hueRandom.double(0.85, 1.0)))
        } else if palette.count == 1 {
            palette.append(palette[0].darker(hueRandom.double(0.45, 0.6)))
            palette.append(palette[0].lighter(hueRandom.double(0.35, 0.5)))
        } else if palette.count == 2 {
            palette.append(palette[0].mixed(with: palette[1], 0.5).darker(hueRandom.double(0.3, 0.5)))
        }
        for modifier in ProceduralVocabulary.Modifier.allCases where modifiers.contains(modifier) {
            palette = palette.map { ProceduralPlan.apply(modifier, to: $0) }
        }
        self.palette = palette

        if kinds.isEmpty {
            var shapeRandom = ProceduralRandom(seed: promptHash ^ 0x5348_4150_4553)
            let defaults: [ProceduralShapeKind] = [.circles, .stars, .waves, .mountains, .flowers, .stripes, .trees, .bubbles, .clouds]
            let allowed = defaults.filter { !bannedShapes.contains($0) }
            if !allowed.isEmpty {
                let first = allowed[shapeRandom.int(0, allowed.count - 1)]
                kinds.insert(first)
                let second = allowed[shapeRandom.int(0, allowed.count - 1)]
                kinds.insert(second)
            }
        }
        shapes = kinds.sorted()
        creatureEars = ears ?? ProceduralCreatureEars.allCases[Int(otherHash % 4)]
    }

    /// Typical hue of a chromatic colour family, for steering generated hues
    /// away from colours the negative prompt bans.
    static let familyHue: [String: Double] = [
        "red": 0, "orange": 30, "yellow": 52, "green": 125, "cyan": 180, "blue": 222, "purple": 275, "pink": 325,
        "brown": 28,
    ]

    static func apply(_ modifier: ProceduralVocabulary.Modifier, to color: ProceduralColor) -> ProceduralColor {
        switch modifier {
        case .pastel:
            return color.lighter(0.5)
        case .neon:
            let hsv = color.hsv
            return hsv.s < 0.15 ? color : .fromHSV(hsv.h, 1, max(hsv.v, 0.95))
        case .dark:
            return color.darker(0.55)
        case .light:
            return color.lighter(0.3)
        case .muted:
            let gray = ProceduralColor(color.luminance, color.luminance, color.luminance)
            return color.mixed(with: gray, 0.5)
        }
    }
}
