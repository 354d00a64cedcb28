#!/usr/bin/env bash
# The whole test suite, on a fresh Debian machine with Swift installed.
# Installs the system packages it needs (libxml2-dev, zlib1g-dev, pkg-config; curl for the TLS tests; chromium and
# chromium-driver for the operator console's browser test — test-only, never needed to run Perigate) when missing,
# the PyPI tools the tests check against (schemathesis) into .build/python-tools,
# starts a throwaway PostgreSQL server on 127.0.0.1 (scripts/test-postgres.sh; stopped and removed on exit),
# builds everything and runs `swift test`. Used as-is by .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
for package in libxml2-dev zlib1g-dev pkg-config curl python3 chromium chromium-driver; do
  dpkg -s "$package" >/dev/null 2>&1 || need+=("$package")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi

if [ ! -f ../shared/corpus/MANIFEST.tsv ]; then
  echo "note: ../shared/corpus is absent: the Nictiz conformance tests will be skipped"
fi

# Outside implementations the tests check against (scripts/requirements-test.txt, from PyPI) in a
# virtual environment of their own; python3-venv from apt only when python3 cannot make one.
tools="$PWD/.build/python-tools"
if ! "$tools/bin/python" -c 'import schemathesis, fhir.resources' 2>/dev/null || ! cmp -s scripts/requirements-test.txt "$tools/requirements-test.txt"; then
  rm -rf "$tools"
  if ! python3 -m venv "$tools" 2>/dev/null; then
    echo "installing: python3-venv"
    SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq python3-venv >/dev/null
    rm -rf "$tools"; python3 -m venv "$tools"
  fi
  "$tools/bin/pip" install -q --disable-pip-version-check -r scripts/requirements-test.txt
  cp scripts/requirements-test.txt "$tools/requirements-test.txt"
fi
export PERIGATE_SCHEMATHESIS="$tools/bin/schemathesis" PERIGATE_REQUIRE_SCHEMATHESIS=1
# The Python with fhir.resources (the FHIR oracle); the FHIR tests must run, not skip.
export PERIGATE_PYTHON="$tools/bin/python" PERIGATE_REQUIRE_PYTHON=1

source scripts/test-postgres.sh
start_test_postgres
trap stop_test_postgres EXIT

# The browser test must run here, not skip; its screenshots go to $PERIGATE_TEST_OUTPUT/console.
export PERIGATE_REQUIRE_BROWSER=1
export PERIGATE_TEST_OUTPUT="${PERIGATE_TEST_OUTPUT:-$PWD/.build/test-output}"
# The test gateways sign audit checkpoints with a key of their own, not the user's (~/.config/perigate).
export PERIGATE_AUDIT_KEY_DIRECTORY="${PERIGATE_AUDIT_KEY_DIRECTORY:-$(mktemp -d)/perigate-keys}"

# The FHIR model is generated from Sources/PerigateFHIR/model.stu3: the two must agree.
python3 scripts/generate-fhir-model.py --check

swift build --build-tests
swift test
echo "console screenshots: $PERIGATE_TEST_OUTPUT/console"
