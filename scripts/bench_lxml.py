#!/usr/bin/env python3
"""Baseline for docs/performance.md: Python lxml, schema compiled once, parse + validate in a loop.

usage: bench_lxml.py XSD FILE SECONDS THREADS  -> prints documents/s
       bench_lxml.py XSD FILE --iterations N    -> N parses + validations, nothing printed
                                                   (for valgrind: scripts/bench-instructions.sh)
"""
import sys, threading, time
from lxml import etree

xsd, path = sys.argv[1], sys.argv[2]
schema = etree.XMLSchema(etree.parse(xsd))
data = open(path, "rb").read()
parser = etree.XMLParser(resolve_entities=False, no_network=True)
if sys.argv[3] == "--iterations":
    for _ in range(int(sys.argv[4])):
        schema.validate(etree.fromstring(data, parser))
    sys.exit(0)
seconds, threads = float(sys.argv[3]), int(sys.argv[4])
counts = [0] * threads

def worker(index):
    deadline = time.perf_counter() + seconds
    n = 0
    while time.perf_counter() < deadline:
        for _ in range(8):
            schema.validate(etree.fromstring(data, parser))
        n += 8
    counts[index] = n

start = time.perf_counter()
pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
for t in pool: t.start()
for t in pool: t.join()
elapsed = time.perf_counter() - start
print(f"{sum(counts) / elapsed:.0f}")
