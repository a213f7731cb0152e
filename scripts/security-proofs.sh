#!/usr/bin/env bash
# Runs exactly the tests SECURITY.md cites ("`path/file_test.go: TestA, FuzzB`"), one `go test` per
# package, and fails if one is missing or fails. `make test` runs them too, with everything else.
set -euo pipefail
cd "$(dirname "$0")/.."
declare -A names
cited=0
while IFS= read -r cite; do
	file=${cite%%: *}
	dir=$(dirname "$file")
	[[ -f $file ]] || { echo "SECURITY.md cites $file, which does not exist" >&2; exit 1; }
	for name in ${cite#*: }; do
		name=${name%,}
		grep -q "^func $name(" "$file" || { echo "SECURITY.md cites $file: $name, which does not exist" >&2; exit 1; }
		names[$dir]+="${names[$dir]:+|}$name"
		cited=$((cited + 1))
	done
done < <(grep -o '`\(\(cmd\|internal\)/[a-z/_]*/\)\?[a-z_]*_test\.go: [A-Za-z0-9_, ]*`' SECURITY.md | tr -d '`')
if [ "$cited" -eq 0 ]; then
	echo "SECURITY.md cites no test (\`path/file_test.go: TestA\`): nothing would be proven" >&2
	exit 1
fi
status=0
for dir in $(printf '%s\n' "${!names[@]}" | sort); do
	n=$(tr '|' '\n' <<<"${names[$dir]}" | sort -u | wc -l)
	echo "== ./$dir ($n tests)"
	go test -count=1 -run "^(${names[$dir]})\$" "./$dir" || status=1
done
exit $status
