// dropforge-fuzz <target> [libFuzzer options] [corpus folders]: one of the `FuzzTarget`s.
//
// Built by `make fuzz` with `-sanitize=fuzzer,address -DFUZZING`, this hands the rest of the
// command line to libFuzzer (`LLVMFuzzerRunDriver`). SwiftPM gives an executable's `main` to its
// own entry point on Linux, so libFuzzer's `main` cannot be used; its driver API is called instead.
// Built plainly (as `swift build` does), it replays files: `dropforge-fuzz card crash-1234`
// reproduces a finding in a debugger without the sanitizers.
import Foundation
import FuzzTargets

let arguments = CommandLine.arguments
guard arguments.count >= 2, let target = FuzzTarget(rawValue: arguments[1]) else {
    let names = FuzzTarget.allCases.map(\.rawValue).joined(separator: "|")
    FileHandle.standardError.write(Data("usage: dropforge-fuzz \(names) [libFuzzer options] [corpus folders or files]\n".utf8))
    exit(2)
}
nonisolated(unsafe) var selected = target

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = bytes.map { Data(bytes: $0, count: count) } ?? Data()
    selected.run(data)
    return 0
}

#if FUZZING
@_extern(c, "LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

// libFuzzer sees the program name and everything after the target name.
var driverArguments: [UnsafeMutablePointer<CChar>?] = ([arguments[0]] + arguments.dropFirst(2)).map { strdup($0) } + [nil]
var argc = CInt(driverArguments.count - 1)
let status = driverArguments.withUnsafeMutableBufferPointer { buffer -> CInt in
    var argv = buffer.baseAddress
    return LLVMFuzzerRunDriver(&argc, &argv, fuzzOneInput)
}
exit(status)
#else
// Replay: every file named, and every file in every folder named.
var files: [URL] = []
for path in arguments.dropFirst(2) {
    let url = URL(fileURLWithPath: path)
    if let names = try? FileManager.default.contentsOfDirectory(atPath: path) {
        files += names.sorted().map { url.appendingPathComponent($0) }
    } else {
        files.append(url)
    }
}
for file in files {
    guard let data = try? Data(contentsOf: file) else { continue }
    let start = Date()
    let outcome = target.run(data)
    print("\(file.path) (\(Int(Date().timeIntervalSince(start) * 1000)) ms): \(outcome)")
}
#endif
