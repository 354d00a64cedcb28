#!/usr/bin/env python3
"""Runs Nictiz's MedMij TestScripts (FHIR STU3 TestScript resources, XML) against a FHIR server:
the XIS-Server role of Geboortezorg 2, as the certification tool (Touchstone) runs them.

    testscript_runner.py --base http://127.0.0.1:PORT/fhir/stu3 --tokens tokens.json --report report.json SCRIPT.xml...

`tokens.json` maps each TestScript token variable (`patient-token-KIMXXX-Zhanganak`) to the
Authorization value to send in its place (a Perigate client-portal token: `Bearer pgc_...`).

Every assertion is evaluated and counted: passed, failed, or not evaluable with the reason (never
counted as passed). FHIRPath assertions run on `fhirpathpy` with the STU3 model; XML responses are
read with `fhir.resources` (STU3). Touchstone's rule `assert-response-queryParamsInSelfLink` is
implemented as its Groovy source in the corpus says. Profile validation (`validateProfileId`)
needs the Java FHIR validator and the Nictiz package: not evaluable here.

Requests go only to --base, which must be a loopback address. Prints a summary; exits 0 (the
caller decides what the counts mean).
"""
import argparse
import json
import re
import sys
import urllib.parse
import urllib.request
import uuid
import xml.etree.ElementTree as ET

import fhirpathpy
from fhirpathpy.models import models
from fhir.resources.STU3.bundle import Bundle  # noqa: F401  (the STU3 models must be there)

NS = {"f": "http://hl7.org/fhir"}
MODEL = models["stu3"]
LOOPBACK = re.compile(r"^http://(127\.\d+\.\d+\.\d+|\[::1\]|localhost)(:\d+)?/")


def value(element, name):
    found = element.find(f"f:{name}", NS)
    return found.get("value") if found is not None else None


def substitute(text, variables):
    return re.sub(r"\$\{([^}]+)\}", lambda m: variables.get(m.group(1), str(uuid.uuid4()) if m.group(1) == "UUID" else m.group(0)), text or "")


def parse_response(body, content_type):
    """The response as a JSON-shaped dict (XML read by fhir.resources STU3), or None."""
    if not body:
        return None
    if "xml" in (content_type or ""):
        resource_type = ET.fromstring(body).tag.split("}")[1]
        model = __import__(f"fhir.resources.STU3.{resource_type.lower()}", fromlist=[resource_type])
        parsed = getattr(model, resource_type).parse_raw(body, content_type="text/xml")
        return json.loads(parsed.json())
    return json.loads(body)


def query_params_in_self_link(request_url, response):
    """Touchstone rule assert-response-queryParamsInSelfLink (its Groovy source, in Python)."""
    parts = urllib.parse.unquote(request_url).split("?", 1)
    if len(parts) < 2:
        return True, ""
    links = fhirpathpy.evaluate(response, "Bundle.link.where(relation = 'self').url", {}, MODEL) if response else []
    self_link = urllib.parse.unquote(links[0]) if links else ""
    for param in parts[1].split("&"):
        if param in self_link:
            continue
        name, _, val = param.partition("=")
        match = re.match(r"^([A-Z][A-Za-z]+/)?([A-Za-z0-9\-\.]{1,64})$", val)
        if not match:
            return False, f"the requested parameter {param} was absent from the self link"
        if match.group(1) is None:
            if not re.search(rf"{re.escape(name)}=[A-Z][A-Za-z]+/{re.escape(match.group(2))}", self_link):
                return False, f"the requested parameter {param} was absent from the self link"
        elif f"{name}={match.group(2)}" not in self_link:
            return False, f"the requested parameter {param} was absent from the self link"
    return True, ""


