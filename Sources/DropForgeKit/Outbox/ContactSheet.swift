import Foundation
import DropForgeMedia

/// `contact-sheet.png`: every image of a job on one page, in item order, rejected ones marked,
/// so a person can judge a batch at a glance (DESIGN §1).
///
/// The layout, and why:
/// - a near-square grid — `columns = ⌈√count⌉`, `rows = ⌈count / columns⌉` — so the sheet
///   looks like a sheet whatever the count (4 → 2×2, 5 → 3×2, 12 → 4×3);
/// - square cells of up to 256 px with an 8 px gap, shrinking (to no less than 16 px) so
///   neither side passes 4096 px: even a 1000-item job gives a sheet any viewer opens, and
///   that dropforge's own PNG limits accept;
/// - each image fitted into its cell with its aspect ratio kept, centred, by area average;
/// - rejected: a thick red frame and a red cross over the cell, image still visible beneath;
/// - failed (or an image that cannot be read): a flat grey cell with a dark grey cross;
/// - the item number in the top-left corner (when cells are at least 48 px).
/// Sources are decoded one at a time through `PNGCodec` with the given limits, so memory is one
/// source plus the sheet; the output is a pure function of the inputs.
///
/// Decode once: the quality check, which decodes every image anyway, leaves the image's cell
/// picture in `cells` (`remember(_:png:)`), and `render` draws a cell from there when the
/// file's pixels are the same (`PNGPixelKey`), decoding only on a miss. A cell picture is the
/// fitted image already composited over the cell background — exactly the pixels `draw` puts
/// in the cell, wherever the cell is — so a sheet is byte-for-byte the same either way.
public enum ContactSheet {
    /// One cell: an item and where its image is.
    public struct Cell: Sendable, Equatable {
        public enum Mark: String, Sendable, Equatable { case approved, rejected, failed }

        public var number: Int
        /// The image's PNG file; nil when there is none (failed items, images not exported).
        public var image: URL?
        public var mark: Mark

        public init(number: Int, image: URL?, mark: Mark) {
            self.number = number
            self.image = image
            self.mark = mark
        }
    }

    /// Where the cells go.
    public struct Grid: Sendable, Equatable {
        public var columns: Int
        public var rows: Int
        /// Side of a square cell, pixels.
        public var cell: Int
        public var gap: Int
        public var width: Int { columns * (cell + gap) + gap }
        public var height: Int { rows * (cell + gap) + gap }

        /// Top-left corner of cell `index` (row-major).
        public func origin(of index: Int) -> (x: Int, y: Int) {
            (gap + (index % columns) * (cell + gap), gap + (index / columns) * (cell + gap))
        }

        /// Width of the rejected frame, and of the crosses.
        public var markThickness: Int { max(3, cell / 32) }
    }

    public static let maxCell = 256
    public static let minCell = 16
    public static let gap = 8
    public static let maxSide = 4096

    static let sheetBackground: RGBAImage.Color = (32, 32, 32, 255)
    static let cellBackground: RGBAImage.Color = (56, 56, 56, 255)
    /// Rejected cells' frame and cross.
    public static let rejectedColor: RGBAImage.Color = (220, 38, 38, 255)
    /// Failed cells' fill.
    public static let failedColor: RGBAImage.Color = (128, 128, 128, 255)
    static let failedMark: RGBAImage.Color = (80, 80, 80, 255)

    /// The grid for `count` cells (0 columns and rows for none).
    public static func gridSize(count: Int) -> Grid {
        guard count > 0 else { return Grid(columns: 0, rows: 0, cell: maxCell, gap: gap) }
        var columns = 1
        while columns * columns < count { columns += 1 }
        let rows = (count + columns - 1) / columns
        let fits = (maxSide - gap) / columns - gap
        return Grid(columns: columns, rows: rows, cell: max(minCell, min(maxCell, fits)), gap: gap)
    }

    /// Cell pictures the quality check left for the export's sheet. 8 MiB: 32 full-size
    /// (256 px) cells, a few seconds of a busy drain's quality checks; why no more is said at
    /// `ImageCache`.
    public static let cells = ImageCache(budget: 8 << 20)

    /// Keeps the cell picture of `image`, decoded from `png`, for a later `render` in this
    /// process. Only full-size cells (`maxCell`, every sheet of up to 225 images): a larger job's
    /// smaller cells are drawn from a decode, as its many images would not fit the cache anyway.
    public static func remember(_ image: RGBAImage, png: Data, in cache: ImageCache = cells) {
        guard let key = PNGPixelKey(png: png), image.width > 0, image.height > 0 else { return }
        cache.insert(cellPicture(of: image, side: maxCell), for: .init(png: key, variant: maxCell))
    }

    /// The sheet as PNG bytes. Throws when `cells` is empty; an unreadable image is drawn as a
    /// grey cell rather than failing the sheet. Cells whose picture is in `cache` are not decoded.
    public static func render(cells: [Cell], limits: PNGLimits = .standard, cache: ImageCache? = Self.cells) throws -> Data {
        guard !cells.isEmpty else { throw PNGError("a contact sheet needs at least one image") }
        let grid = gridSize(count: cells.count)
        var sheet = RGBAImage(width: grid.width, height: grid.height, fill: sheetBackground)
        draw(cells, cells.indices, on: &sheet, grid: grid, limits: limits, cache: cache)
        return try PNGCodec.encode(sheet, encoding: .fast)
    }

