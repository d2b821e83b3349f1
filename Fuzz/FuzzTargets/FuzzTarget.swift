import Foundation

/// The targets of `make fuzz`. Each one takes untrusted bytes to the library entry points that
/// read them in production. A thrown error is the expected end for almost every input; a crash,
/// trap, hang or runaway memory is a bug.
///
/// Why a library of its own: the libFuzzer driver (`dropforge-fuzz`) and the replay test in
/// `make test` (`FuzzReplayTests`) call these same functions, so a crash the fuzzer found stays
/// fixed once its input sits in `Fuzz/Regressions/<target>/`. Nothing here ships in `dropforge`.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A dropped manifest: parsed as YAML and as JSON, then resolved against a real root.
    case manifest
    /// A PNG: the chunk walk, the text chunk decoder, and the libpng decode.
    case png
    /// A card file: PNG, CHARX or bare JSON, then validated, converted and written back.
    case card

    /// Runs one input through the target and says how far it got (the replayer prints it).
    /// Never throws: errors are the library doing its job.
    @discardableResult
    public func run(_ data: Data) -> String {
        switch self {
        case .manifest: ManifestFuzzTarget.run(data)
        case .png: PNGFuzzTarget.run(data)
        case .card: CardFuzzTarget.run(data)
        }
    }
}
