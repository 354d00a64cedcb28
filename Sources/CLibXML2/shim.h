// Perigate's only C: a thin, version-independent layer over libxml2.
// - Debian's libxml2 is built with ICU, whose UErrorCode clashes with Foundation's: include
//   xmlversion.h first and switch ICU off before any other libxml2 header.
// - libxml2 2.12 changed xmlStructuredErrorFunc to take `const xmlError *`: the trampolines below
//   hide that, so Swift always sees `const xmlError *`.
// - Swift 6 rejects the global `xmlFree` function-pointer variable: wrapped here.
#ifndef PERIGATE_CLIBXML2_SHIM_H
#define PERIGATE_CLIBXML2_SHIM_H

#include <libxml/xmlversion.h>
#undef LIBXML_ICU_ENABLED
#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <libxml/xmlmemory.h>
#include <libxml/xmlschemas.h>
#include <libxml/xpath.h>
#include <libxml/xpathInternals.h>
#include <libxml/globals.h>
#include <string.h>

#if LIBXML_VERSION >= 21200
typedef const xmlError *perigate_error_arg;
#else
typedef xmlErrorPtr perigate_error_arg;
#endif

/// Called for every structured error; `context` is the sink's context.
typedef void (*perigate_error_handler)(void *context, const xmlError *error);

/// Where libxml2 errors of one parse, validation or schema compilation go.
typedef struct perigate_error_sink {
    perigate_error_handler handler;
    void *context;
    /// Set by the parser hooks when a DOCTYPE declaration was seen (the parse was stopped).
    int doctype_seen;
} perigate_error_sink;

static inline void perigate_xml_free(void *p) { xmlFree(p); }
static inline int perigate_libxml_version(void) { return LIBXML_VERSION; }

static void perigate_sink_trampoline(void *userData, perigate_error_arg error) {
    perigate_error_sink *sink = (perigate_error_sink *)userData;
    if (sink != NULL && sink->handler != NULL) sink->handler(sink->context, (const xmlError *)error);
}

/// Parser errors arrive with the parser context as user data; our sink is in ctxt->_private.
/// A fatal error ends the parse. libxml2 2.9 goes on parsing what follows one (with SAX off, to
/// report more errors), and what follows a malformed end tag, value or declaration may be read
/// differently by the complexity pre-scan (XMLComplexity): libxml2 could then parse there an
/// element with more attributes than the pre-scan allows. Only the state is set (as
/// xmlHaltParser does, without freeing the input a caller up the stack may still be reading):
/// libxml2's loops stop at XML_PARSER_EOF.
static void perigate_parser_trampoline(void *userData, perigate_error_arg error) {
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)userData;
    if (ctxt == NULL) return;
    perigate_sink_trampoline(ctxt->_private, error);
    if (error != NULL && error->level == XML_ERR_FATAL) {
        ctxt->instate = XML_PARSER_EOF;
        ctxt->disableSAX = 1;
    }
}

/// Any DOCTYPE stops the parse at once, before its internal subset (and any entity) is read.
static void perigate_reject_doctype(void *userData, const xmlChar *name,
                                    const xmlChar *externalID, const xmlChar *systemID) {
    (void)name; (void)externalID; (void)systemID;
    xmlParserCtxtPtr ctxt = (xmlParserCtxtPtr)userData;
    if (ctxt == NULL) return;
    perigate_error_sink *sink = (perigate_error_sink *)ctxt->_private;
    if (sink != NULL) sink->doctype_seen = 1;
    xmlStopParser(ctxt);
}

static void perigate_silent_generic(void *ctx, const char *msg, ...) { (void)ctx; (void)msg; }

/// Installs the sink and the DOCTYPE guard on a fresh parser context.
static inline void perigate_parser_prepare(xmlParserCtxtPtr ctxt, perigate_error_sink *sink) {
    ctxt->_private = sink;
    if (ctxt->sax != NULL) {
        ctxt->sax->serror = perigate_parser_trampoline;
        ctxt->sax->internalSubset = perigate_reject_doctype;
        ctxt->sax->externalSubset = perigate_reject_doctype;
        ctxt->sax->warning = NULL;
        ctxt->sax->error = NULL;
        ctxt->sax->fatalError = NULL;
    }
    ctxt->vctxt.error = NULL;
    ctxt->vctxt.warning = NULL;
}

static inline void perigate_schema_valid_sink(xmlSchemaValidCtxtPtr vctxt, perigate_error_sink *sink) {
    xmlSchemaSetValidStructuredErrors(vctxt, perigate_sink_trampoline, sink);
}

static inline void perigate_schema_parser_sink(xmlSchemaParserCtxtPtr pctxt, perigate_error_sink *sink) {
    xmlSchemaSetParserStructuredErrors(pctxt, perigate_sink_trampoline, sink);
}

static xmlExternalEntityLoader perigate_default_loader = NULL;

/// Only local files may be loaded (schema includes/imports); anything with a scheme other
/// than file: is refused, so no schema or document can make the gateway reach the network.
static xmlParserInputPtr perigate_local_only_loader(const char *URL, const char *ID,
                                                    xmlParserCtxtPtr ctxt) {
    if (URL != NULL && strstr(URL, "://") != NULL && strncmp(URL, "file://", 7) != 0) {
        return NULL;
    }
    if (perigate_default_loader == NULL) return NULL;
    return perigate_default_loader(URL, ID, ctxt);
}

/// Once per process, before any concurrency: initialise libxml2, silence its generic
/// stderr output (for this thread and every later one) and install the local-only loader.
static inline void perigate_libxml_init(void) {
    xmlInitParser();
    xmlSetGenericErrorFunc(NULL, perigate_silent_generic);
    xmlThrDefSetGenericErrorFunc(NULL, perigate_silent_generic);
    xmlSetStructuredErrorFunc(NULL, NULL);
    xmlThrDefSetStructuredErrorFunc(NULL, NULL);
    if (perigate_default_loader == NULL) {
        perigate_default_loader = xmlGetExternalEntityLoader();
        xmlSetExternalEntityLoader(perigate_local_only_loader);
    }
}

#endif
