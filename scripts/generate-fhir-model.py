#!/usr/bin/env python3
"""Generates Sources/PerigateFHIR/Resources.generated.swift from Sources/PerigateFHIR/model.stu3.

    python3 scripts/generate-fhir-model.py          # write the Swift file
    python3 scripts/generate-fhir-model.py --check  # exit 1 when it is out of date (scripts/test.sh)
"""
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
SPEC = ROOT / "Sources/PerigateFHIR/model.stu3"
OUT = ROOT / "Sources/PerigateFHIR/Resources.generated.swift"

PRIMITIVES = {
    "boolean": "FHIRBoolean", "integer": "FHIRInteger", "string": "FHIRString", "code": "FHIRCode", "uri": "FHIRURI",
    "date": "FHIRDate", "dateTime": "FHIRDateTime", "instant": "FHIRInstant", "decimal": "FHIRDecimal", "time": "FHIRTime",
    "positiveInt": "FHIRPositiveInt", "unsignedInt": "FHIRUnsignedInt", "markdown": "FHIRMarkdown", "id": "FHIRId",
    "base64Binary": "FHIRBase64", "oid": "FHIRURI",
}
# Data types whose Swift type is another (profiles of Quantity; Range is QuantityRange in Swift).
ALIASES = {"Age": "Quantity", "Duration": "Quantity", "Range": "QuantityRange", "SimpleQuantity": "Quantity"}
KEYWORDS = {"class", "protocol", "operator", "default", "for", "in", "is", "as", "import", "return", "where"}
DOMAIN = [("id", "String"), ("meta", "Meta"), ("implicitRules", "FHIRURI"), ("language", "FHIRCode"), ("text", "Narrative"),
          ("contained", "[FHIRResource]"), ("extensions", "[Extension]"), ("modifierExtension", "[Extension]")]
RESOURCE = [("id", "String"), ("meta", "Meta"), ("implicitRules", "FHIRURI"), ("language", "FHIRCode")]
BACKBONE = [("extensions", "[Extension]"), ("modifierExtension", "[Extension]")]


def camel(name):
    return name[0].upper() + name[1:]


def swift_type(type_name, resource):
    if type_name in PRIMITIVES:
        return PRIMITIVES[type_name]
    if type_name == "Resource":
        return "FHIRResource"
    if "." in type_name:
        return ".".join(camel(part) for part in type_name.split("."))
    return ALIASES.get(type_name, type_name)


def parse():
    resources = {}  # name -> (kind, elements)
    backbones = {}  # path -> elements
    order = []
    for raw in SPEC.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        head, _, body = line.partition(":")
        match = re.fullmatch(r"(\w+) \((domain|resource)\)", head.strip())
        elements = []
        for item in body.split(","):
            name, type_spec = item.split()
            repeats = type_spec.endswith("*")
            type_spec = type_spec.rstrip("*")
            if name.endswith("[x]"):
                base = name[:-3]
                for choice in type_spec.split("|"):
                    elements.append((base + camel(choice), choice, repeats))
            else:
                elements.append((name, type_spec, repeats))
        if match:
            resources[match.group(1)] = (match.group(2), elements)
            order.append(match.group(1))
        else:
            backbones[head.strip()] = elements
    return order, resources, backbones


def property_lines(elements, resource, indent):
    lines, keys = [], []
    for name, type_name, repeats in elements:
        swift = swift_type(type_name, resource)
        if "." in type_name:
            # Backbone paths are relative to the resource type (Patient.Contact -> Contact inside Patient).
            swift = ".".join(camel(part) for part in type_name.split(".")[1:])
            swift = resource + "." + swift
        if repeats:
            swift = "[" + swift + "]"
        ident = "`" + name + "`" if name in KEYWORDS else name
        lines.append(f"{indent}public var {ident}: {swift}?")
        keys.append(name)
    return lines, keys


