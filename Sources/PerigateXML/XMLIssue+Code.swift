extension XMLIssue {
    /// A typed issue code: compare with the constants below, print ``rawValue`` (the stable
    /// string that reports show). A struct, so codes can be added without breaking callers.
    public struct Code: StableCode {
        /// The stable string, e.g. `xml.too-large`.
        public var rawValue: String

        /// A code from its stable string.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// Not well-formed XML, or empty.
        public static let malformed = Code(rawValue: "xml.malformed")
        /// Larger than the parser's maximum; refused before libxml2 saw a byte.
        public static let tooLarge = Code(rawValue: "xml.too-large")
        /// Beyond the shape limits (``XMLComplexity``); refused before libxml2 saw a byte.
        public static let tooComplex = Code(rawValue: "xml.too-complex")
        /// The document has a DOCTYPE declaration (refused: entity and DTD attacks).
        public static let doctypeForbidden = Code(rawValue: "xml.doctype-forbidden")
        /// libxml2 could not create a parser context.
        public static let parserUnavailable = Code(rawValue: "xml.parser-unavailable")
        /// The document does not satisfy its XSD.
        public static let schemaInvalid = Code(rawValue: "schema.invalid")
        /// libxml2 could not create a schema validation context.
        public static let schemaUnavailable = Code(rawValue: "schema.unavailable")
        /// An error while compiling an XSD.
        public static let schemaCompile = Code(rawValue: "schema.compile")
    }
}
