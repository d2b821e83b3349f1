import DropForgeMedia

/// The size limits a card file is read under (DESIGN §9): the PNG chunk and decode limits and
/// the largest card JSON. The daemon derives them from its configured `Limits`; the card format
/// itself knows nothing of the config.
public struct CardLimits: Sendable, Equatable {
    /// 16 MiB: the default for `limits.card_json_bytes`.
    public static let defaultCardJSONBytes = 16_777_216

    public var png: PNGLimits
    /// Largest character card JSON in bytes.
    public var cardJSONBytes: Int

    public init(png: PNGLimits? = nil, cardJSONBytes: Int = CardLimits.defaultCardJSONBytes) {
        var limits = png ?? PNGLimits()
        limits.maxCardBytes = cardJSONBytes   // one card size limit, whichever container holds it
        self.png = limits
        self.cardJSONBytes = cardJSONBytes
    }
}
