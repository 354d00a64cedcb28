import Foundation
#if canImport(Glibc)
import CGlibc
import Glibc
#endif

/// A larger per-thread cache of freed blocks in glibc's allocator, set once at start-up.
///
/// glibc caches up to 7 freed blocks of each small size (up to 1,032 bytes) per thread; a
/// further free of that size goes to a "fastbin", and the next allocation too large for the
/// cache first merges every fastbin block back into its free lists. Parsing and validating one
/// message frees thousands of small blocks (libxml2's nodes and attributes, Swift's objects), so
/// that merge ran on every message. With ``tcacheCount`` blocks per size the next message takes
/// them from the cache instead: 6–13 % fewer instructions per document on one thread
/// (docs/performance.md), and ahead of lxml on all three benchmark files.
///
/// glibc reads its tunables only when a process starts, so `perigate` executes itself once more,
/// at once, with `GLIBC_TUNABLES` naming the setting (same process id, arguments, open files and
/// otherwise the same environment, plus `PERIGATE_MALLOC_TUNING=applied`, which stops a second
/// round whatever glibc did with the setting) — unless:
/// - `GLIBC_TUNABLES` sets `glibc.malloc.tcache_count` already (the operator's value stands);
/// - `PERIGATE_MALLOC_TUNING` is `off` (or `applied`);
/// - the process runs in secure-execution mode (setuid, file capabilities: glibc drops the
///   setting there), was started through the dynamic loader by hand (`/proc/self/exe` is then the
///   loader), or glibc is older than 2.30 (before it, the count was a byte: 1,000 overflows it);
/// - the binary cannot be executed again (no `/proc`): it runs on with glibc's defaults.
/// The cache holds only blocks a thread freed, at most ``tcacheCount`` of each of its 64 sizes:
/// ~33 MiB per thread if a thread freed that many of every size.
///
/// Called first in `main`, before any `await`: the process has one thread and its own signal mask.
enum AllocatorTuning {
    static let tcacheCount = 1000
    static let setting = "glibc.malloc.tcache_count"
    /// `off`: glibc's defaults; `applied`: set by the second start.
    static let switchName = "PERIGATE_MALLOC_TUNING"

    /// The `GLIBC_TUNABLES` value to start again with, or nil to run on as is.
    static func tunables(environment: [String: String]) -> String? {
        guard !["off", "applied"].contains(environment[switchName]?.lowercased() ?? "") else { return nil }
        let current = environment["GLIBC_TUNABLES"] ?? ""
        let chosen = current.split(separator: ":").contains { entry in
            let value = entry.dropFirst(setting.count + 1)
            return entry.hasPrefix(setting + "=") && !value.isEmpty && value.allSatisfy { ("0"..."9").contains($0) }
        }
        guard !chosen else { return nil }
        return (current.isEmpty ? "" : current + ":") + "\(setting)=\(tcacheCount)"
    }

    /// Whether this process may start itself again: a normal, not secure, start on glibc ≥ 2.30.
    static var canStartAgain: Bool {
        #if canImport(Glibc)
        guard getauxval(UInt(AT_SECURE)) == 0, getauxval(UInt(AT_BASE)) != 0 else { return false }
        let parts = String(cString: gnu_get_libc_version()).split(separator: ".").compactMap { Int($0) }
        return parts.count >= 2 && (parts[0], parts[1]) >= (2, 30)
        #else
        return false
        #endif
    }

    /// Executes this binary again with the setting when ``tunables(environment:)`` and
    /// ``canStartAgain`` say so; returns only when it does not (or the exec failed).
    static func apply() {
        #if canImport(Glibc)
        let environment = ProcessInfo.processInfo.environment
        guard let tunables = tunables(environment: environment), canStartAgain else { return }
        setenv("GLIBC_TUNABLES", tunables, 1)
        setenv(switchName, "applied", 1)
        _ = execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Not executed (no /proc, no permission): on as is, with the environment we got.
        if let previous = environment["GLIBC_TUNABLES"] { setenv("GLIBC_TUNABLES", previous, 1) } else { unsetenv("GLIBC_TUNABLES") }
        if let previous = environment[switchName] { setenv(switchName, previous, 1) } else { unsetenv(switchName) }
        #endif
    }
}
