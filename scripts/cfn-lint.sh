#!/usr/bin/env bash
# Lints the CloudFormation templates under deploy/ with cfn-lint (AWS's own
# template linter): any error fails. cfn-lint comes with the machine's
# Python; it is looked up as a command, then as python3's module.
set -euo pipefail
cd "$(dirname "$0")/.."
shopt -s nullglob
templates=(deploy/*.json deploy/*.yaml deploy/*.yml)
if [ ${#templates[@]} -eq 0 ]; then
	echo "error: no CloudFormation template under deploy/" >&2
	exit 1
fi
if command -v cfn-lint >/dev/null 2>&1 && cfn-lint --version >/dev/null 2>&1; then
	exec cfn-lint -- "${templates[@]}"
fi
if python3 -c 'import cfnlint.runner' 2>/dev/null; then
	exec python3 -c 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; sys.exit(main())' -- "${templates[@]}"
fi
echo "error: cfn-lint is missing, so deploy/ cannot be checked." >&2
echo "Install it into python3 (python3 -m pip install cfn-lint) or put the cfn-lint command on PATH." >&2
exit 1
