/// An 8-bit RGBA raster, row-major, top row first, 4 bytes per pixel.
///
/// This is the one in-memory image format of the media layer: the PNG codec
/// decodes every colour type into it, the procedural renderer draws into it and
/// the QC analyses read it. A plain value type keeps it `Sendable` and easy to
/// compare in tests.
public struct RGBAImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    /// `width * height * 4` bytes: R, G, B, A for each pixel, row after row.
    public var pixels: [UInt8]

    /// Wraps existing pixels. `pixels.count` must be `width * height * 4`.
    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "RGBAImage size must not be negative")
        precondition(pixels.count == width * height * 4,
                     "RGBAImage needs \(width * height * 4) bytes for \(width)x\(height), got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A canvas filled with one colour (opaque black by default).
    public init(width: Int, height: Int, fill: (r: UInt8, g: UInt8, b: UInt8, a: UInt8) = (0, 0, 0, 255)) {
        precondition(width >= 0 && height >= 0, "RGBAImage size must not be negative")
        var bytes = [UInt8](repeating: 0, count: width * height * 4)
        bytes.withUnsafeMutableBufferPointer { buffer in
            var index = 0
            while index < buffer.count {
                buffer[index] = fill.r
                buffer[index + 1] = fill.g
                buffer[index + 2] = fill.b
                buffer[index + 3] = fill.a
                index += 4
            }
        }
        self.width = width
        self.height = height
        self.pixels = bytes
    }

    /// The RGBA value at (x, y); both must be inside the image.
    public func pixel(x: Int, y: Int) -> (r: UInt8, g: UInt8, b: UInt8, a: UInt8) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
        let i = (y * width + x) * 4
        return (pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3])
    }

    /// Sets the RGBA value at (x, y); both must be inside the image.
    public mutating func setPixel(x: Int, y: Int, _ value: (r: UInt8, g: UInt8, b: UInt8, a: UInt8)) {
        precondition(x >= 0 && x < width && y >= 0 && y < height, "pixel (\(x), \(y)) outside \(width)x\(height)")
        let i = (y * width + x) * 4
        pixels[i] = value.r
        pixels[i + 1] = value.g
        pixels[i + 2] = value.b
        pixels[i + 3] = value.a
    }
}
