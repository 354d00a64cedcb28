import PerigateXML

extension MappingError {
    /// A typed mapping error code: control flow compares these constants, output prints
    /// ``rawValue``. A struct (extensible without breaking callers), writable as a string literal.
    public struct Code: StableCode {
        /// The stable string, e.g. `mapping.no-mapper`.
        public var rawValue: String

        /// A code from its stable string.
        public init(rawValue: String) {
            self.rawValue = rawValue
        }

        /// Only valid messages are mapped.
        public static let notValid: Code = "mapping.not-valid"
        /// No mapper exists (yet) for this kind and version.
        public static let noMapper: Code = "mapping.no-mapper"
        /// Something the canonical record needs (a header field, the mother's BSN) is absent.
        public static let missingField: Code = "mapping.missing-field"
        /// An ADA relative test date (`T-306D`) without a reference date to count from.
        public static let relativeDate: Code = "mapping.relative-date"
        /// The configured reference date is not `yyyy-mm-dd`.
        public static let referenceDate: Code = "mapping.reference-date"
        /// A value that should be a date is not one.
        public static let invalidDate: Code = "mapping.invalid-date"
        /// A stored, accepted message no longer parses.
        public static let storeDamaged: Code = "store.damaged"
    }
}
