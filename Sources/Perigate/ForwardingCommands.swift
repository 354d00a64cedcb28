import ArgumentParser
import Foundation
import PerigateCore
import PerigateSQLite

/// `perigate subscription …`: webhook subscriptions, for operators (partners use the API).
struct SubscriptionCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subscription", abstract: "Webhook subscriptions of partners.", subcommands: [Add.self, List.self, Remove.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Add a subscription and print its signing secret (shown once).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The partner's id (perigate partner list).") var partner: String
        @Option(help: "Endpoint URL: https to a public address (internal ones need --allow-network, plain http --allow-insecure).")
        var url: String
        @Option(help: "Message kinds, comma-separated (kind or kind@version); default every kind.") var kinds: String?
        @Option(help: "xml (the original message) or canonical (the record view as JSON).") var format = "xml"
        @Flag(name: .customLong("allow-insecure"), help: "Allow plain http (closed networks, tests; serve needs delivery.allowInsecure too).")
        var allowInsecure = false
        @Option(name: .customLong("allow-network"),
                help: "Open an internal CIDR range, address or host name (repeatable; serve needs the same in delivery.allowedNetworks).")
        var allowNetwork: [String] = []

        func validate() throws {
            guard Subscription.formats.contains(format) else { throw ValidationError("--format must be xml or canonical") }
        }

        /// The same decision as the API's and the delivery worker's (``WebhookTargetPolicy``).
        func checkURL() async throws {
            let policy: WebhookTargetPolicy
            do { policy = try WebhookTargetPolicy(allowInsecure: allowInsecure, allowing: allowNetwork) } catch {
                throw ValidationError("--allow-network: \(error)")
            }
            if case .failure(let refusal) = await policy.check(url: url, resolve: WebhookTargetPolicy.systemResolver) {
                let hint = [.address: " (open it with --allow-network)", .insecure: " (allow it with --allow-insecure)"][refusal.code] ?? ""
                throw ValidationError("--url: \(refusal)\(hint)")
            }
        }

        func run() async throws {
            try await checkURL()
            let subscription = Subscription(id: UUID().uuidString.lowercased(), partnerId: partner, url: url,
                                            kinds: kinds.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? [],
                                            format: format, secret: WebhookSignature.newSecret(), createdAt: Date().formatted(.iso8601))
            try await database.withStore { store in
                guard try await store.partners().contains(where: { $0.id == partner && !$0.revoked }) else {
                    throw ValidationError("no active partner \(partner)")
                }
                try await store.addSubscription(subscription, audit: PartnerCommand.audit("subscription.add", "subscription:\(subscription.id)"))
            }
            print("subscription \(subscription.id) added for partner \(partner)")
            print("signing secret (shown once, give it to the receiver): \(subscription.secret)")
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List subscriptions (without secrets).")
        @OptionGroup var database: DatabaseOptions

        func run() async throws {
            let subscriptions = try await database.withStore { try await $0.subscriptions() }
            print(TextTable.render([["ID", "PARTNER", "URL", "KINDS", "FORMAT", "STATUS"]] + subscriptions.map {
                [$0.id, $0.partnerId, $0.url, $0.kinds.isEmpty ? "all" : $0.kinds.joined(separator: ","), $0.format,
                 $0.active ? "active" : "disabled: \($0.disabledReason ?? "by the partner")"]
            }))
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove a subscription.")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String

        func run() async throws {
            let removed = try await database.withStore { store in
                guard let owner = try await store.subscriptions().first(where: { $0.id == id })?.partnerId else { return false }
                return try await store.deleteSubscription(id: id, partnerId: owner, audit: PartnerCommand.audit("subscription.delete", "subscription:\(id)"))
            }
            guard removed else { throw ValidationError("no subscription \(id)") }
            print("subscription \(id) removed")
        }
    }
}

/// `perigate deliveries …`: the outbox — list, retry a dead letter, replay a period.
struct DeliveriesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "The outbox: list deliveries, retry dead letters, replay.", subcommands: [List.self, Retry.self, Replay.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List deliveries with their attempts.")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "pending, sent, acked, dead or cancelled.") var status: String?

        func run() async throws {
            var rows: [[String]] = [["ID", "MESSAGE", "TO", "VIA", "STATUS", "ATTEMPTS", "NEXT", "LAST ERROR"]]
            for delivery in try await database.withStore({ try await $0.deliveries(status: status) }) {
                rows.append([delivery.id, delivery.messageId, "ura:\(delivery.partnerURA)", delivery.subscriptionId.map { "webhook \($0)" } ?? "inbox",
                             delivery.status, String(delivery.attempts), delivery.status == "pending" ? delivery.nextAttemptAt : "-",
                             delivery.lastError ?? "-"])
            }
            print(TextTable.render(rows))
        }
    }

    struct Retry: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Try a delivery again now (same webhook-id; re-checked before sending).")
        @OptionGroup var database: DatabaseOptions
        @Argument var id: String

        func run() async throws {
            let found = try await database.withStore {
                try await $0.retryDelivery(id: id, audit: PartnerCommand.audit("delivery.retry", "delivery:\(id)"))
            }
            guard found else { throw ValidationError("no delivery \(id)") }
            print("delivery \(id) queued again")
        }
    }

    struct Replay: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Send a subscription's sent and dead deliveries since a time again (same ids).")
        @OptionGroup var database: DatabaseOptions
        @Option(help: "The subscription id.") var subscription: String
        @Option(help: "Deliveries created at or after this UTC time (ISO 8601).") var since: String

        func run() async throws {
            let count = try await database.withStore {
                try await $0.replayDeliveries(subscription: subscription, since: since,
                                              audit: PartnerCommand.audit("delivery.replay", "subscription:\(subscription)"))
            }
            print("\(count) deliveries of subscription \(subscription) since \(since) queued again")
        }
    }
}
