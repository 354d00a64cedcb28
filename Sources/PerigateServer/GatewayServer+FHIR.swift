import Foundation
import HTTPTypes
import Hummingbird
import PerigateCore
import PerigateFHIR

/// The FHIR STU3 API at `/fhir/stu3` for a woman's own app (PGO) with her client-portal token:
/// `metadata`, reads and the searches of the MedMij XIS-Server TestScripts over her own file
/// (``FHIRSearch``), `searchset` Bundles in JSON or XML (`Accept`, `_format`), OperationOutcome
/// for every error. Every read and search is a `record.read` line in her log with the query.
extension GatewayServer {
    func addFHIRRoutes(to router: Router<GatewayContext>) {
        router.get("fhir/stu3/metadata") { request, _ in
            try FHIRResponse.response(Self.capabilityStatement(now: clientFile.now()), format: (try? Self.fhirFormat(request)) ?? .json)
        }
        router.get("fhir/stu3/:type") { request, context in try await fhirSearch(request, context, id: nil) }
        router.get("fhir/stu3/:type/:id") { request, context in try await fhirSearch(request, context, id: context.parameters.get("id")) }
    }

    /// The format asked for: `_format` (`json`, `xml` or a FHIR media type), else `Accept`, else JSON.
    static func fhirFormat(_ request: Request) throws(Problem) -> FHIRFormat {
        let values = request.uri.queryParameters.getAll("_format")
        guard values.count <= 1 else { throw Problem(.requestInvalidQuery, detail: "give _format at most once") }
        if let value = values.first {
            guard let format = FHIRFormat(mediaType: String(value)) else {
                throw Problem(.requestInvalidQuery, detail: "_format must be json, xml, application/fhir+json or application/fhir+xml")
            }
            return format
        }
        return FHIRResponse.format(accept: request.headers[.accept]) ?? .json
    }

