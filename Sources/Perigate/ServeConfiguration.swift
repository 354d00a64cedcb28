import Configuration
import Foundation
import Logging
import PerigateCore
import PerigateDelivery
import PerigatePostgres
import PerigateServer
import PerigateXML

/// `perigate serve` settings, resolved as: flag > `PERIGATE_*` environment variable > JSON
/// config file (`--config` / `PERIGATE_CONFIG`) > default. Keys and variables are listed in
/// docs/operations.md; a value of the wrong type is an error naming its key, never a silent default.
struct ServeConfiguration {
    var host: String
    var port: Int
    var database: String
    /// `sqlite` (the file `database`) or `postgres` (`postgresURL`, shared by every node).
    var storage: String
    var postgresURL: String?
    var postgresConnections: Int
    var schemaDirectory: String
    var views: String
    /// The HTTP server (top-level keys).
    var limits: GatewayServer.Configuration
    /// Limits on the shape of a message, checked before parsing (`xml.*`).
    var xmlComplexity: XMLComplexity
    var tlsCertificate: String?
    var tlsKey: String?
    var tlsClientCA: String?
    var logLevel: Logger.Level
    /// `text` or `json`.
    var logFormat: String
    /// The Ed25519 key that signs audit checkpoints (in a key directory of its own), the
    /// gateway's checkpoint file, the witnesses and how often checkpoints are made.
    var audit: AuditPlacement
    /// Audit lines are kept at least this many years (5 or more).
    var auditRetentionYears: Int
    /// Names this gateway in every audit line.
    var auditSource: AuditSource
    /// Webhook delivery.
    var delivery: DeliveryWorker.Configuration
    /// The day relative ADA test dates count from (test environments only).
    var referenceDate: String?
    /// Serve the operator console at `/console`.
    var console: Bool
    /// Recognised national kinds taken without an installed XSD (`ingest.acceptWithoutSchema`;
    /// default none), flagged "not schema-validated".
    var acceptWithoutSchema: [String] = []

