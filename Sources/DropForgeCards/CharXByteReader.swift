import Foundation

/// Little-endian reads from zip records; every read is bounds-checked and gives nil past the end.
struct CharXByteReader {
    let data: Data

    func bytes(_ at: UInt64, count: UInt64) -> Data? {
        guard at <= UInt64(data.count), UInt64(data.count) - at >= count else { return nil }
        let start = data.startIndex + Int(at)
        return data[start..<(start + Int(count))]
    }

    func u16(_ at: UInt64) -> UInt16? {
        guard let pair = bytes(at, count: 2) else { return nil }
        return UInt16(pair[pair.startIndex]) | UInt16(pair[pair.startIndex + 1]) << 8
    }

    func u32(_ at: UInt64) -> UInt32? {
        guard let lo = u16(at), let hi = u16(at + 2) else { return nil }
        return UInt32(lo) | UInt32(hi) << 16
    }

    func u64(_ at: UInt64) -> UInt64? {
        guard let lo = u32(at), let hi = u32(at + 4) else { return nil }
        return UInt64(lo) | UInt64(hi) << 32
    }
}
