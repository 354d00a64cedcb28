import Foundation
import PerigateXML

/// FHIR XML (https://hl7.org/fhir/STU3/xml.html) to and from ``FHIRElement``: a primitive's value
/// is its `value` attribute, an extension's `url` an attribute, a resource inside another is the
/// only child of its element (`<resource><Patient>…`), narrative is XHTML kept whole.
extension FHIRElement {
    public static let namespace = "http://hl7.org/fhir"
    static let xhtmlNamespace = "http://www.w3.org/1999/xhtml"

    /// The resource in a FHIR XML document (parsed by `parser`, with its size, depth and DOCTYPE
    /// guards), or the issues that make it unreadable.
    public static func parseXML(_ bytes: Data, parser: SafeXMLParser) -> Result<FHIRElement, FHIRReadFailure> {
        switch parser.parse(bytes) {
        case .rejected(let issues):
            return .failure(FHIRReadFailure(issues: issues.map { FHIRIssue(code: "fhir.malformed", message: $0.message, line: $0.line) },
                                            xml: issues))
        case .document(let document):
            return fromXML(document)
        }
    }

    /// The resource of an already parsed document whose root is in the FHIR namespace.
    public static func fromXML(_ document: XMLDocument) -> Result<FHIRElement, FHIRReadFailure> {
        guard let tree = document.elementTree(keptWhole: [xhtmlNamespace]) else {
            return .failure(FHIRReadFailure(issues: [FHIRIssue(code: "fhir.malformed", message: "the message has no root element")]))
        }
        guard tree.namespace == namespace, tree.name.first?.isUppercase == true else {
            return .failure(FHIRReadFailure(issues: [FHIRIssue(code: "fhir.malformed",
                                                               message: "the root element is not a FHIR resource in namespace \(namespace)",
                                                               line: tree.line)]))
        }
        var issues: [FHIRIssue] = []
        let element = resource(from: tree, path: tree.name, issues: &issues)
        return issues.isEmpty ? .success(element) : .failure(FHIRReadFailure(issues: issues))
    }

    private static func resource(from tree: XMLElementTree, path: String, issues: inout [FHIRIssue]) -> FHIRElement {
        var element = self.element(from: tree, path: path, issues: &issues)
        element.resourceType = tree.name
        return element
    }

    private static func element(from tree: XMLElementTree, path: String, issues: inout [FHIRIssue]) -> FHIRElement {
        var element = FHIRElement(line: tree.line)
        for attribute in tree.attributes {
            switch (attribute.namespace, attribute.name) {
            case ("", "value"):
                element.primitive = attribute.value
            case ("", "url") where tree.name == "extension" || tree.name == "modifierExtension", ("", "id"):
                element.children.append(Child(name: attribute.name, element: FHIRElement(primitive: attribute.value, line: tree.line),
                                              repeats: false))
            default:
                issues.append(FHIRIssue(code: "fhir.unknown-element", message: "attribute '\(attribute.name)' is not allowed here",
                                        location: path, line: tree.line))
            }
        }
        if !tree.text.isEmpty {
            issues.append(FHIRIssue(code: "fhir.malformed", message: "text content is not allowed in a FHIR element (values are `value` attributes)",
                                    location: path, line: tree.line))
        }
        for (child, childPath) in zip(tree.children, locations(of: tree.children.map(\.name), under: path)) {
            if child.namespace == xhtmlNamespace, child.name == "div" {
                element.children.append(Child(name: "div", element: FHIRElement(primitive: child.outerXML ?? "", line: child.line), repeats: false))
                continue
            }
            guard child.namespace == namespace, child.name.first?.isLowercase == true else {
                issues.append(FHIRIssue(code: "fhir.unknown-element", message: "element '\(child.name)' is not a FHIR element here",
                                        location: childPath, line: child.line))
                continue
            }
            if child.attributes.isEmpty, child.children.count == 1, let inner = child.children.first, inner.namespace == namespace,
               inner.name.first?.isUppercase == true {
                element.children.append(Child(name: child.name, element: resource(from: inner, path: childPath, issues: &issues),
                                              repeats: false))
            } else {
                element.children.append(Child(name: child.name, element: self.element(from: child, path: childPath, issues: &issues),
                                              repeats: false))
            }
        }
        return element
    }

    /// This resource as FHIR XML (no indentation; UTF-8).
    public func xmlData() -> Data {
        var out = ""
        writeXML(name: resourceType ?? "Resource", into: &out, root: true)
        return Data(out.utf8)
    }

    private func writeXML(name: String, into out: inout String, root: Bool = false) {
        if let resourceType, !root {
            out += "<\(name)>"
            writeXML(name: resourceType, into: &out, root: true)
            out += "</\(name)>"
            return
        }
        let isExtension = name == "extension" || name == "modifierExtension"
        out += "<" + name
        if root { out += " xmlns=\"\(Self.namespace)\"" }
        if let primitive { out += " value=\"" + Self.escaped(primitive) + "\"" }
        var content = children
        if isExtension, let url = content.first(where: { $0.name == "url" }) {
            out += " url=\"" + Self.escaped(url.element.primitive ?? "") + "\""
            content.removeAll { $0.name == "url" }
        }
        if content.isEmpty {
            out += "/>"
            return
        }
        out += ">"
        for child in content {
            if child.name == "div", let xhtml = child.element.primitive {
                if Self.isXHTMLDiv(xhtml) { out += xhtml }
            } else {
                child.element.writeXML(name: child.name, into: &out)
            }
        }
        out += "</\(name)>"
    }

    /// Narrative is written as it came only when it is one well-formed XHTML `div`.
    private static func isXHTMLDiv(_ text: String) -> Bool {
        guard case .document(let document) = SafeXMLParser(maximumBytes: 1 << 20).parse(Data(text.utf8)),
              let root = document.root else { return false }
        return root.localName == "div" && root.namespace == xhtmlNamespace
    }

    static func escaped(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "\n": out += "&#xA;"
            case "\r": out += "&#xD;"
            case "\t": out += "&#x9;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Why a FHIR message could not be read into a tree.
public struct FHIRReadFailure: Error, Sendable {
    public var issues: [FHIRIssue]
    /// The XML parser's own issues (too large, DOCTYPE, …) when the XML did not parse.
    public var xml: [XMLIssue] = []
}
