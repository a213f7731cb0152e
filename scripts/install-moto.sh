#!/usr/bin/env bash
# Makes sure python3 can import moto, the DynamoDB-compatible server the
# tests and `make run-dynamodb` use; installs it with pip when missing.
set -euo pipefail
if python3 -c 'import moto, werkzeug' 2>/dev/null; then
	exit 0
fi
echo "moto is missing: installing moto[server] with pip" >&2
if ! python3 -m pip install --quiet 'moto[server]>=5,<6'; then
	echo "error: could not install moto (python3 -m pip install 'moto[server]'); the DynamoDB tests need it" >&2
	exit 1
fi
