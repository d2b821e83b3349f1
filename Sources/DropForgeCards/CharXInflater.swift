import Foundation
import ZIPFoundation

/// Extracts one CHARX entry from the archive bytes with hard bounds on input and output.
///
/// Input: only the entry's own compressed bytes are ever offered to the inflater (see
/// ``CharXCentralDirectory`` for why). Output: counted chunk by chunk against the entry's
/// declared size, its per-entry limit and the archive-wide budget, throwing on the first chunk
/// over, so a lying header cannot make us allocate more than the limits allow.
enum CharXInflater {
    /// What is left of ``CharXLimits/maxTotalBytes`` across all entries of one read.
    struct Budget {
        var remaining: Int
        let totalLimit: Int
    }

    static func extract(_ entry: Entry, record: CharXCentralDirectory.Record, from data: Data,
                        budget: inout Budget, limitError: CharXError, limit: Int) throws -> Data {
        let path = entry.path
        func damaged(_ reason: String) -> CharXError { .damagedEntry(path: path, reason: reason) }

        if record.flags & 1 != 0 { throw damaged("encrypted entries are not supported") }
        let declared = entry.uncompressedSize
        let compressedSize = entry.compressedSize
        guard record.dataOffset <= UInt64(data.count),
              compressedSize <= UInt64(data.count) - record.dataOffset else {
            throw damaged("its data runs past the end of the archive")
        }
        let start = data.startIndex + Int(record.dataOffset)
        let input = data[start..<(start + Int(compressedSize))]

        var output = Data()
        var remainingBudget = budget.remaining
        let totalLimit = budget.totalLimit
        let consume: (Data) throws -> Void = { chunk in
            if UInt64(output.count + chunk.count) > declared {
                // Checked before the limits: a lie is the more precise diagnosis.
                if output.count + chunk.count > limit { throw limitError }
                throw damaged("it inflates past its declared size of \(declared) bytes")
            }
            if output.count + chunk.count > limit { throw limitError }
            if chunk.count > remainingBudget { throw CharXError.totalTooLarge(limit: totalLimit) }
            remainingBudget -= chunk.count
            output.append(chunk)
        }

        let checksum: UInt32
        switch record.method {
        case 0:
            guard compressedSize == declared else { throw damaged("stored size and declared size differ") }
            let bytes = Data(input)
            try consume(bytes)
            checksum = bytes.crc32(checksum: 0)
        case 8:
            checksum = try inflate(input, path: path, consumer: consume)
        default:
            throw damaged("compression method \(record.method) is not supported (only store and deflate)")
        }
        guard UInt64(output.count) == declared else {
            throw damaged("it holds \(output.count) bytes but declares \(declared)")
        }
        guard checksum == entry.checksum else { throw damaged("CRC-32 mismatch") }
        budget.remaining = remainingBudget
        return output
    }

    /// Feeds `input` to ZIPFoundation's inflater in full-size chunks (its Linux decoder assumes
    /// every chunk is `bufferSize` long), zero-padded at the end, and throws instead of returning
    /// an empty chunk once the input is used up — that is where ZIPFoundation would spin.
    private static func inflate(_ input: Data, path: String, consumer: @escaping Consumer) throws -> UInt32 {
        let bufferSize = 64 * 1024
        let bytes = Data(input)
        var offset = 0
        var exhausted = false
        do {
            return try Data.decompress(size: Int64(bytes.count), bufferSize: bufferSize, skipCRC32: false,
                                       provider: { _, _ in
                guard !exhausted else {
                    throw CharXError.damagedEntry(path: path, reason: "its deflate data ends too early")
                }
                let end = min(offset + bufferSize, bytes.count)
                var chunk = bytes.subdata(in: offset..<end)
                offset = end
                if offset == bytes.count { exhausted = true }
                if chunk.count < bufferSize { chunk.append(Data(count: bufferSize - chunk.count)) }
                return chunk
            }, consumer: consumer)
        } catch let error as CharXError {
            throw error
        } catch {
            throw CharXError.damagedEntry(path: path, reason: "its deflate data is corrupt (\(error))")
        }
    }
}
