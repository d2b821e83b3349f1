import Foundation
import DropForgeMedia
import DropForgeCards

/// Size and count limits for untrusted input (DESIGN §9); all configurable in
/// `config/dropforge.yaml` under `limits:` with snake_case keys.
public struct Limits: Codable, Sendable, Equatable {
    /// Largest manifest, profile, template or keyword file read, in bytes.
    public var manifestBytes: Int = 1_048_576
    /// Most items one job may make (`params.count`).
    public var count: Int = 1000
    /// Longest image side in pixels (`params.size`, decoded images).
    public var imageSide: Int = 8192
    /// Largest decoded image in bytes (checked before allocating).
    public var decodedBytes: Int = 268_435_456
    /// Largest HTTP response body in bytes.
    public var httpResponseBytes: Int = 67_108_864
    /// Largest character card JSON in bytes.
    public var cardJSONBytes: Int = CardLimits.defaultCardJSONBytes
    /// Most pixels one images job may make, all items together (items × width × height): the
    /// guard on total output that `count` and `image_side` alone are not (1000 × 8192² would be
    /// 67 gigapixels, ≈ 64 GB of PNG). The default, 2³⁰, fits 1000 images of 1024² (≈ 4 GiB
    /// of pixels in memory over the job, one image at a time).
    public var jobPixels: Int = Limits.defaultJobPixels
    public static let defaultJobPixels = 1 << 30

    public init(manifestBytes: Int = 1_048_576, count: Int = 1000, imageSide: Int = 8192,
                decodedBytes: Int = 268_435_456, httpResponseBytes: Int = 67_108_864,
                cardJSONBytes: Int = CardLimits.defaultCardJSONBytes, jobPixels: Int = Limits.defaultJobPixels) {
        self.manifestBytes = manifestBytes
        self.count = count
        self.imageSide = imageSide
        self.decodedBytes = decodedBytes
        self.httpResponseBytes = httpResponseBytes
        self.cardJSONBytes = cardJSONBytes
        self.jobPixels = jobPixels
    }

    enum CodingKeys: String, CodingKey {
        case manifestBytes = "manifest_bytes"
        case count
        case imageSide = "image_side"
        case decodedBytes = "decoded_bytes"
        case httpResponseBytes = "http_response_bytes"
        case cardJSONBytes = "card_json_bytes"
        case jobPixels = "job_pixels"
    }

    /// Reads `limits:` strictly; keys left out keep their defaults.
    static func parse(_ node: DocumentNode) throws -> Limits {
        let map = try node.mapping(allowed: CodingKeys.allKeys)
        var limits = Limits()
        let big = 1...(1 << 40)
        if let v = try map.int("manifest_bytes", in: 1024...(1 << 30)) { limits.manifestBytes = v }
        if let v = try map.int("count", in: 1...1_000_000) { limits.count = v }
        if let v = try map.int("image_side", in: 16...65_535) { limits.imageSide = v }
        if let v = try map.int("decoded_bytes", in: big) { limits.decodedBytes = v }
        if let v = try map.int("http_response_bytes", in: big) { limits.httpResponseBytes = v }
        if let v = try map.int("card_json_bytes", in: big) { limits.cardJSONBytes = v }
        if let v = try map.int("job_pixels", in: 256...(1 << 50)) { limits.jobPixels = v }
        return limits
    }
}

extension Limits {
    /// The PNG reader's limits that follow from these.
    public var pngLimits: PNGLimits {
        var png = PNGLimits(maxWidth: imageSide, maxHeight: imageSide, maxDecodedBytes: decodedBytes)
        png.maxCardBytes = cardJSONBytes
        return png
    }
}

extension Limits.CodingKeys: CaseIterable {
    static var allKeys: [String] { allCases.map(\.rawValue) }
}
