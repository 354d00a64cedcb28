import Foundation
import HTTPTypes
import Hummingbird
import PerigateCore
import PerigateFHIR

/// The FHIR STU3 API at `/fhir/stu3`: `metadata`, reads and the searches of the MedMij XIS-Server
/// TestScripts (``FHIRSearch``) over one woman's file, `searchset` Bundles in JSON or XML
/// (`Accept`, `_format`), OperationOutcome for every error. Her own app (PGO) with her
/// client-portal token reads her whole file without her BSN; a partner names her by BSN
/// (``FHIRSearch/woman(type:query:)``) and reads through its view. Every read and search is a
/// `record.read` line in her log with the query.
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
        let requester: ClientFileService.Requester
        switch try await authenticateForAccessLog(request, context) {
        case .success(let found): requester = found
        case .failure(var problem):
            if request.headers[.authorization] == nil, problem.code == ProblemCode.authTokenMissing.rawValue {
                problem = Problem(.authTokenMissing, detail: "send her client-portal token (her own app) or a partner token: Authorization: Bearer …")
            }
            _ = try await refused(problem, request, context)
            return try Self.outcome(problem, format: format)
        }
        var query = request.uri.queryParameters.map { (String($0.key), String($0.value)) }
        // The request as the audit line's query: names and values percent-encoded as sent.
        let asked = { (query: [(String, String)]) in
            let encode = { (text: String) in text.addingPercentEncoding(withAllowedCharacters: Self.queryValueCharacters) ?? text }
            return "GET \(type)\(id.map { "/" + $0 } ?? "")" + (query.isEmpty ? "" : "?" + query.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&"))
        }
        // Whom the request is about: her own token names her; a partner names her by BSN.
        let bsn: BSN
        switch requester {
        case .client(let credential, _, _):
            guard let own = BSN(credential.bsn) else { return try Self.outcome(Problem(.authTokenInvalid, detail: "the credential names no valid BSN"), format: format) }
            bsn = own
        case .partner:
            do { (bsn, query) = try FHIRSearch.woman(type: type, query: query) } catch {
                try await ingest.store.appendAudit([requester.auditLine(time: timestamp(), event: "record.read", action: "R", object: "client:invalid-bsn",
                                                                        outcome: "refused", checks: AuditChecks.notChecked, detail: "request.bsn-invalid")])
                return try Self.outcome(Problem(.requestInvalidQuery, detail: error.message), format: format)
            }
        }
        // The query is checked before her file is read: a request refused for its form is a refused read, not a successful one.
        let invalid: String?
        if id != nil {
            invalid = !FHIRSearch.types.contains(type) ? "resource type \(type) is not read here"
                : query.contains { $0.0 != "_format" } ? "a read takes no search parameters but _format" : nil
        } else {
            do { _ = try FHIRSearch.run(type, query: query, in: []); invalid = nil } catch { invalid = error.message }
        }
        if let invalid {
            try await ingest.store.appendAudit([requester.auditLine(
                time: timestamp(), event: "record.read", action: "R", object: "bsn:\(bsn.value)/record", outcome: "refused",
                checks: AuditChecks.notChecked, detail: "request.invalid-query",
                objectDetail: .client(bsn.value, category: "zwangerschapsdossier", authorizationProtocol: AccessPolicy.protocolName, query: asked(query)))])
            return try Self.outcome(Problem(.requestInvalidQuery, detail: invalid), format: format, code: "not-supported")
        }
        let outcome: ClientFileService.ReadOutcome
        let includeBSN: Bool
        switch requester {
        case .client(let credential, let accessPoint, let traceId):
            outcome = try await clientFile.readOwn(bsn: bsn, credential: credential, accessPoint: accessPoint, traceId: traceId, query: asked(query), history: false)
            includeBSN = false
        case .partner(let partner, let caller):
            // Through its view, as GET /v1/clients/{bsn}/record.
            outcome = try await clientFile.read(bsn: bsn, partner: partner, caller: caller, history: false, query: asked(query))
            includeBSN = true
        }
        switch outcome {
        case .refused(let refusal):
            return try Self.outcome(Problem(refusal: refusal), format: format)
        case .record(let document, _):
            var resources = FHIRRecordWriter(includeBSN: includeBSN).resources(document.record)
            // A partner's Patient search names her by identifier: it finds her, not her children.
            if includeBSN, type == "Patient", let woman = resources.first {
                resources = [woman] + resources.filter { $0.resourceType != "Patient" }
            }
            let base = FHIRResponse.base(request, tls: tls != nil)
            if let id {
                guard let found = resources.first(where: { $0.resourceType == type && $0.id == id }) else {
                    return try Self.outcome(Problem(.routeNotFound, detail: "no \(type)/\(id) in her file"), format: format, code: "not-found")
                }
                return try FHIRResponse.response(found, format: format)
            }
            do {
                let (matches, included) = try FHIRSearch.run(type, query: query, in: resources)
                let original = request.uri.queryParameters.map { "\($0.key)=\($0.value)" }
                let selfLink = base + "/" + type + (original.isEmpty ? "" : "?" + original.joined(separator: "&"))
                return try FHIRResponse.response(FHIRResponse.searchset(matches: matches, included: included, base: base, now: clientFile.now(),
                                                                        selfLink: selfLink), format: format)
            } catch let failure as FHIRSearch.Failure {
                return try Self.outcome(Problem(.requestInvalidQuery, detail: failure.message), format: format, code: "not-supported")
            }
        }
    }

    /// What stays as it is in a query value of the audit line: letters, digits and `-._~:/|,`.
    static let queryValueCharacters = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~:/|,"))

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
        rest.documentation = FHIRMarkdown("A woman's file: her own app (her client-portal token, Wabvpz art. 15d) reads and searches her whole file; "
            + "a partner names her in every request (patient.identifier, for Patient identifier, = http://fhir.nl/fhir/NamingSystem/bsn|<BSN>) "
            + "and reads through its view, with her care relationship and consent, as GET /v1/clients/{bsn}/record.")
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
