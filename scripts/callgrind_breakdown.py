"""Where a callgrind profile of `perigate serve` spends its instructions, per accepted message.

Usage: callgrind_breakdown.py CALLGRIND_OUT MESSAGES

Prints (1) the instructions of the whole run per message; (2) self cost per library (for the
perigate binary, per Swift module, from the mangled names); (3) the inclusive cost of the
synchronous steps of an ingest, per message. Inclusive costs of async functions are not
meaningful in callgrind (a task's frames are re-entered from the executor), so only named
synchronous functions are listed there.
"""
import collections
import re
import sys

# Synchronous steps of one ingest: (label, regular expression on the mangled name).
STEPS = [
    ("pre-scan, parse, validate, map (the ceiling's work)", r"CanonicalMapperV4read_9validator6waiver"),
    ("  of which: safe parse (pre-scan + libxml2)", r"SafeXMLParserV5parseyAC7OutcomeOx"),
    ("  of which: XSD and semantic checks", r"MessageValidatorV10validation"),
    ("  of which: mapping to facts (Perigate's kinds)", r"0A13MessageMapperV3map"),
    ("stored JSON: report and facts", r"StorageJSONO4text"),
    ("audit lines: encoding (templates)", r"AuditChainO6encode"),
    ("audit lines: numbering and hashing (SQLite)", r"AuditChainO4rows12forTemplates"),
    ("zlib: raw message and record state", r"CompressionO8compress"),
    ("her record row: add the message and encode", r"ClientRowV(6adding|6encode)"),
    ("receipt JSON", r"CanonicalJSONO4data"),
    ("sender policy", r"SenderPolicyO10registered"),
]


def main(path, messages):
    names, objects, owner = {}, {}, {}
    own = collections.defaultdict(int)
    calls = collections.defaultdict(lambda: collections.defaultdict(int))
    fn = callee = obj = None
    after_call = False

    def ref(token, table):
        match = re.match(r"\((\d+)\)(?: (.*))?", token)
        if not match:
            return token
        if match.group(2):
            table[match.group(1)] = match.group(2)
        return match.group(1)

    for line in open(path, errors="replace"):
        line = line.rstrip("\n")
        if line.startswith("ob="):
            obj = ref(line[3:], objects)
        elif line.startswith("fn="):
            fn = ref(line[3:], names)
            owner[fn] = obj
        elif line.startswith("cob="):
            ref(line[4:], objects)
        elif line.startswith("cfn="):
            callee = ref(line[4:], names)
        elif line.startswith("calls="):
            after_call = True
        elif line and (line[0].isdigit() or line[0] in "+-*"):
            parts = line.split()
            if len(parts) < 2:
                continue
            if after_call:
                calls[callee][fn] += int(parts[1])
                after_call = False
            else:
                own[fn] += int(parts[1])

    total = sum(own.values())
    print(f"instructions: {total:,} for {messages} accepted messages: {total // messages:,} per message")

    def library(function):
        base = (objects.get(owner.get(function), "") or "").split("/")[-1]
        if "perigate" not in base:
            return base
        name = names.get(function, function)
        match = re.match(r"\$s(\d+)([A-Za-z_]+)", name)
        if match:
            return "Swift module " + match.group(2)[: int(match.group(1))]
        if "sqlite3" in name:
            return "SQLite (C)"
        if "CCryptoBoringSSL" in name:
            return "BoringSSL (C)"
        return "perigate binary, other (specialized generics, C shims)"

    per_library = collections.defaultdict(int)
    for function, cost in own.items():
        per_library[library(function)] += cost
    print("\nself cost per library (per message):")
    for name, cost in sorted(per_library.items(), key=lambda item: -item[1])[:16]:
        print(f"  {cost // messages:>10,}  {cost * 100 / total:5.1f} %  {name}")

    print("\nsynchronous steps, inclusive (per message):")
    for label, pattern in STEPS:
        # Closures inside a step are charged to it through their callers; leave them out (no double count).
        functions = {f for f, n in names.items() if re.search(pattern, n) and "'" not in n and "fU_" not in n and "fU0_" not in n}
        # Inclusive cost of a function = what its callers were charged for calling it, outside itself.
        cost = sum(v for f in functions for caller, v in calls[f].items() if caller not in functions)
        print(f"  {cost // messages:>10,}  {cost * 100 / total:5.1f} %  {label}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]))
