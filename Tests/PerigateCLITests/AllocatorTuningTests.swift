import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing
@testable import Perigate

/// `perigate` starts itself once more with a larger per-thread cache in glibc's allocator
/// (``AllocatorTuning``), unless the operator chose otherwise.
@Suite("Allocator tuning at start-up")
struct AllocatorTuningTests {
    static let ours = "glibc.malloc.tcache_count=\(AllocatorTuning.tcacheCount)"

    @Test("the setting is added to GLIBC_TUNABLES; an operator's tcache_count, PERIGATE_MALLOC_TUNING=off and a second start stand")
    func tunables() {
        #expect(AllocatorTuning.tunables(environment: [:]) == Self.ours)
        #expect(AllocatorTuning.tunables(environment: ["GLIBC_TUNABLES": ""]) == Self.ours)
        #expect(AllocatorTuning.tunables(environment: ["GLIBC_TUNABLES": "glibc.malloc.mxfast=0"]) == "glibc.malloc.mxfast=0:" + Self.ours)
        #expect(AllocatorTuning.tunables(environment: ["GLIBC_TUNABLES": "glibc.malloc.mxfast=0:glibc.malloc.tcache_count=5"]) == nil)
        #expect(AllocatorTuning.tunables(environment: ["PERIGATE_MALLOC_TUNING": "off"]) == nil)
        #expect(AllocatorTuning.tunables(environment: ["PERIGATE_MALLOC_TUNING": "OFF"]) == nil)
        // The second start never starts a third, whatever glibc made of GLIBC_TUNABLES.
        #expect(AllocatorTuning.tunables(environment: ["PERIGATE_MALLOC_TUNING": "applied"]) == nil)
        // Not the operator's choice: another tunable whose name only begins the same, an empty value.
        #expect(AllocatorTuning.tunables(environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count_x=1"])
            == "glibc.malloc.tcache_count_x=1:" + Self.ours)
        #expect(AllocatorTuning.tunables(environment: ["GLIBC_TUNABLES": "glibc.malloc.tcache_count="])
            == "glibc.malloc.tcache_count=:" + Self.ours)
        // This machine: glibc 2.36, a normal start.
        #expect(AllocatorTuning.canStartAgain)
    }

    /// The environment the running process `pid` was executed with.
    static func environment(of pid: Int32) throws -> [String: String] {
        let data = try Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/environ"))
        return Dictionary(data.split(separator: 0).compactMap { entry -> (String, String)? in
            let text = String(decoding: entry, as: UTF8.self)
            guard let equals = text.firstIndex(of: "=") else { return nil }
            return (String(text[..<equals]), String(text[text.index(after: equals)...]))
        }, uniquingKeysWith: { _, last in last })
    }

    @Test("serve runs, same process id, with the setting; with PERIGATE_MALLOC_TUNING=off without it; both answer /health")
    func serveExecutedAgain() async throws {
        // Empty values: whatever the test runner's own environment holds.
        let cases: [([String: String], String?)] = [(["GLIBC_TUNABLES": "", "PERIGATE_MALLOC_TUNING": ""], Self.ours),
                                                    (["GLIBC_TUNABLES": "", "PERIGATE_MALLOC_TUNING": "off"], "")]
        for (environment, expected) in cases {
            let serve = try ServeProcess.start(environment: environment)
            defer { serve.killIfRunning() }
            let seen = try Self.environment(of: serve.process.processIdentifier)
            #expect(seen["GLIBC_TUNABLES"] == expected, "\(environment)")
            #expect(seen["PERIGATE_MALLOC_TUNING"] == (expected == Self.ours ? "applied" : "off"))
            let (_, response) = try await URLSession.shared.data(from: URL(string: "http://127.0.0.1:\(serve.port)/health")!)
            #expect((response as? HTTPURLResponse)?.statusCode == 200)
        }
    }
}
