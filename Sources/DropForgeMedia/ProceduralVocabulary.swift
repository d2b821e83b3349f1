/// The words the procedural renderer understands, and what they do.
///
/// Kept as data in one place so the behaviour is easy to read and extend:
/// colour words pick the palette, theme words expand to several colours,
/// modifiers adjust the whole palette, shape words pick what gets drawn.
enum ProceduralVocabulary {
    /// Colour word → (family, RGB). Negative prompts suppress by family, so
    /// "no red" also removes crimson and scarlet.
    static let colors: [String: (family: String, r: Double, g: Double, b: Double)] = [
        "red": ("red", 214, 40, 40), "crimson": ("red", 178, 22, 52), "scarlet": ("red", 232, 46, 28),
        "maroon": ("red", 118, 24, 36), "ruby": ("red", 196, 18, 70),
        "orange": ("orange", 245, 130, 32), "amber": ("orange", 255, 176, 0), "copper": ("orange", 184, 104, 52),
        "coral": ("orange", 250, 120, 95), "peach": ("orange", 255, 190, 150),
        "gold": ("yellow", 226, 178, 38), "golden": ("yellow", 226, 178, 38), "yellow": ("yellow", 250, 222, 52),
        "lemon": ("yellow", 250, 240, 90),
        "lime": ("green", 160, 220, 50), "green": ("green", 52, 160, 72), "emerald": ("green", 24, 150, 100),
        "olive": ("green", 120, 128, 48), "mint": ("green", 160, 232, 190), "jade": ("green", 0, 168, 107),
        "teal": ("cyan", 0, 128, 128), "turquoise": ("cyan", 64, 210, 200), "cyan": ("cyan", 36, 200, 232),
        "aqua": ("cyan", 60, 220, 220),
        "blue": ("blue", 40, 90, 214), "azure": ("blue", 64, 144, 240), "navy": ("blue", 18, 30, 92),
        "cobalt": ("blue", 0, 71, 171), "sapphire": ("blue", 15, 82, 186),
        "indigo": ("purple", 75, 20, 140), "purple": ("purple", 128, 50, 164), "violet": ("purple", 150, 92, 222),
        "lavender": ("purple", 192, 172, 232), "lilac": ("purple", 200, 162, 200),
        "pink": ("pink", 245, 140, 182), "rose": ("pink", 230, 92, 130), "magenta": ("pink", 220, 40, 180),
        "fuchsia": ("pink", 230, 50, 200),
        "brown": ("brown", 122, 76, 40), "chocolate": ("brown", 92, 52, 28), "tan": ("brown", 210, 180, 140),
        "beige": ("brown", 232, 220, 190), "sand": ("brown", 220, 196, 150), "sepia": ("brown", 150, 110, 70),
        "black": ("black", 14, 14, 20), "ebony": ("black", 30, 28, 26),
        "white": ("white", 246, 246, 246), "ivory": ("white", 250, 248, 236), "cream": ("white", 248, 240, 210),
        "gray": ("gray", 128, 128, 132), "grey": ("gray", 128, 128, 132), "silver": ("gray", 192, 195, 202),
        "charcoal": ("gray", 54, 58, 64),
    ]

    /// Theme word → colour words, in the order they enter the palette.
    static let themes: [String: [String]] = [
        "sunset": ["orange", "pink", "purple"], "sunrise": ["gold", "peach", "azure"],
        "dusk": ["indigo", "rose", "navy"], "dawn": ["peach", "lavender", "azure"],
        "ocean": ["blue", "teal", "navy"], "sea": ["azure", "teal", "navy"], "underwater": ["teal", "navy", "cyan"],
        "forest": ["green", "emerald", "brown"], "jungle": ["emerald", "lime", "olive"], "grass": ["green", "lime"],
        "fire": ["red", "orange", "yellow"], "flame": ["orange", "red", "yellow"], "lava": ["red", "orange", "black"],
        "snow": ["white", "silver", "azure"], "ice": ["cyan", "white", "azure"], "winter": ["white", "azure", "silver"],
        "night": ["navy", "black", "indigo"], "space": ["black", "indigo", "navy"], "galaxy": ["indigo", "magenta", "black"],
        "desert": ["sand", "orange", "gold"], "sky": ["azure", "white"], "autumn": ["orange", "brown", "red"],
        "fall": ["orange", "brown", "red"], "spring": ["green", "pink", "yellow"], "summer": ["yellow", "azure", "green"],
        "candy": ["pink", "mint", "lavender"], "cyberpunk": ["magenta", "cyan", "navy"], "vintage": ["sepia", "cream", "olive"],
    ]

