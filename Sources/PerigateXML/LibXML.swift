import CLibXML2

/// Process-wide libxml2 setup.
///
/// `xmlInitParser()` must run once before any concurrent use; Swift runs a `static let`
/// initializer exactly once, thread-safely, so every entry point calls ``ensureInitialized()``.
public enum LibXML {
    private static let initialized: Bool = {
        perigate_libxml_init()
        return true
    }()

    /// Initialises libxml2 (once), silences its stderr output and installs the local-only loader.
    public static func ensureInitialized() {
        _ = initialized
    }

    /// The libxml2 version this process runs with, e.g. `20914`.
    public static var version: Int {
        ensureInitialized()
        return Int(perigate_libxml_version())
    }
}