def run_script(path, base, tokens):
    root = ET.parse(path).getroot()
    name = value(root, "name")
    variables = {"UUID": str(uuid.uuid4())}
    for var in root.findall("f:variable", NS):
        var_name = value(var, "name")
        if var_name in tokens:
            variables[var_name] = tokens[var_name]
        elif value(var, "defaultValue") is not None:
            variables[var_name] = value(var, "defaultValue")
    expressions = {value(v, "name"): (value(v, "expression"), value(v, "sourceId")) for v in root.findall("f:variable", NS)
                   if value(v, "expression") is not None}
    fixtures = {}
    results = []
    for test in root.findall("f:test", NS):
        test_name = value(test, "name")
        response, status, content_type, request_url = None, None, None, None
        stopped = False
        for action in test.findall("f:action", NS):
            operation = action.find("f:operation", NS)
            if operation is not None:
                # Variables computed from an earlier fixture (e.g. the episode's id).
                for var_name, (expression, source) in expressions.items():
                    if source in fixtures and fixtures[source] is not None:
                        found = fhirpathpy.evaluate(fixtures[source], expression, {}, MODEL)
                        if found:
                            variables[var_name] = str(found[0])
                resource = value(operation, "resource")
                params = substitute(value(operation, "params") or "", variables)
                if value(operation, "encodeRequestUrl") == "true" and params:
                    query = params[1:] if params.startswith("?") else params
                    pairs = [p.partition("=") for p in query.split("&")]
                    params = "?" + "&".join(f"{urllib.parse.quote(k, safe=':._-')}={urllib.parse.quote(v, safe='/:._-')}" for k, _, v in pairs)
                request_url = f"{base}/{resource}{params}"
                if not LOOPBACK.match(request_url):
                    raise SystemExit(f"refusing to send a request outside loopback: {request_url}")
                accept = value(operation, "accept")
                headers = {"Accept": "application/fhir+json" if accept == "json" else "application/fhir+xml"}
                for header in operation.findall("f:requestHeader", NS):
                    headers[value(header, "field")] = substitute(value(header, "value"), variables)
                request = urllib.request.Request(request_url, headers=headers)
                try:
                    with urllib.request.urlopen(request, timeout=30) as reply:
                        status, body, content_type = reply.status, reply.read(), reply.headers.get("Content-Type")
                except urllib.error.HTTPError as error:
                    status, body, content_type = error.code, error.read(), error.headers.get("Content-Type")
                try:
                    response = parse_response(body, content_type)
                except Exception as error:  # an unreadable response fails every assertion on it
                    response = None
                    results.append((test_name, "operation", "failed", f"the response could not be read: {error}"))
                if value(operation, "responseId"):
                    fixtures[value(operation, "responseId")] = response
                continue
            check = action.find("f:assert", NS)
            if check is None:
                continue
            description = value(check, "description") or ""
            label = value(check, "expression") or value(check, "responseCode") or value(check, "resource") or description
            if stopped:
                results.append((test_name, label, "not-evaluable", "an earlier assertion with stopTestOnFail failed"))
                continue
            outcome, detail = "failed", ""
            if value(check, "validateProfileId") is not None:
                outcome, detail = "not-evaluable", "profile validation needs the Java FHIR validator with package nictiz.fhir.nl.stu3.geboortezorg 1.3.3"
            elif check.find("f:extension", NS) is not None:
                rule = check.find("f:extension/f:extension/f:valueId", NS)
                if rule is not None and rule.get("value") == "assert-response-queryParamsInSelfLink":
                    ok, detail = query_params_in_self_link(request_url or "", response)
                    outcome = "passed" if ok else "failed"
                else:
                    outcome, detail = "not-evaluable", f"Touchstone rule {rule.get('value') if rule is not None else '?'} is not implemented"
            elif value(check, "responseCode") is not None:
                codes = [int(c) for c in value(check, "responseCode").split(",")]
                ok = status in codes if value(check, "operator") in ("in", None) else status == codes[0]
                outcome, detail = ("passed", "") if ok else ("failed", f"status {status}")
            elif value(check, "resource") is not None:
                ok = response is not None and response.get("resourceType") == value(check, "resource")
                outcome, detail = ("passed", "") if ok else ("failed", f"resourceType {response.get('resourceType') if response else None}")
            elif value(check, "expression") is not None:
                expression = substitute(value(check, "expression"), variables)
                try:
                    found = fhirpathpy.evaluate(response, expression, {}, MODEL) if response is not None else None
                except Exception as error:
                    outcome, detail = "not-evaluable", f"fhirpathpy cannot evaluate it: {type(error).__name__}: {str(error)[:200]}"
                    found = None
                if found is not None:
                    if value(check, "operator") == "equals":
                        ok = [str(v) for v in found] == [value(check, "value")]
                    else:
                        ok = found == [True]
                    outcome, detail = ("passed", "") if ok else ("failed", f"got {str(found)[:200]}")
                elif outcome != "not-evaluable":
                    detail = "no response"
            else:
                outcome, detail = "not-evaluable", "an assertion of a kind the runner does not know"
            if outcome == "failed" and value(check, "warningOnly") == "true":
                outcome = "warning"
            results.append((test_name, label, outcome, detail))
            if outcome == "failed" and value(check, "stopTestOnFail") == "true":
                stopped = True
    return name, results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base", required=True)
    parser.add_argument("--tokens", required=True)
    parser.add_argument("--report", required=True)
    parser.add_argument("scripts", nargs="+")
    args = parser.parse_args()
    if not LOOPBACK.match(args.base.rstrip("/") + "/"):
        raise SystemExit("--base must be a loopback address")
    tokens = json.load(open(args.tokens))
    report = {}
    for path in args.scripts:
        name, results = run_script(path, args.base.rstrip("/"), tokens)
        counts = {}
        for _, _, outcome, _ in results:
            counts[outcome] = counts.get(outcome, 0) + 1
        report[path] = {"name": name, "counts": counts,
                        "results": [{"test": t, "assertion": a, "outcome": o, "detail": d} for t, a, o, d in results]}
        print(f"{name}: {counts}")
    json.dump(report, open(args.report, "w"), indent=1)


if __name__ == "__main__":
    sys.exit(main())