    /// Palette-wide adjustments.
    enum Modifier: String, CaseIterable {
        case pastel, neon, dark, light, muted
    }

    static let modifiers: [String: Modifier] = [
        "pastel": .pastel, "soft": .pastel, "neon": .neon, "vivid": .neon, "glowing": .neon,
        "dark": .dark, "gloomy": .dark, "moody": .dark, "light": .light, "bright": .light, "pale": .light,
        "muted": .muted, "dull": .muted, "faded": .muted,
    ]

    /// Shape word → kind.
    static let shapes: [String: ProceduralShapeKind] = {
        var map: [String: ProceduralShapeKind] = [:]
        func add(_ kind: ProceduralShapeKind, _ words: [String]) { for w in words { map[w] = kind } }
        add(.circles, ["circle", "dot", "ball", "orb", "planet", "disc", "disk", "round", "polka", "spot"])
        add(.sun, ["sun", "moon", "sunny", "moonlit", "eclipse"])
        add(.bubbles, ["bubble", "foam", "soap", "ring"])
        add(.stars, ["star", "starry", "sparkle", "twinkle", "constellation", "galaxy", "space"])
        add(.mountains, ["mountain", "hill", "peak", "landscape", "volcano", "alps", "valley", "ridge"])
        add(.waves, ["wave", "ocean", "sea", "water", "river", "lake", "beach", "surf", "tide", "underwater"])
        add(.stripes, ["stripe", "striped", "line", "bar", "band", "stripy"])
        add(.grid, ["grid", "tile", "checker", "checkered", "plaid", "mesh", "lattice"])
        add(.skyline, ["city", "building", "skyline", "tower", "skyscraper", "town", "street", "urban", "cyberpunk"])
        add(.flowers, ["flower", "blossom", "petal", "daisy", "bloom", "garden", "floral", "tulip", "rose"])
        add(.creature, ["cat", "kitten", "kitty", "dog", "puppy", "animal", "fox", "bear", "rabbit", "bunny", "hare",
                        "creature", "pet", "wolf", "mouse", "tiger", "lion", "panda", "critter"])
        add(.trees, ["tree", "forest", "pine", "woods", "triangle", "pyramid", "jungle", "christmas"])
        add(.clouds, ["cloud", "cloudy", "sky", "fluffy", "storm"])
        return map
    }()

    /// Ear style for the creature silhouette.
    static let creatureEars: [String: ProceduralCreatureEars] = [
        "cat": .pointed, "kitten": .pointed, "kitty": .pointed, "fox": .pointed, "tiger": .pointed,
        "lion": .round, "wolf": .pointed, "dog": .floppy, "puppy": .floppy, "rabbit": .long,
        "bunny": .long, "hare": .long, "bear": .round, "mouse": .round, "panda": .round,
    ]

    /// Words that make the render a flat fill (documented; the QC `blank` check rejects it).
    static let blankWords: Set<String> = ["blank", "empty", "plain", "solid"]

    /// Looks a word up in `table`, retrying without a plural "s"/"es".
    static func lookup<V>(_ word: String, in table: [String: V]) -> V? {
        if let v = table[word] { return v }
        if word.count > 3, word.hasSuffix("es"), let v = table[String(word.dropLast(2))] { return v }
        if word.count > 2, word.hasSuffix("s"), let v = table[String(word.dropLast())] { return v }
        return nil
    }

    /// Lower-cased runs of letters and digits.
    static func words(in text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for scalar in text.lowercased().unicodeScalars {
            if scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                current.unicodeScalars.append(scalar)
            } else if !current.isEmpty {
                result.append(current)
                current = ""
            }
        }
        if !current.isEmpty { result.append(current) }
        return result
    }
}

/// What the procedural renderer can draw, in back-to-front order.
enum ProceduralShapeKind: Int, CaseIterable, Comparable {
    case stripes, grid, sun, stars, clouds, mountains, skyline, trees, waves, circles, bubbles, flowers, creature

    static func < (a: ProceduralShapeKind, b: ProceduralShapeKind) -> Bool { a.rawValue < b.rawValue }
}

enum ProceduralCreatureEars: CaseIterable {
    case pointed, floppy, long, round
}
