import PerigateCore
import PerigateDelivery
import PerigateServer
import PerigateXML

// Each component's settings read from the configuration keys it owns (docs/operations.md); the
// defaults are the component's own (`GatewayServer.Configuration`, `DeliveryWorker.Configuration`),
// so none is stated here.

extension GatewayServer.Configuration {
    /// The top-level HTTP keys: `maxBodyBytes`, `requestTimeoutSeconds`, `maxConcurrentRequests`,
    /// `idleTimeoutSeconds`, `partnerCacheMilliseconds`, `maxConcurrentPublicRequests`,
    /// `publicRequestTimeoutSeconds`, `requestHeadTimeoutSeconds`, `maxConnectionsPerSource`.
    init(reading reader: ServeConfiguration.Reader) throws {
        let defaults = Self()
        let cache = defaults.partnerCacheLifetime.components
        self.init(
            maximumBodyBytes: try reader.int("maxBodyBytes", defaults.maximumBodyBytes, in: 1024...(1 << 30)),
            requestTimeout: try reader.duration("requestTimeoutSeconds", defaults.requestTimeout, in: 1...3600),
            maximumConcurrentRequests: try reader.int("maxConcurrentRequests", defaults.maximumConcurrentRequests, in: 1...100_000),
            idleTimeout: try reader.duration("idleTimeoutSeconds", defaults.idleTimeout, in: 1...3600),
            partnerCacheLifetime: .milliseconds(try reader.int("partnerCacheMilliseconds",
                                                               Int(cache.seconds * 1000 + cache.attoseconds / 1_000_000_000_000_000),
                                                               in: 0...60_000)),
            maximumConcurrentPublicRequests: try reader.int("maxConcurrentPublicRequests", defaults.maximumConcurrentPublicRequests,
                                                            in: 1...10_000),
            publicRequestTimeout: try reader.duration("publicRequestTimeoutSeconds", defaults.publicRequestTimeout, in: 1...600),
            requestHeadTimeout: try reader.duration("requestHeadTimeoutSeconds", defaults.requestHeadTimeout, in: 1...600),
            maximumConnectionsPerSource: try reader.int("maxConnectionsPerSource", defaults.maximumConnectionsPerSource, in: 1...100_000))
    }
}

extension DeliveryWorker.Configuration {
    /// The `delivery.*` keys (`reader` scoped to `delivery`): `maxAgeHours`, `disableAfterHours`,
    /// `concurrency`, `timeoutSeconds`, `leaseSeconds`, `allowedNetworks`, `allowInsecure`.
    init(reading reader: ServeConfiguration.Reader) throws {
        let defaults = Self()
        let targets: WebhookTargetPolicy
        do {
            targets = try WebhookTargetPolicy(allowInsecure: (reader.string("allowInsecure") ?? "false") == "true",
                                              allowing: reader.strings("allowedNetworks"))
        } catch {
            throw ServeConfiguration.Invalid(description: "\(reader.prefix)allowedNetworks: \(error)")
        }
        var schedule = defaults.schedule
        schedule.maximumAge = try reader.duration("maxAgeHours", schedule.maximumAge, unit: 3600, in: 1...24 * 90)
        self.init(schedule: schedule,
                  disableAfter: try reader.duration("disableAfterHours", defaults.disableAfter, unit: 3600, in: 1...24 * 90),
                  concurrency: try reader.int("concurrency", defaults.concurrency, in: 1...1000),
                  timeout: try reader.duration("timeoutSeconds", defaults.timeout, in: 1...300),
                  lease: try reader.optionalInt("leaseSeconds", in: 1...3600).map { .seconds($0) }, targets: targets)
    }
}

extension XMLComplexity {
    /// The `xml.*` keys (`reader` scoped to `xml`): `maxAttributesPerElement`, `maxElements`,
    /// `maxDepth`, `maxAttributes`, `maxNamespaceDeclarations`.
    init(reading reader: ServeConfiguration.Reader) throws {
        self.init()
        attributesPerElement = try reader.int("maxAttributesPerElement", attributesPerElement, in: 1...100_000)
        elements = try reader.int("maxElements", elements, in: 1...100_000_000)
        depth = try reader.int("maxDepth", depth, in: 1...256)
        attributes = try reader.int("maxAttributes", attributes, in: 1...100_000_000)
        namespaceDeclarations = try reader.int("maxNamespaceDeclarations", namespaceDeclarations, in: 1...10_000)
    }
}
