// libFuzzer driver for Perigate's core (scripts/fuzz.sh), built with `-sanitize=fuzzer,address`.
// This main hands the command line to libFuzzer's driver, which calls the closure below for
// every input. PERIGATE_FUZZ=1 adds this target to
// the package; ordinary builds and CI never see it.

import Foundation

@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<CInt>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt) -> CInt

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { bytes, count in
    guard let bytes else { return 0 }
    FuzzPipeline.shared.run(Data(bytes: bytes, count: count))
    return 0
})
