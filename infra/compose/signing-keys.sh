#!/usr/bin/env bash
# Prints `export` lines with fresh Ed25519 keys for the signed control messages of the compose
# topology (README "Signing keys"): private keys as base64 PKCS#8 DER, public keys as base64 SPKI
# DER. Use: eval "$(infra/compose/signing-keys.sh)", or redirect into infra/compose/.env (git
# ignores it; keep it private). Needs OpenSSL 1.1.1 or later.
set -euo pipefail

pair() {
  local name=$1 der
  der=$(openssl genpkey -algorithm ed25519 -outform DER | base64 | tr -d '\n')
  echo "export ${name}_PRIVATE_KEY${2:-}=${der}"
  echo "export ${name}_PUBLIC_KEY${2:-}=$(echo "${der}" | base64 -d | openssl pkey -inform DER -pubout -outform DER | base64 | tr -d '\n')"
}

pair POLICY_SIGNING
pair ALLOCATION_SIGNING
pair USAGE_SIGNING _US_EAST
pair USAGE_SIGNING _EU_WEST
