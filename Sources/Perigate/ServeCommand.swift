import ArgumentParser
import Foundation
import PerigateCore
import PerigateDrivers
import PerigateServer

/// Where the embedded database lives: `--db` > `PERIGATE_DB` > `./perigate.sqlite`.
struct DatabaseOptions: ParsableArguments {
    @Option(name: .customLong("db"), help: "SQLite database file (default: $PERIGATE_DB or ./perigate.sqlite).")
    var path: String?

    var resolved: String { path ?? ProcessInfo.processInfo.environment["PERIGATE_DB"] ?? "perigate.sqlite" }
}

/// `perigate serve`: the gateway over HTTP on the embedded SQLite store.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the gateway: POST /v1/messages, GET /v1/messages/{id}[/raw], /health, /ready.")

    @OptionGroup var schemaOptions: SchemaOptions
    @OptionGroup var database: DatabaseOptions

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (0: any free port).")
    var port = 8080

    func run() async throws {
        let registry = try schemaOptions.loadRegistry()
        let store = try await SQLiteMessageStore.open(path: database.resolved)
        let validator = MessageValidator(registry: registry, parser: SafeXMLParser(maximumBytes: schemaOptions.maximumBytes))
        let server = GatewayServer(ingest: IngestService(validator: validator, store: store), partners: store,
                                   maximumBodyBytes: schemaOptions.maximumBytes)
        let host = self.host
        let app = server.application(host: host, port: port) { port in
            // Written unbuffered: scripts and tests wait for this line (with --port 0 it names the port).
            FileHandle.standardOutput.write(Data("perigate listening on http://\(host):\(port)\n".utf8))
        }
        do {
            try await app.runService()
        } catch {
            try? await store.close()
            throw error
        }
        try await store.close()
    }
}
