#!/usr/bin/env python3
"""Checks FHIR STU3 resources with an implementation no one at Perigate wrote: the
`fhir.resources` STU3 models (PyPI, scripts/requirements-test.txt). Every file argument is parsed
by its extension (.json or .xml); prints one JSON object {file: "ok" | error text} and exits 0.
Used by FHIROutTests (oracle (c) of docs/fhir.md)."""
import json
import pathlib
import sys

from fhir.resources.STU3 import construct_fhir_element  # noqa: F401  (the STU3 package must exist)
from fhir.resources.STU3.bundle import Bundle

results = {}
for name in sys.argv[1:]:
    path = pathlib.Path(name)
    try:
        data = path.read_bytes()
        if path.suffix == ".xml":
            Bundle.parse_raw(data, content_type="text/xml")
        else:
            Bundle.parse_raw(data, content_type="application/json")
        results[name] = "ok"
    except Exception as error:  # every failure is a finding, reported per file
        results[name] = f"{type(error).__name__}: {error}"[:2000]
print(json.dumps(results))