    private func fhirSearch(_ request: Request, _ context: GatewayContext, id: String?) async throws -> Response {
        let format: FHIRFormat
        do { format = try Self.fhirFormat(request) } catch { return try Self.outcome(error, format: .json) }
        let type = context.parameters.get("type") ?? ""
        guard request.headers[.authorization]?.hasPrefix("Bearer " + ClientCredential.tokenPrefix) == true else {
            let problem = request.headers[.authorization] == nil
                ? Problem(.authTokenMissing, detail: "send her client-portal token: Authorization: Bearer pgc_…")
                : Problem(.authClientCredential, detail: "the FHIR API serves a woman's own app (her client-portal token); partners read her file as FHIR at GET /v1/clients/{bsn}/record")
            _ = try await refused(problem, request, context)
            return try Self.outcome(problem, format: format)
        }
        let credential: ClientCredential
        switch try await authenticateForAccessLog(request, context) {
        case .success(.client(let found, _, _)): credential = found
        case .success: return try Self.outcome(Problem(.authClientCredential, detail: "a client-portal token is needed"), format: format)
        case .failure(let problem):
            _ = try await refused(problem, request, context)
            return try Self.outcome(problem, format: format)
        }
        let query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        let described = "GET \(type)\(id.map { "/" + $0 } ?? "")" + (query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
        guard let bsn = BSN(credential.bsn) else { return try Self.outcome(Problem(.authTokenInvalid, detail: "the credential names no valid BSN"), format: format) }
        let traceId = Authenticated.traceId(fromTraceparent: request.headers[Self.traceparentHeader]) ?? context.id
        switch try await clientFile.readOwn(bsn: bsn, credential: credential, accessPoint: context.clientAddress, traceId: traceId, query: described, history: false) {
        case .refused(let refusal):
            return try Self.outcome(Problem(refusal: refusal), format: format)
        case .record(let document, _):
            let resources = FHIRRecordWriter(includeBSN: false).resources(document.record)
            let base = FHIRResponse.base(request, tls: tls != nil)
            if let id {
                guard let found = resources.first(where: { $0.resourceType == type && $0.id == id }) else {
                    return try Self.outcome(Problem(.routeNotFound, detail: "no \(type)/\(id) in her file"), format: format, code: "not-found")
                }
                return try FHIRResponse.response(found, format: format)
            }
            do {
                let (matches, included) = try FHIRSearch.run(type, query: query, in: resources)
                let selfLink = base + "/" + type + (query.isEmpty ? "" : "?" + query.map { "\($0.0)=\($0.1)" }.joined(separator: "&"))
                return try FHIRResponse.response(FHIRResponse.searchset(matches: matches, included: included, base: base, now: clientFile.now(),
                                                                        selfLink: selfLink), format: format)
            } catch let failure as FHIRSearch.Failure {
                return try Self.outcome(Problem(.requestInvalidQuery, detail: failure.message), format: format, code: "not-supported")
            }
        }
    }

    /// A problem as a FHIR OperationOutcome with the problem's status.
    static func outcome(_ problem: Problem, format: FHIRFormat, code: String? = nil) throws -> Response {
        var outcome = FHIR.OperationOutcome()
        var issue = FHIR.OperationOutcome.Issue()
        issue.severity = "error"
        issue.code = FHIRCode(code ?? (problem.status == .unauthorized ? "login" : problem.status == .forbidden ? "forbidden" : "invalid"))
        issue.details = FHIR.CodeableConcept(coding: [FHIR.Coding(system: "urn:perigate:problem", code: problem.code)], text: problem.detail)
        issue.diagnostics = FHIRString(problem.detail)
        outcome.issue = [issue]
        return try FHIRResponse.response(.operationOutcome(outcome), format: format, status: problem.status)
    }

    /// What the FHIR API does, for `metadata`.
    static func capabilityStatement(now: Date) -> FHIRResource {
        var statement = FHIR.CapabilityStatement()
        statement.status = "active"
        statement.date = FHIRDateTime(now.formatted(.iso8601))
        statement.publisher = "Perigate"
        statement.kind = "instance"
        var software = FHIR.CapabilityStatement.Software()
        software.name = "Perigate"
        statement.software = software
        statement.fhirVersion = "3.0.2"
        statement.acceptUnknown = "no"
        statement.format = ["json", "xml"]
        var rest = FHIR.CapabilityStatement.Rest()
        rest.mode = "server"
        rest.documentation = "A woman's own file (her client-portal token, Wabvpz art. 15d): reads and searches of her compartment. Partners read her file as a FHIR Bundle at GET /v1/clients/{bsn}/record."
        rest.resource = FHIRSearch.types.map { type in
            var resource = FHIR.CapabilityStatement.Rest.Resource()
            resource.type = FHIRCode(type)
            resource.interaction = ["read", "search-type"].map { code in
                var interaction = FHIR.CapabilityStatement.Rest.Resource.Interaction()
                interaction.code = FHIRCode(code)
                return interaction
            }
            let includes = FHIRSearch.includes.filter { $0.value.0 == type }.map(\.key).sorted()
            resource.searchInclude = includes.isEmpty ? nil : includes.map { FHIRString($0) }
            let names = FHIRSearch.parameterNames(of: type)
            resource.searchParam = names.isEmpty ? nil : names.map { name in
                var parameter = FHIR.CapabilityStatement.Rest.Resource.SearchParam()
                parameter.name = FHIRString(name)
                parameter.type = FHIRCode(name == "type" || name == "status" ? "token" : "reference")
                return parameter
            }
            return resource
        }
        statement.rest = [rest]
        return .capabilityStatement(statement)
    }
}

extension FHIRResponse {
    /// A `searchset` Bundle: the matches (`search.mode` match) and what `_include` added (include).
    static func searchset(matches: [FHIRResource], included: [FHIRResource], base: String, now: Date, selfLink: String) -> FHIRResource {
        guard case .bundle(var bundle) = bundle(matches + included, type: "searchset", base: base, now: now, selfLink: selfLink) else {
            return .bundle(FHIR.Bundle())
        }
        bundle.total = FHIRUnsignedInt("\(matches.count)")
        for index in (bundle.entry ?? []).indices {
            var search = FHIR.Bundle.Entry.Search()
            search.mode = FHIRCode(index < matches.count ? "match" : "include")
            bundle.entry![index].search = search
        }
        return .bundle(bundle)
    }
}
