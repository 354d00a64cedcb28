import Foundation

/// Where Perigate's own schema directory (`catalog.json` and the XSDs) is when neither
/// `--schema-dir` nor `PERIGATE_SCHEMA_DIR` says: `./Schemas`; a `Schemas` directory beside the
/// executable or up to four directories above it (a source checkout's `.build/…/perigate`, an
/// unpacked release `bin/../Schemas`); then the installed share directories. One rule for
/// `serve` and every command.
enum SchemaLocation {
    static let installed = ["/usr/local/share/perigate/Schemas", "/usr/share/perigate/Schemas", "/opt/perigate/Schemas"]

    /// The first candidate that holds a `catalog.json`; `Schemas` (relative, as before) when none does.
    static func found(executable: String = executablePath(), fileExists: (String) -> Bool = { FileManager.default.fileExists(atPath: $0) }) -> String {
        candidates(executable: executable).first { fileExists(($0 as NSString).appendingPathComponent("catalog.json")) } ?? "Schemas"
    }

    static func candidates(executable: String) -> [String] {
        var result = ["Schemas"]
        var directory = URL(fileURLWithPath: executable).deletingLastPathComponent()
        for _ in 0..<5 {
            result.append(directory.appendingPathComponent("Schemas").path)
            result.append(directory.appendingPathComponent("share/perigate/Schemas").path)
            directory = directory.deletingLastPathComponent()
        }
        return result + installed
    }

    /// The OpenAPI document of `/v1` (`openapi.json`): from the schema directory in use, else from
    /// the one Perigate ships with (an operator's own schema directory need not copy it).
    static func openAPIDocument(schemaDirectory: String) -> Data? {
        [schemaDirectory, found()].lazy.compactMap { FileManager.default.contents(atPath: ($0 as NSString).appendingPathComponent("openapi.json")) }.first
    }

    /// This process's executable, symlinks resolved (Linux: /proc/self/exe).
    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().path
    }
}
