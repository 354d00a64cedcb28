import ArgumentParser

/// The `perigate` command: one binary for the gateway and its tools.
@main
struct PerigateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "perigate",
        abstract: "Perigate: data-exchange gateway for Dutch birth care (geboortezorg).",
        subcommands: [ValidateCommand.self, SchemasCommand.self, MapCommand.self, RecordCommand.self, ServeCommand.self,
                      PartnerCommand.self, ClientCredentialCommand.self, SubscriptionCommand.self, DeliveriesCommand.self, OperatorCommand.self,
                      AuditCommand.self, MigrateCommand.self, ExportCommand.self, ImportCommand.self, BenchCommand.self]
    )

    /// First glibc's allocator setting (``AllocatorTuning``: it may start the binary again), then the command.
    static func main() async {
        AllocatorTuning.apply()
        await main(nil)
    }
}
