import Foundation
import Testing

@Suite("Test harness: child processes")
struct ServeProcessTests {
    @Test("a child that prints no line is killed after the deadline: its start fails instead of hanging the suite")
    func firstLineDeadline() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sleep")
        process.arguments = ["30"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let started = ContinuousClock.now
        let printed = ServeProcess.firstLine(of: process, on: output, within: 1)
        process.waitUntilExit()
        #expect(printed == "")
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL)
        #expect(ContinuousClock.now - started < .seconds(25), "stopped by the deadline, not by sleep's end")
    }

    @Test("the first line of a child that prints one")
    func firstLine() throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "echo 'perigate listening on http://127.0.0.1:1234'; sleep 30"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        defer { kill(process.processIdentifier, SIGKILL) }
        #expect(ServeProcess.firstLine(of: process, on: output, within: 20) == "perigate listening on http://127.0.0.1:1234\n")
    }
}