    /// The sheet of `cells` made from `previous` — the sheet as it was, for the same number of
    /// cells — by drawing again only the cells whose item number is in `changed`: what `render`
    /// gives, byte for byte (a cell is drawn over its whole square, so nothing of its old picture
    /// or mark survives), decoding the changed cells' images and the old sheet instead of every
    /// image. That is what keeps a review decision on a large job from reading all its images.
    /// Nil when `previous` is not a sheet of this grid (unreadable, another count): render it whole.
    public static func redraw(cells: [Cell], changed: Set<Int>, previous: Data, limits: PNGLimits = .standard,
                              cache: ImageCache? = Self.cells) throws -> Data? {
        let grid = gridSize(count: cells.count)
        guard !cells.isEmpty, var sheet = try? PNGCodec.decode(previous, limits: limits).image,
              sheet.width == grid.width, sheet.height == grid.height else { return nil }
        draw(cells, cells.indices.filter { changed.contains(cells[$0].number) }, on: &sheet, grid: grid, limits: limits, cache: cache)
        return try PNGCodec.encode(sheet, encoding: .fast)
    }

    /// Draws the cells at `indices` in their places on `sheet`.
    private static func draw<Indices: Sequence<Int>>(_ cells: [Cell], _ indices: Indices, on sheet: inout RGBAImage, grid: Grid,
                                                     limits: PNGLimits, cache: ImageCache?) {
        for index in indices {
            let cell = cells[index]
            let (x, y) = grid.origin(of: index)
            let image = cell.mark == .failed ? nil : cell.image.flatMap { picture(of: $0, side: grid.cell, limits: limits, cache: cache) }
            draw(cell, picture: image, on: &sheet, at: x, y, grid: grid)
        }
    }

    /// The cell picture of the PNG at `url`: from `cache` when its pixels were seen, else decoded.
    private static func picture(of url: URL, side: Int, limits: PNGLimits, cache: ImageCache?) -> RGBAImage? {
        guard let data = try? Data(contentsOf: url) else { return nil }
        let key = cache == nil ? nil : PNGPixelKey(png: data).flatMap { $0.fits(limits) ? ImageCache.Key(png: $0, variant: side) : nil }
        if let key, let picture = cache?.image(for: key) { return picture }
        guard let source = try? PNGCodec.decode(data, limits: limits).image, source.width > 0, source.height > 0 else {
            return nil
        }
        return cellPicture(of: source, side: side)
    }

    /// `source` fitted into a `side` px cell, aspect kept, at least one pixel each way, drawn over
    /// the cell background: the pixels `render` puts in the cell's centre.
    static func cellPicture(of source: RGBAImage, side: Int) -> RGBAImage {
        let w: Int, h: Int
        if source.width >= source.height {
            w = side
            h = max(1, (source.height * side + source.width / 2) / source.width)
        } else {
            h = side
            w = max(1, (source.width * side + source.height / 2) / source.height)
        }
        var picture = RGBAImage(width: w, height: h, fill: cellBackground)
        picture.draw(source, x: 0, y: 0, width: w, height: h, over: cellBackground)
        return picture
    }

    private static func draw(_ cell: Cell, picture: RGBAImage?, on sheet: inout RGBAImage, at x: Int, _ y: Int, grid: Grid) {
        let side = grid.cell, thickness = grid.markThickness
        if let picture {
            sheet.fill(x: x, y: y, width: side, height: side, cellBackground)
            // Opaque, and the cell's size: `draw` copies it pixel for pixel.
            sheet.draw(picture, x: x + (side - picture.width) / 2, y: y + (side - picture.height) / 2,
                       width: picture.width, height: picture.height, over: cellBackground)
        } else {
            sheet.fill(x: x, y: y, width: side, height: side, failedColor)
            sheet.cross(x: x, y: y, width: side, height: side, thickness: max(2, thickness / 2), failedMark)
        }
        if cell.mark == .rejected {
            sheet.cross(x: x, y: y, width: side, height: side, thickness: thickness, rejectedColor)
            sheet.frame(x: x, y: y, width: side, height: side, thickness: thickness, rejectedColor)
        }
        label(cell.number, on: &sheet, at: x + thickness + 2, y + thickness + 2, cell: side)
    }

    /// White digits on a black box, so they read on any image.
    private static func label(_ number: Int, on sheet: inout RGBAImage, at x: Int, _ y: Int, cell: Int) {
        guard cell >= 48 else { return }
        let scale = cell >= 128 ? 3 : 2
        let text = String(number)
        sheet.fill(x: x, y: y, width: BitmapDigits.width(of: text, scale: scale) + 2 * scale,
                   height: BitmapDigits.height * scale + 2 * scale, (0, 0, 0, 255))
        BitmapDigits.draw(text, into: &sheet, x: x + scale, y: y + scale, scale: scale, color: (255, 255, 255, 255))
    }
}
