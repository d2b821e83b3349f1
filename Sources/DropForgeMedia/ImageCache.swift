import Synchronization

/// A small in-process cache of images made from decoded PNGs, so a file decoded once is not
/// decoded again in the same process (issue 13, "decode once"): the quality check leaves each
/// image's contact-sheet cell here, and the export draws the sheet from it.
///
/// Keyed by what decides the pixels (`PNGPixelKey`, plus a `variant` for what was made of them,
/// e.g. the cell size), not by path, mtime or inode: the file the export reads is a hard link
/// or copy of the metadata stage's file, which is not the file the quality check read (text
/// was spliced in), yet its pixels are the same. A rewritten file with new pixels has a new key,
/// so nothing needs invalidating; its old entry just ages out.
///
/// **Bounded, least recently used first.** `budget` bytes of pixels at most (8 MiB for the
/// contact sheet: 32 full 256 px cells). Why so small: an entry is worth having only for the
/// seconds between an item's quality check and its execution's export, and the daemon's whole
/// footprint is meant to stay near 60 MiB even with 20,000 jobs waiting (docs/performance.md);
/// a cache that grew with the backlog would cost more than the decodes it saves. When it
/// misses (a large job, a long queue, another process, a restart) the caller decodes, as
/// before: the cache changes how often, never what is drawn.
public final class ImageCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var png: PNGPixelKey
        public var variant: Int

        public init(png: PNGPixelKey, variant: Int = 0) {
            self.png = png
            self.variant = variant
        }
    }

    public struct Statistics: Sendable, Equatable {
        public var hits = 0
        public var misses = 0
        public var insertions = 0
        public var evictions = 0
        public var entries = 0
        /// Bytes of pixels held now (`RGBAImage.pixels`).
        public var bytes = 0
    }

    private struct Entry {
        var image: RGBAImage
        var lastUse: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var clock: UInt64 = 0
        var statistics = Statistics()
    }

    public let budget: Int
    private let state = Mutex(State())

    public init(budget: Int) {
        self.budget = budget
    }

    /// The image stored for `key`, now the most recently used; nil (a miss) when there is none.
    public func image(for key: Key) -> RGBAImage? {
        state.withLock { state in
            state.clock += 1
            guard var entry = state.entries[key] else {
                state.statistics.misses += 1
                return nil
            }
            entry.lastUse = state.clock
            state.entries[key] = entry
            state.statistics.hits += 1
            return entry.image
        }
    }

    /// Stores `image` for `key`, evicting the least recently used entries until it fits. An
    /// image larger than the whole budget is not stored.
    public func insert(_ image: RGBAImage, for key: Key) {
        let size = image.pixels.count
        guard size <= budget else { return }
        state.withLock { state in
            state.clock += 1
            if let old = state.entries.removeValue(forKey: key) { state.statistics.bytes -= old.image.pixels.count }
            while state.statistics.bytes + size > budget,
                  let oldest = state.entries.min(by: { $0.value.lastUse < $1.value.lastUse }) {
                state.entries[oldest.key] = nil
                state.statistics.bytes -= oldest.value.image.pixels.count
                state.statistics.evictions += 1
            }
            state.entries[key] = Entry(image: image, lastUse: state.clock)
            state.statistics.bytes += size
            state.statistics.insertions += 1
        }
    }

    /// Like `image(for:)`, and the entry goes: for a hand-off used once.
    public func take(_ key: Key) -> RGBAImage? {
        state.withLock { state in
            guard let entry = state.entries.removeValue(forKey: key) else {
                state.statistics.misses += 1
                return nil
            }
            state.statistics.bytes -= entry.image.pixels.count
            state.statistics.hits += 1
            return entry.image
        }
    }

    /// Images decoded to accept them (a remote provider's reply), left for the quality check so
    /// it does not decode the same pixels again; taken when used. 16 MiB: four 1024 px images —
    /// an execution's quality checks start once all its items are generated (the duplicate
    /// barrier), so a small job's images all wait here; a larger job's are decoded again, as
    /// before. Nothing is put here for images dropforge renders itself: the quality check's
    /// decode is then the first.
    public static let decodedImages = ImageCache(budget: 16 << 20)

    public func removeAll() {
        state.withLock { state in
            state.entries.removeAll()
            state.statistics.bytes = 0
        }
    }

    public var statistics: Statistics {
        state.withLock { state in
            var statistics = state.statistics
            statistics.entries = state.entries.count
            return statistics
        }
    }
}
