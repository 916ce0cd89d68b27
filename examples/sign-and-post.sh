#!/usr/bin/env bash
# Calls the API with curl, signed the API-Gateway way (HMAC-SHA256 over the StringToSign).
# Usage: WANXING_APP_KEY=... WANXING_APP_SECRET=... examples/sign-and-post.sh /swapface '{"source_url":...}'
set -euo pipefail
BASE=${WANXING_URL:-http://localhost:8080}
PATH_=$1
BODY=$2
KEY=${WANXING_APP_KEY:?set WANXING_APP_KEY}
SECRET=${WANXING_APP_SECRET:?set WANXING_APP_SECRET}
MD5=$(printf '%s' "$BODY" | openssl dgst -md5 -binary | base64)
TS=$(date +%s%3N)
NONCE=$(cat /proc/sys/kernel/random/uuid)
# Method, Accept, Content-MD5, Content-Type, Date (empty), the signed X-Ca-* headers sorted, the path.
STS=$(printf 'POST\napplication/json\n%s\napplication/json\n\nx-ca-key:%s\nx-ca-nonce:%s\nx-ca-timestamp:%s\n%s' \
  "$MD5" "$KEY" "$NONCE" "$TS" "$PATH_")
SIG=$(printf '%s' "$STS" | openssl dgst -sha256 -hmac "$SECRET" -binary | base64)
curl -sS "$BASE$PATH_" \
  -H 'accept: application/json' -H 'content-type: application/json' -H "content-md5: $MD5" \
  -H "x-ca-key: $KEY" -H "x-ca-nonce: $NONCE" -H "x-ca-timestamp: $TS" \
  -H 'x-ca-signature-headers: x-ca-key,x-ca-nonce,x-ca-timestamp' -H "x-ca-signature: $SIG" \
  --data-binary "$BODY"
echo
