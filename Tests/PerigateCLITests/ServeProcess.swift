import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A real `perigate serve` process on a fresh database with one partner (the midwife practice of
/// the samples, URA 01234567), listening on a free port.
struct ServeProcess {
    var process: Process
    var port: Int
    /// The midwife practice's token.
    var token: String
    var database: String

    /// Starts it; `standardError` receives the process log (default: discarded).
    static func start(extraArguments: [String] = [], standardError: FileHandle = FileHandle.nullDevice,
                      environment: [String: String] = [:], prepare: (String) throws -> Void = { _ in }) throws -> ServeProcess {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("perigate-serve-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let db = directory.appendingPathComponent("gateway.sqlite").path
        let added = try CLITests.run(["partner", "add", "--db", db, "--name", "Verloskundigenpraktijk De Linde",
                                      "--type", "verloskundigenpraktijk", "--ura", "01234567"])
        #expect(added.status == 0)
        let token = try #require(added.output.split(separator: "\n").last?.split(separator: " ").last.map(String.init))
        try prepare(db)
        return try launch(database: db, token: token, extraArguments: extraArguments, standardError: standardError, environment: environment)
    }

    /// A new process on the same database (after this one stopped or was killed).
    func restarted(extraArguments: [String] = []) throws -> ServeProcess {
        try Self.launch(database: database, token: token, extraArguments: extraArguments, standardError: FileHandle.nullDevice)
    }

    /// Test receivers listen on http://127.0.0.1:<port>: every test gateway opens plain http and
    /// loopback explicitly, as an operator would (the defaults refuse both).
    static let loopbackReceivers = ["PERIGATE_DELIVERY_ALLOW_INSECURE": "true", "PERIGATE_DELIVERY_ALLOWED_NETWORKS": "127.0.0.0/8"]

    /// A process on `db` (for PostgreSQL nodes: the base of its key and checkpoint files) with
    /// the given partner token, extra arguments and environment (over ``loopbackReceivers``).
    static func launch(database db: String, token: String, extraArguments: [String], standardError: FileHandle,
                       environment: [String: String] = [:]) throws -> ServeProcess {
        let server = Process()
        server.environment = ProcessInfo.processInfo.environment.merging(Self.loopbackReceivers.merging(environment) { _, new in new }) { _, new in new }
        server.executableURL = URL(fileURLWithPath: CLITests.binary)
        server.arguments = ["serve", "--db", db, "--port", "0"] + extraArguments
        server.currentDirectoryURL = CLITests.root
        let output = Pipe()
        server.standardOutput = output
        server.standardError = standardError
        try server.run()
        // The server prints "perigate listening on http://127.0.0.1:PORT" once it listens.
        let printed = firstLine(of: server, on: output)
        guard let port = printed.split(separator: ":").last.flatMap({ Int($0.prefix { $0.isNumber }) }) else {
            if server.isRunning { kill(server.processIdentifier, SIGKILL) }
            throw ServeFailed(output: printed)
        }
        return ServeProcess(process: server, port: port, token: token, database: db)
    }

    /// What `process` prints on `pipe` up to its first newline, or until it ends. A process that
    /// has printed no line after `seconds` is killed (SIGKILL), so a start that hangs fails its
    /// test instead of hanging the suite.
    static func firstLine(of process: Process, on pipe: Pipe, within seconds: Int = 60) -> String {
        let watchdog = DispatchWorkItem { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .seconds(seconds), execute: watchdog)
        defer { watchdog.cancel() }
        var printed = ""
        while !printed.contains("\n") {
            let data = pipe.fileHandleForReading.availableData
            if data.isEmpty { break }  // the end of its output: it stopped, or was stopped
            printed += String(decoding: data, as: UTF8.self)
        }
        return printed
    }

    struct ServeFailed: Error {
        var output: String
    }

    /// A request to `path` as the midwife practice, with the end-user headers.
    func request(_ method: String, _ path: String, body: Data? = nil) -> URLRequest {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)/\(path)")!)
        request.httpMethod = method
        for (name, value) in ["Authorization": "Bearer \(token)", "Perigate-User": "uzi:900012345", "Perigate-User-Name": "A. de Vries",
                              "Perigate-User-Role": "verloskundige", "Content-Type": "application/xml"] {
            request.setValue(value, forHTTPHeaderField: name)
        }
        request.httpBody = body
        return request
    }

    /// SIGKILL if it still runs (for `defer`).
    func killIfRunning() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}
