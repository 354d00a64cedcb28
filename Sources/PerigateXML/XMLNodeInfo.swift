import CLibXML2

/// Small read-only helpers over libxml2 nodes.
enum XMLNodeInfo {
    /// The element path by local names, e.g. `/verwijzing/client/bsn`, `/a/b[2]/@code`.
    /// (libxml2's own `xmlGetNodePath` writes `*` for default-namespace elements.)
    static func path(of node: xmlNodePtr) -> String? {
        var components: [String] = []
        var current: xmlNodePtr? = node
        while let item = current {
            switch item.pointee.type {
            case XML_ELEMENT_NODE:
                components.append(String(cString: item.pointee.name) + siblingIndex(of: item))
            case XML_ATTRIBUTE_NODE:
                components.append("@" + String(cString: item.pointee.name))
            case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
                components.append("text()")
            default:
                break
            }
            current = item.pointee.parent
        }
        return components.isEmpty ? nil : "/" + components.reversed().joined(separator: "/")
    }

    /// `[n]` when the element has same-named siblings, else "".
    private static func siblingIndex(of node: xmlNodePtr) -> String {
        func sameName(_ other: xmlNodePtr) -> Bool {
            other.pointee.type == XML_ELEMENT_NODE && xmlStrEqual(other.pointee.name, node.pointee.name) != 0
                && other.pointee.ns?.pointee.href == node.pointee.ns?.pointee.href
        }
        var position = 1
        var sibling = node.pointee.prev
        while let item = sibling {
            if sameName(item) { position += 1 }
            sibling = item.pointee.prev
        }
        var hasFollowing = false
        sibling = node.pointee.next
        while let item = sibling, !hasFollowing {
            hasFollowing = sameName(item)
            sibling = item.pointee.next
        }
        return position > 1 || hasFollowing ? "[\(position)]" : ""
    }

    /// Source line of a node (the owning element's line for attributes and text).
    static func line(of node: xmlNodePtr) -> Int? {
        var target: xmlNodePtr? = node
        if node.pointee.type == XML_ATTRIBUTE_NODE || node.pointee.type == XML_TEXT_NODE {
            target = node.pointee.parent
        }
        guard let target else { return nil }
        let line = xmlGetLineNo(target)
        return line > 0 ? Int(line) : nil
    }

    /// The value of an attribute without namespace, or `nil` when absent.
    static func attribute(_ name: String, of node: xmlNodePtr) -> String? {
        guard let raw = xmlGetNoNsProp(node, name) else { return nil }
        defer { perigate_xml_free(raw) }
        return String(cString: raw)
    }

    /// The local name of an element or attribute.
    static func localName(of node: xmlNodePtr) -> String {
        String(cString: node.pointee.name)
    }

    /// The string value of a node (text content of elements, value of attributes).
    static func content(of node: xmlNodePtr) -> String {
        guard let raw = xmlNodeGetContent(node) else { return "" }
        defer { perigate_xml_free(raw) }
        return String(cString: raw)
    }
}
