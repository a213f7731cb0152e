#!/usr/bin/env bash
# Runs every Go fuzz target for a while (default 30s each): `make fuzz`.
# `make test` runs only their seed corpora, as ordinary tests.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-30s}
shopt -s nullglob
fuzzed=0
for pkg in $(go list ./...); do
	dir=$(go list -f '{{.Dir}}' "$pkg")
	tests=("$dir"/*_test.go)
	[ ${#tests[@]} -eq 0 ] && continue
	for target in $(grep -ho '^func Fuzz[A-Za-z0-9_]*' "${tests[@]}" | sed 's/^func //' | sort -u); do
		echo "== $pkg $target ($fuzztime)"
		go test -run '^$' -fuzz "^${target}\$" -fuzztime "$fuzztime" "$pkg"
		fuzzed=$((fuzzed + 1))
	done
done
if [ "$fuzzed" -eq 0 ]; then
	echo "error: no fuzz target found (func FuzzX in a *_test.go): nothing was fuzzed" >&2
	exit 1
fi
echo "fuzzed $fuzzed targets for $fuzztime each"