    static func onOff(_ value: String, key: String) throws -> Bool {
        switch value {
        case "on", "true": return true
        case "off", "false": return false
        default: throw Invalid(description: "\(key): '\(value)' is not on or off")
        }
    }

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    /// Resolves every setting from `flags` (only the options given on the command line), the
    /// environment and the optional file.
    static func resolve(flags: [String: ConfigValue], configFile: String?,
                        environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> ServeConfiguration {
        var providers: [any ConfigProvider] = [
            InMemoryProvider(name: "flags", values: Dictionary(uniqueKeysWithValues: flags.map { (AbsoluteConfigKey(ConfigKey($0.key)), $0.value) })),
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: ["perigate"]),
        ]
        if let file = configFile ?? environment["PERIGATE_CONFIG"] {
            guard FileManager.default.isReadableFile(atPath: file) else { throw Invalid(description: "config file \(file) is not readable") }
            do {
                providers.append(try await FileProvider<JSONSnapshot>(filePath: .init(file)))
            } catch {
                throw Invalid(description: "config file \(file) is not valid JSON: \(error)")
            }
        }
        let reader = Reader(config: ConfigReader(providers: providers))
        let schemaDirectory = reader.string("schemaDir") ?? SchemaLocation.found()
        let database = reader.string("db") ?? "perigate.sqlite"
        let level = reader.string("logLevel") ?? "info"
        guard let logLevel = Logger.Level(rawValue: level) else {
            throw Invalid(description: "logLevel: '\(level)' is not one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let audit: AuditPlacement
        do {
            audit = try AuditPlacement.resolve(
                database: database, key: reader.string("audit.key"), keyDirectory: reader.string("audit.keyDirectory"),
                checkpoints: reader.string("audit.checkpoints"), witnesses: reader.strings("audit.witnesses"),
                interval: try reader.int("audit.checkpointSeconds", AuditPlacement.defaultInterval, in: 1...86_400),
                lines: try reader.int("audit.checkpointLines", AuditPlacement.defaultLines, in: 1...1_000_000), environment: environment)
        } catch let error as AuditFileError {
            throw Invalid(description: "audit.witnesses: \(error)")
        }
        var configuration = ServeConfiguration(
            host: reader.string("host") ?? "127.0.0.1",
            port: try reader.int("port", 8080, in: 0...65535),
            database: database,
            storage: reader.string("storage") ?? "sqlite",
            postgresURL: reader.string("postgres.url"),
            postgresConnections: try reader.int("postgres.maxConnections", PostgresMessageStore.defaultMaximumConnections, in: 1...500),
            schemaDirectory: schemaDirectory,
            views: reader.string("views") ?? (schemaDirectory as NSString).appendingPathComponent("views.json"),
            limits: try GatewayServer.Configuration(reading: reader),
            xmlComplexity: try XMLComplexity(reading: reader.scoped("xml")),
            tlsCertificate: reader.string("tls.cert"), tlsKey: reader.string("tls.key"), tlsClientCA: reader.string("tls.clientCA"),
            logLevel: logLevel,
            logFormat: reader.string("logFormat") ?? "text",
            audit: audit,
            auditRetentionYears: try reader.int("audit.retentionYears", AuditRetention.minimumYears, in: 0...100),
            auditSource: AuditSource(instance: reader.string("audit.instance") ?? ProcessInfo.processInfo.hostName,
                                     site: reader.string("audit.site") ?? "perigate"),
            delivery: try DeliveryWorker.Configuration(reading: reader.scoped("delivery")),
            referenceDate: reader.string("mapping.referenceDate"),
            console: try Self.onOff(reader.string("console") ?? "on", key: "console"))
        configuration.acceptWithoutSchema = reader.strings("ingest.acceptWithoutSchema")
        if let day = configuration.referenceDate, !NationalDate.isReferenceDay(day) {
            throw Invalid(description: "mapping.referenceDate: '\(day)' is not a calendar date yyyy-mm-dd")
        }
        guard ["text", "json"].contains(configuration.logFormat) else {
            throw Invalid(description: "logFormat: '\(configuration.logFormat)' is not text or json")
        }
        guard ["sqlite", "postgres"].contains(configuration.storage) else {
            throw Invalid(description: "storage: '\(configuration.storage)' is not sqlite or postgres")
        }
        if configuration.storage == "postgres", configuration.postgresURL == nil {
            throw Invalid(description: "storage postgres needs postgres.url (--postgres-url, PERIGATE_POSTGRES_URL)")
        }
        if let problem = AuditRetention.problem(years: configuration.auditRetentionYears) {
            throw Invalid(description: "audit.retentionYears: \(problem)")
        }
        if (configuration.tlsCertificate == nil) != (configuration.tlsKey == nil) {
            throw Invalid(description: "TLS needs both a certificate (tls.cert) and a key (tls.key)")
        }
        if configuration.tlsClientCA != nil, configuration.tlsCertificate == nil {
            throw Invalid(description: "mutual TLS (tls.clientCA) needs tls.cert and tls.key")
        }
        return configuration
    }

    /// Typed reads that refuse values of the wrong type instead of falling back to the default.
    struct Reader {
        var config: ConfigReader
        /// Keys are read below this one (`delivery.` for the delivery worker's keys).
        var prefix = ""

        /// The same reader for the keys below `key` (each component reads its own keys).
        func scoped(_ key: String) -> Reader {
            Reader(config: config, prefix: prefix + key + ".")
        }

        func string(_ key: String) -> String? {
            config.string(forKey: ConfigKey(prefix + key))
        }

        /// A list: a JSON array in the file, comma-separated in a variable or a string.
        func strings(_ key: String) -> [String] {
            if let list = config.stringArray(forKey: ConfigKey(prefix + key)) { return list }
            return string(key)?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } ?? []
        }

        func int(_ key: String, _ fallback: Int, in range: ClosedRange<Int>) throws -> Int {
            try optionalInt(key, in: range) ?? fallback
        }

        /// The same for a setting without a default: `nil` when not set.
        func optionalInt(_ key: String, in range: ClosedRange<Int>) throws -> Int? {
            let name = prefix + key
            let value: Int
            if let number = config.int(forKey: ConfigKey(name)) {
                value = number
            } else if let text = config.string(forKey: ConfigKey(name)) {
                guard let number = Int(text.trimmingCharacters(in: .whitespaces)) else {
                    throw Invalid(description: "\(name): '\(text)' is not a whole number")
                }
                value = number
            } else {
                return nil
            }
            guard range.contains(value) else { throw Invalid(description: "\(name): \(value) is outside \(range.lowerBound)…\(range.upperBound)") }
            return value
        }

        /// Whole seconds (or `unit` seconds) of a duration setting.
        func duration(_ key: String, _ fallback: Duration, unit: Int64 = 1, in range: ClosedRange<Int>) throws -> Duration {
            .seconds(Int64(try int(key, Int(fallback.components.seconds / unit), in: range)) * unit)
        }
    }
}
