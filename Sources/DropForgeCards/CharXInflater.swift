import DropForgeMedia
import Foundation

/// Extracts one CHARX entry from the archive bytes with hard bounds on input and output.
///
/// Input: only the entry's own compressed bytes are ever offered to zlib. Output: counted chunk
/// by chunk against the entry's declared size, its per-entry limit and the archive-wide budget,
/// throwing on the first chunk over, so a lying header cannot make us allocate more than the
/// limits allow.
enum CharXInflater {
    /// What is left of ``CharXLimits/maxTotalBytes`` across all entries of one read.
    struct Budget {
        var remaining: Int
        let totalLimit: Int
    }

    static func extract(_ entry: CharXEntry, from data: Data, budget: inout Budget,
                        limitError: CharXError, limit: Int) throws -> Data {
        let path = entry.path
        func damaged(_ reason: String) -> CharXError { .damagedEntry(path: path, reason: reason) }

        if entry.isEncrypted { throw damaged("encrypted entries are not supported") }
        let declared = entry.uncompressedSize
        let compressedSize = entry.compressedSize
        guard entry.dataOffset <= UInt64(data.count),
              compressedSize <= UInt64(data.count) - entry.dataOffset else {
            throw damaged("its data runs past the end of the archive")
        }
        let start = data.startIndex + Int(entry.dataOffset)
        let input = data[start..<(start + Int(compressedSize))]

        var output = Data()
        var checksum: UInt32 = 0
        var remainingBudget = budget.remaining
        let totalLimit = budget.totalLimit
        func consume(_ chunk: UnsafeRawBufferPointer) throws {
            if UInt64(output.count + chunk.count) > declared {
                // Checked before the limits: a lie is the more precise diagnosis.
                if output.count + chunk.count > limit { throw limitError }
                throw damaged("it inflates past its declared size of \(declared) bytes")
            }
            if output.count + chunk.count > limit { throw limitError }
            if chunk.count > remainingBudget { throw CharXError.totalTooLarge(limit: totalLimit) }
            remainingBudget -= chunk.count
            output.append(contentsOf: chunk)
            checksum = CRC32.update(checksum, chunk)
        }

        switch entry.method {
        case 0:
            guard compressedSize == declared else { throw damaged("stored size and declared size differ") }
            try input.withUnsafeBytes { try consume($0) }
        case 8:
            do {
                try ZlibInflater.inflate(input, format: .rawDeflate, consume: consume)
            } catch ZlibInflater.Failure.truncated {
                throw damaged("its deflate data ends too early")
            } catch let failure as ZlibInflater.Failure {
                throw damaged("its deflate data is corrupt (\(failure))")
            }
        default:
            throw damaged("compression method \(entry.method) is not supported (only store and deflate)")
        }
        guard UInt64(output.count) == declared else {
            throw damaged("it holds \(output.count) bytes but declares \(declared)")
        }
        guard checksum == entry.crc32 else { throw damaged("CRC-32 mismatch") }
        budget.remaining = remainingBudget
        return output
    }
}