def coding_keys(keys, indent):
    cases = ['extensions = "extension"' if key == "extensions" else ("`" + key + "`" if key in KEYWORDS else key) for key in keys]
    chunks, current = [], []
    for case in cases:
        current.append(case)
        if len(", ".join(current)) > 90:
            chunks.append(", ".join(current))
            current = []
    if current:
        chunks.append(", ".join(current))
    body = (",\n" + indent + "     ").join(chunks)
    return [f"{indent}enum CodingKeys: String, CodingKey {{", f"{indent}    case {body}", f"{indent}}}"]


def emit_struct(name, base, elements, resource, backbones, path, indent, resource_type=None):
    out = [f"{indent}public struct {name}: Sendable, Hashable, Codable{', FHIRResourceType' if resource_type else ''} {{"]
    inner = indent + "    "
    if resource_type:
        out.append(f'{inner}public static let resourceType = "{resource_type}"')
    base_lines = [f"{inner}public var {key}: {swift}?" for key, swift in base]
    lines, keys = property_lines(elements, resource, inner)
    out += base_lines + lines
    out += coding_keys([key for key, _ in base] + keys, inner)
    out.append(f"{inner}public init() {{}}")
    children = sorted(p for p in backbones if p.rsplit(".", 1)[0] == path)
    for child in children:
        out.append("")
        out += emit_struct(camel(child.rsplit(".", 1)[1]), BACKBONE, backbones[child], resource, backbones, child, inner)
    out.append(f"{indent}}}")
    return out


def generate():
    order, resources, backbones = parse()
    out = ["// Generated by scripts/generate-fhir-model.py from model.stu3: do not edit.", "",
           "extension FHIR {"]
    for index, name in enumerate(order):
        kind, elements = resources[name]
        if index:
            out.append("")
        out += emit_struct(name, DOMAIN if kind == "domain" else RESOURCE, elements, name, backbones, name, "    ", resource_type=name)
    out.append("}")
    out += ["", "/// Any resource of the model, by its `resourceType`.", "public indirect enum FHIRResource: Sendable, Hashable {"]
    for name in order:
        out.append(f"    case {name[0].lower() + name[1:]}(FHIR.{name})")
    out.append("")
    out.append("    /// The resource's type, e.g. `Patient`.")
    out.append("    public var resourceType: String {")
    out.append("        switch self {")
    for name in order:
        out.append(f'        case .{name[0].lower() + name[1:]}: "{name}"')
    out += ["        }", "    }", ""]
    out.append("    /// The resource's logical id.")
    out.append("    public var id: String? {")
    out.append("        switch self {")
    for name in order:
        out.append(f"        case .{name[0].lower() + name[1:]}(let resource): resource.id")
    out += ["        }", "    }", ""]
    out.append("    /// The resource's `meta.profile` URLs.")
    out.append("    public var profiles: [String] {")
    out.append("        let meta: FHIR.Meta? = switch self {")
    for name in order:
        out.append(f"        case .{name[0].lower() + name[1:]}(let resource): resource.meta")
    out += ["        }", "        return meta?.profile?.compactMap(\\.value) ?? []", "    }", ""]
    out.append("    static func decode(_ type: String, from decoder: any Decoder) throws -> FHIRResource? {")
    out.append("        switch type {")
    for name in order:
        out.append(f'        case "{name}": .{name[0].lower() + name[1:]}(try FHIR.{name}(from: decoder))')
    out += ["        default: nil", "        }", "    }", ""]
    out.append("    func encodeBody(to encoder: any Encoder) throws {")
    out.append("        switch self {")
    for name in order:
        out.append(f"        case .{name[0].lower() + name[1:]}(let resource): try resource.encode(to: encoder)")
    out += ["        }", "    }", "}", ""]
    return "\n".join(out)


if __name__ == "__main__":
    text = generate()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text() != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run python3 scripts/generate-fhir-model.py", file=sys.stderr)
            sys.exit(1)
    else:
        OUT.write_text(text)
