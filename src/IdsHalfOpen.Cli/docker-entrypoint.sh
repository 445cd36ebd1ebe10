#!/bin/sh
# Entry point of the IdsHalfOpen image. docker-compose.yml's setup container writes the SHA-256 fingerprint of the
# stack's CA to /trust/ca.sha256; the sensor trusts Elasticsearch by it unless IDS_ES_CA_FINGERPRINT is already set.
set -eu
if [ -z "${IDS_ES_CA_FINGERPRINT:-}" ] && [ -r /trust/ca.sha256 ]; then
    IDS_ES_CA_FINGERPRINT=$(cat /trust/ca.sha256)
    export IDS_ES_CA_FINGERPRINT
fi
# "sh -c ..." or an absolute path runs as given (the setup and replay services need a shell); anything else is
# arguments for idshalfopen.
case "${1:-}" in
    sh | /*) exec "$@" ;;
    *) exec idshalfopen "$@" ;;
esac
