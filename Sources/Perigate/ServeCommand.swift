import ArgumentParser
import Crypto
import Configuration
import Foundation
import PerigateConsole
import PerigateCore
import PerigateSQLite
import PerigateDelivery
import PerigateServer
import PerigateXML
import Logging
import ServiceLifecycle
import Synchronization

/// Which store the CLI commands use: the embedded SQLite file (`--db` > `PERIGATE_DB` >
/// `./perigate.sqlite`) or PostgreSQL (`--storage postgres --postgres-url …`, or
/// `PERIGATE_STORAGE` / `PERIGATE_POSTGRES_URL`).
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "SQLite database file (default: $PERIGATE_DB or ./perigate.sqlite).")
    var path: String?
    @Option(help: "sqlite or postgres (default: $PERIGATE_STORAGE or sqlite).")
    var storage: String?
    @Option(name: .customLong("postgres-url"), help: "postgres://user:password@host:port/database (default: $PERIGATE_POSTGRES_URL).")
    var postgresURL: String?

    var resolved: String { path ?? ProcessInfo.processInfo.environment["PERIGATE_DB"] ?? "perigate.sqlite" }

    /// Opens the store, runs `body`, signs a checkpoint of the lines it wrote (the key, checkpoint
    /// file and witnesses from the environment, ``AuditPlacement``) and closes the store whatever
    /// happens (an unclosed SQLiteNIO connection must not be left behind, also when `body` throws).
    func withStore<T>(_ body: (any GatewayStore) async throws -> T) async throws -> T {
        let placement: AuditPlacement
        do { placement = try AuditPlacement.fromEnvironment(database: resolved) } catch let error as AuditFileError {
            throw ValidationError("PERIGATE_AUDIT_WITNESSES: \(error)")
        }
        return try await withStore(checkpoint: placement, body)
    }

    /// As ``withStore(_:)``, signing into `placement` after `body` (`nil`: signs nothing).
    func withStore<T>(checkpoint placement: AuditPlacement?, _ body: (any GatewayStore) async throws -> T) async throws -> T {
        let environment = ProcessInfo.processInfo.environment
        let handle = try await StorageChoice.open(storage: storage ?? environment["PERIGATE_STORAGE"],
                                                  sqlitePath: resolved, postgresURL: postgresURL ?? environment["PERIGATE_POSTGRES_URL"],
                                                  auditSource: SQLiteMessageStore.defaultAuditSource)
        return try await handle.use { store in
            let result = try await body(store)
            if let placement { await placement.checkpointAfterCommand(store: store) }
            return result
        }
    }
}

