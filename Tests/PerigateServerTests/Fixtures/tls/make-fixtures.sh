#!/usr/bin/env bash
# Test-only TLS material for the mutual-TLS tests: a CA, a server certificate for 127.0.0.1,
# two partner client certificates signed by the CA, and one signed by a stranger CA.
# Never use these keys for anything else. Regenerate with: bash make-fixtures.sh
set -euo pipefail
cd "$(dirname "$0")"
days=36500
make_ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.pem" -days $days -subj "/CN=$2" 2>/dev/null; }
make_cert() { # name CN ca ext
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$1.key" -out "$1.csr" -subj "/CN=$2" 2>/dev/null
  openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -out "$1.pem" -days $days -extfile <(printf "%s" "$4") 2>/dev/null
  rm -f "$1.csr"
}
make_ca ca "Perigate test partner CA"
make_ca stranger-ca "Some other CA"
make_cert server "127.0.0.1" ca "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth"
make_cert midwife "Verloskundigenpraktijk De Linde (test)" ca "extendedKeyUsage=clientAuth"
make_cert hospital "Rijnland Gasthuis (test)" ca "extendedKeyUsage=clientAuth"
make_cert stranger "Stranger (test)" stranger-ca "extendedKeyUsage=clientAuth"
rm -f ./*.srl
