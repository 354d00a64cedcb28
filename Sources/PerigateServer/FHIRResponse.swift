import Foundation
import HTTPTypes
import Hummingbird
import PerigateCore
import PerigateFHIR

/// FHIR responses: the format a request asks for, and her record as a Bundle.
enum FHIRResponse {
    /// The FHIR format `Accept` asks for (`application/fhir+json`, `application/fhir+xml`, the
    /// STU3 draft forms), or `nil` when it asks for none (the canonical JSON is sent).
    static func format(accept: String?) -> FHIRFormat? {
        guard let accept else { return nil }
        for item in accept.split(separator: ",") {
            let type = item.split(separator: ";").first?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
            if ["application/fhir+json", "application/json+fhir"].contains(type) { return .json }
            if ["application/fhir+xml", "application/xml+fhir"].contains(type) { return .xml }
        }
        return nil
    }

    /// The base the Bundle's `fullUrl`s are made from: the request's own host.
    static func base(_ request: Request, tls: Bool) -> String {
        let host = request.head.authority ?? "localhost"
        return "\(tls ? "https" : "http")://\(host)/fhir/stu3"
    }

    /// `resources` as a Bundle of `type` (`collection`, `searchset`), made now.
    static func bundle(_ resources: [FHIRResource], type: String, base: String, now: Date, selfLink: String? = nil) -> FHIRResource {
        var bundle = FHIR.Bundle()
        bundle.id = UUID().uuidString.lowercased()
        bundle.meta = FHIR.Meta()
        bundle.meta?.lastUpdated = FHIRInstant(now.formatted(.iso8601))
        bundle.type = FHIRCode(type)
        if type == "searchset" { bundle.total = FHIRUnsignedInt("\(resources.count)") }
        if let selfLink {
            var link = FHIR.Bundle.Link()
            link.relation = "self"
            link.url = FHIRURI(selfLink)
            bundle.link = [link]
        }
        bundle.entry = resources.map { resource in
            var entry = FHIR.Bundle.Entry()
            entry.fullUrl = FHIRURI("\(base)/\(resource.resourceType)/\(resource.id ?? "")")
            entry.resource = resource
            return entry
        }
        return .bundle(bundle)
    }

    static func response(_ resource: FHIRResource, format: FHIRFormat, status: HTTPResponse.Status = .ok) throws -> Response {
        let body = try FHIRCodec.write(resource, format: format)
        return Response(status: status, headers: [.contentType: format.mediaType + "; charset=utf-8", .cacheControl: "private, no-store"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }
}