/// `perigate serve`: the gateway over HTTP(S) on the embedded SQLite store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: messages in, the shared client file out (see docs/http.md).",
        discussion: "Every setting: flag > PERIGATE_* environment variable > --config JSON file > default (docs/operations.md).")

    @Option(help: "JSON config file (default: $PERIGATE_CONFIG).")
    var config: String?
    @Option(help: "Address to listen on (default 127.0.0.1).")
    var host: String?
    @Option(help: "Port to listen on; 0 picks a free port (default 8080).")
    var port: Int?
    @Option(name: .customLong("db"), help: "SQLite database file (default ./perigate.sqlite).")
    var database: String?
    @Option(name: .customLong("schema-dir"), help: "Perigate's schema directory with catalog.json (default: ./Schemas, Schemas beside or above the executable, or an installed share directory).")
    var schemaDirectory: String?
    @Option(name: .customLong("schemas"), help: "Extra catalog: DIR or CATALOG.json=DIR. Repeatable; also $PERIGATE_SCHEMAS.")
    var extra: [String] = []
    @Option(help: "View policy file (default: views.json in the schema directory).")
    var views: String?
    @Option(name: .customLong("max-bytes"), help: "Largest accepted message body in bytes (default \(GatewayServer.Configuration().maximumBodyBytes)).")
    var maximumBytes: Int?
    @Option(name: .customLong("request-timeout"), help: "Seconds one request may take (default \(GatewayServer.Configuration().requestTimeout.components.seconds)).")
    var requestTimeout: Int?
    @Option(name: .customLong("max-concurrent-requests"), help: "Requests handled at once; more get 503 (default \(GatewayServer.Configuration().maximumConcurrentRequests)).")
    var maximumConcurrentRequests: Int?
    @Option(name: .customLong("tls-cert"), help: "Server certificate chain (PEM): serve HTTPS.")
    var tlsCertificate: String?
    @Option(name: .customLong("tls-key"), help: "Server private key (PEM).")
    var tlsKey: String?
    @Option(name: .customLong("tls-client-ca"), help: "CA of partners' client certificates (PEM): require mutual TLS.")
    var tlsClientCA: String?
    @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical (default info).")
    var logLevel: String?
    @Option(name: .customLong("log-format"), help: "text (default) or json: one JSON object per line on standard error.")
    var logFormat: String?
    @Option(name: .customLong("reference-date"), help: "Day (yyyy-mm-dd) relative ADA test dates count from; test environments only (default: none).")
    var referenceDate: String?
    @Option(help: "on (default) or off: the operator console at /console.")
    var console: String?
    @Option(help: "sqlite (default) or postgres: one database shared by several serve processes.")
    var storage: String?
    @Option(name: .customLong("postgres-url"), help: "postgres://user:password@host:port/database (with --storage postgres).")
    var postgresURL: String?

    /// A configuration/security event line: the gateway started or stopped logging.
    static func lifecycleLine(_ event: String) -> AuditEntry {
        AuditEntry(time: Date().formatted(.iso8601), actor: "system:perigate", event: event, action: "E",
                   object: "gateway:\(ProcessInfo.processInfo.hostName)", outcome: "success")
    }

    /// The options given on the command line, as configuration keys.
    var flags: [String: ConfigValue] {
        var values: [String: ConfigValue] = [:]
        func set(_ key: String, _ value: String?) { if let value { values[key] = ConfigValue(.string(value), isSecret: false) } }
        func set(_ key: String, _ value: Int?) { if let value { values[key] = ConfigValue(.int(value), isSecret: false) } }
        set("host", host); set("port", port); set("db", database); set("schemaDir", schemaDirectory); set("views", views)
        set("maxBodyBytes", maximumBytes); set("requestTimeoutSeconds", requestTimeout)
        set("maxConcurrentRequests", maximumConcurrentRequests); set("tls.cert", tlsCertificate); set("tls.key", tlsKey)
        set("tls.clientCA", tlsClientCA); set("logLevel", logLevel); set("logFormat", logFormat); set("mapping.referenceDate", referenceDate)
        set("storage", storage); set("postgres.url", postgresURL); set("console", console)
        return values
    }

    func run() async throws {
        let settings: ServeConfiguration
        do {
            settings = try await ServeConfiguration.resolve(flags: flags, configFile: config)
        } catch let error as ServeConfiguration.Invalid {
            throw ValidationError(error.description)
        }
        // Process logs go to standard error; standard output carries only the "listening" line.
        if settings.logFormat == "json" {
            LoggingSystem.bootstrap { JSONLogHandler(label: $0) }
        } else {
            LoggingSystem.bootstrap(StreamLogHandler.standardError)
        }
        var logger = Logger(label: "perigate")
        logger.logLevel = settings.logLevel
        let registry = try SchemaOptions.loadRegistry(ownDirectory: settings.schemaDirectory, extra: extra)
        // Checked before anything is opened: a typo stops the start cleanly.
        let unvalidatedKinds = try Self.unvalidatedKinds(settings.acceptWithoutSchema, registry: registry)
        let policy: ViewPolicy
        do { policy = try ViewPolicy.load(settings.views) } catch let error as CatalogError {
            throw ValidationError("cannot load the view policy: \(error)")
        }
        let tls: GatewayTLS?
        do {
            tls = try settings.tlsCertificate.map {
                try GatewayTLS(certificatePath: $0, keyPath: settings.tlsKey ?? "", clientCAPath: settings.tlsClientCA)
            }
        } catch let error as TLSFileError {
            throw ValidationError("cannot set up TLS: \(error)")
        }
        let auditKey: Curve25519.Signing.PrivateKey
        do { auditKey = try AuditSigningKey.loadOrCreate(path: settings.audit.key) } catch let error as AuditFileError {
            throw ValidationError("cannot use the audit signing key: \(error)")
        }
        if settings.storage == "sqlite", AuditPlacement.keyIsInDataDirectory(key: settings.audit.key, database: settings.database) {
            logger.critical("""
                THE AUDIT SIGNING KEY LIES IN THE DATA DIRECTORY: \(settings.audit.key) is beside \(settings.database). Whoever has \
                the data directory (an insider, a backup) can re-sign a shortened access log. Move the key to a directory of its \
                own (audit.keyDirectory) and give auditors its public half (perigate audit public-key); docs/audit.md.
                """)
        }
        if !settings.audit.witnesses.contains(where: { if case .file(let path) = $0 { return !AuditPlacement.keyIsInDataDirectory(key: path, database: settings.database) } else { return true } }) {
            logger.warning("""
                no audit witness outside the data directory (audit.witnesses): checkpoints go only to \(settings.audit.checkpoints). \
                Someone with the data directory can cut the access log's tail and its checkpoints undetected; configure a witness \
                on another machine or volume (docs/audit.md "Setting up a witness").
                """)
        }
        let handle = try await StorageChoice.open(storage: settings.storage, sqlitePath: settings.database, postgresURL: settings.postgresURL,
                                                  auditSource: settings.auditSource, postgresConnections: settings.postgresConnections)
        let store = handle.store
        var parser = SafeXMLParser(maximumBytes: settings.limits.maximumBodyBytes)
        parser.complexity = settings.xmlComplexity
        var validator = MessageValidator(registry: registry, parser: parser)
        validator.referenceDate = settings.referenceDate
        let planner = DeliveryPlanner(partners: store, forwarding: store, store: store, views: policy, validator: validator,
                                      lifetime: settings.limits.partnerCacheLifetime)
        let metrics = GatewayMetrics()
        handle.serializedSection?.observe { [metrics] held, waited, lines in metrics.serializedSection(held: held, waited: waited, lines: lines) }
        // Ingest and the client file go through a store that reports its latency (metrics).
        let observed = ObservedMessageStore(store) { [metrics] operation, duration in metrics.store(operation: operation, duration: duration) }
        var clientFile = ClientFileService(store: observed, views: policy, validator: validator, partners: store)
        clientFile.careTeamInbox = store
        var ingest = IngestService(validator: validator, store: observed, planner: planner)
        ingest.acceptWithoutSchema = unvalidatedKinds
        var server = GatewayServer(ingest: ingest,
                                   clientFile: clientFile, partners: store,
                                   clientCredentials: store, forwarding: GatewayForwarding(store: store, planner: planner,
                                                                                   targets: settings.delivery.targets, operators: store),
                                   limits: settings.limits, metrics: metrics, tls: tls, logger: logger)
        server.openAPIDocument = SchemaLocation.openAPIDocument(schemaDirectory: settings.schemaDirectory)
        let placement = settings.audit
        let checkpointer = AuditCheckpointer(store: store, signer: AuditSigner(auditKey), local: AuditCheckpointFile(path: placement.checkpoints),
                                             witnesses: placement.witnessList())
        if let signedBy = await checkpointer.lastCheckpoint()?.publicKey, signedBy != AuditSigner(auditKey).publicKey {
            logger.critical("""
                the checkpoints in \(placement.checkpoints) were signed by key \(AuditSigner.fingerprint(signedBy)), this gateway's key \
                \(settings.audit.key) is \(AuditSigner.fingerprint(AuditSigner(auditKey).publicKey)): the wrong key directory, or the key \
                was replaced — audit verify will fail with audit.checkpoint-other-key
                """)
        }
        if settings.console {
            var console = try await Self.closingOnError(store) {
                try OperatorConsole(store: store, secureCookie: tls != nil, refusals: server.refusals, kinds: registry.kinds, now: server.now)
            }
            console.verifyAudit = {
                try await store.verifyAudit(evidence: try await placement.evidence(publicKeys: []))
            }
            server.routeExtensions.append { [console] router in console.addRoutes(to: router) }
        }
        let host = settings.host
        let scheme = tls == nil ? "http" : "https"
        // What is installed and what is missing: one table on standard error (text logs), one
        // event per kind and version (JSON logs); each missing XSD also as a warning.
        if settings.logFormat == "json" {
            for row in SchemasCommand.rows(registry) {
                logger.info("schema", metadata: ["catalog": "\(row.catalog)", "kind": "\(row.kind)", "version": "\(row.version)",
                                                 "xsd": "\(row.installation)", "file": "\(row.schema ?? "")"])
            }
        } else {
            FileHandle.standardError.write(Data("perigate schemas:\n\(SchemasCommand.table(registry))\n".utf8))
        }
        let waiver = SchemaWaiver.listed(unvalidatedKinds)
        for type in registry.messageTypes {
            if waiver.covers(type) {
                logger.warning("taken without schema validation (ingest.acceptWithoutSchema): flagged not schema-validated",
                               metadata: ["kind": "\(type.kind)", "version": "\(type.version)"])
            } else if case .notInstalled = type.installation {
                logger.warning("schema not installed: its messages are refused as schema-required",
                               metadata: ["kind": "\(type.kind)", "version": "\(type.version)", "file": "\(type.entry.schema?.paths.first ?? "")"])
            }
        }
        logger.info("starting", metadata: ["schemas": "\(registry.messageTypes.count)", "tls": "\(tls != nil)",
                                           "mutualTLS": "\(tls?.requiresClientCertificate ?? false)"])
        let workerHealth = HealthCheck()
        server.readinessChecks.append { workerHealth.problem() }
        // Committed audit lines must reach the chain (PostgreSQL seals them after the commit): a
        // round that fails, or a row no round takes, makes the gateway not ready and shows in /metrics.
        let now = server.now, checkpointInterval = placement.checkpointInterval
        server.readinessChecks.append { [store] in await store.auditSealingProblem(now: now(), checkpointInterval: checkpointInterval) }
        server.scrapeUpdates.append { [store, metrics] in
            if let unsealed = try? await store.unsealedAudit() { metrics.unsealedAudit(unsealed, now: now()) }
        }
        let app = try await Self.closingOnError(store) { [server] in
            try server.application(host: host, port: settings.port) { port in
                // Written unbuffered: scripts and tests wait for this line (with --port 0 it names the port).
                FileHandle.standardOutput.write(Data("perigate listening on \(scheme)://\(host):\(port)\n".utf8))
            }
        }
        let deliveries = DeliveryWorker(store: store, partners: store, views: policy, validator: validator,
                                        settings: settings.delivery, logger: logger, onAttempt: { [metrics] subscription, outcome, duration in
                                            metrics.deliveryAttempt(subscription: subscription, outcome: outcome, duration: duration)
                                        })
        workerHealth.set { deliveries.health() }
        var start = Self.lifecycleLine("gateway.start")
        // Configuration that decides who sees what: the view policy's digest and the message types.
        start.detail = "views sha256:\(Hex.encode(SHA256.hash(data: FileManager.default.contents(atPath: settings.views) ?? Data())).prefix(16)), "
            + "\(registry.messageTypes.count) message types, tls \(tls != nil), mutual tls \(tls?.requiresClientCertificate ?? false)"
            + (unvalidatedKinds.isEmpty ? "" : ", accepted without schema: \(unvalidatedKinds.sorted().joined(separator: ", "))")
        let checkpoints = AuditCheckpointService(checkpointer: checkpointer, interval: placement.checkpointInterval,
                                                 lines: placement.checkpointLines, logger: logger)
        let gateway = ServiceGroup(configuration: .init(
            services: [.init(service: checkpoints), .init(service: RefusalFlushService(server: server, logger: logger)),
                       .init(service: deliveries), .init(service: app)], logger: logger))
        let lifetime = GatewayLifetime(group: gateway, prepare: { [start, validator, logger] in
            try await handle.prepare()
            // Clients stored before records were (migration 14 / 9) get theirs before the first request.
            let built = try await ClientRecords(store: store, validator: validator, partners: store).fillMissing()
            if built > 0 { logger.info("client records built from stored messages", metadata: ["clients": "\(built)"]) }
            try await store.appendAudit([start])
            await checkpoints.round()
        }, finish: {
            try await store.appendAudit([Self.lifecycleLine("gateway.stop")])
            await checkpoints.round()
        })
        // Started in this order and stopped in reverse on SIGTERM/SIGINT: the HTTP server stops
        // accepting and finishes open requests, deliveries finish, the audit head is signed, then
        // the webhook client, the database pool and the store are closed.
        let services = ServiceGroup(configuration: .init(
            services: ([StoreClosingService(store: store)] + handle.services + [WebhookClientsService(worker: deliveries), lifetime]).map { .init(service: $0) },
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await services.run()
        logger.info("stopped")
    }
}

/// Runs the gateway's own services once the store is prepared, and writes the closing audit
/// lines after they have stopped (while the store and its pool still run).
struct GatewayLifetime: Service {
    let group: ServiceGroup
    let prepare: @Sendable () async throws -> Void
    let finish: @Sendable () async throws -> Void

    func run() async throws {
        try await prepare()
        try await group.run()
        try await finish()
    }
}

/// The webhook clients, shut down when the service group stops (after the delivery worker).
struct WebhookClientsService: Service {
    let worker: DeliveryWorker

    func run() async throws {
        try? await gracefulShutdown()
        try await worker.shutdown()
    }
}

/// A readiness check filled in once its subject exists (the delivery worker is made after the
/// HTTP application, whose routes already hold the check).
final class HealthCheck: Sendable {
    private let check = Mutex<(@Sendable () -> String?)?>(nil)

    func set(_ body: @escaping @Sendable () -> String?) { check.withLock { $0 = body } }

    func problem() -> String? { check.withLock { $0 }?() }
}

extension ServeCommand {
    /// Runs a start-up step after the store is open: on an error the store is closed before the
    /// error stops the start (an open SQLite connection may not simply be dropped).
    static func closingOnError<T>(_ store: any GatewayStore, _ step: () throws -> T) async throws -> T {
        do {
            return try step()
        } catch {
            try? await store.close()
            throw error
        }
    }

    /// `ingest.acceptWithoutSchema`, checked: every entry (`kind` or `kind version`) a national
    /// kind of the catalogs (Perigate's own kinds always have their XSD). A typo is a start-up
    /// error, not a silent no-op.
    static func unvalidatedKinds(_ kinds: [String], registry: SchemaRegistry) throws -> Set<String> {
        for entry in kinds {
            let parts = entry.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            let kind = parts.first ?? ""
            let types = registry.messageTypes.filter { $0.kind == kind && (parts.count < 2 || $0.version == parts[1]) }
            guard parts.count <= 2, !types.isEmpty else {
                throw ValidationError("ingest.acceptWithoutSchema: '\(entry)' is not a kind (or kind and version) in the loaded catalogs (known kinds: \(registry.kinds.joined(separator: ", ")))")
            }
            guard !types.contains(where: \.isPerigateKind) else {
                throw ValidationError("ingest.acceptWithoutSchema: '\(entry)' is one of Perigate's own kinds, which are always schema-validated")
            }
        }
        return Set(kinds.map { $0.split(separator: " ").joined(separator: " ") })
    }
}
