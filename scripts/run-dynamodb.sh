#!/usr/bin/env bash
# Starts a local DynamoDB-compatible server (moto, single-threaded) and the
# shop against it, for people who want to see the DynamoDB store at work.
# The data lives in memory: it is gone when this script stops.
set -euo pipefail
cd "$(dirname "$0")/.."
port=${DYNAMODB_PORT:-8001}
log=$(mktemp)
python3 scripts/dynamodb_local.py --port "$port" >"$log" 2>&1 &
moto=$!
trap 'kill $moto 2>/dev/null || true; rm -f "$log"' EXIT
for _ in $(seq 1 100); do
	grep -q '^READY' "$log" && break
	kill -0 $moto 2>/dev/null || { cat "$log" >&2; exit 1; }
	sleep 0.1
done
grep -q '^READY' "$log" || { echo "error: local DynamoDB server did not start" >&2; cat "$log" >&2; exit 1; }
echo "local DynamoDB server at http://127.0.0.1:$port" >&2
STOREFRONT_STORE=dynamodb \
AWS_ENDPOINT_URL_DYNAMODB="http://127.0.0.1:$port" \
AWS_REGION="${AWS_REGION:-us-east-1}" \
AWS_ACCESS_KEY_ID="${AWS_ACCESS_KEY_ID:-local}" \
AWS_SECRET_ACCESS_KEY="${AWS_SECRET_ACCESS_KEY:-local}" \
	bin/storefront &
shop=$!
# SIGTERM or SIGINT to this script stops the shop gracefully, then moto.
trap 'kill -TERM $shop 2>/dev/null || true' TERM INT
status=0
wait $shop || status=$?
if kill -0 $shop 2>/dev/null; then # the wait ended on the signal: let the shop finish
	wait $shop || status=$?
fi
exit $status
