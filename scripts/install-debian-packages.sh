#!/usr/bin/env bash
# usage: install-debian-packages.sh WHAT PACKAGE=PATH...
# Makes sure each Debian PACKAGE is installed, judged by the executable
# PATH it provides: installs the missing ones with apt when running as
# root; otherwise fails with a message naming them (WHAT says what they
# are for). make test's browser suite and page audit both use it.
set -euo pipefail
what=$1
shift
declare -A need=()
missing=()
for pair in "$@"; do
	pkg=${pair%%=*}
	need[$pkg]=${pair#*=}
	[ -x "${need[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "error: packages missing for $what: ${missing[*]}; install them as root:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "installing packages for $what: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
	echo "error: apt-get could not install: ${missing[*]}" >&2
	exit 1
fi
for pkg in "${missing[@]}"; do
	[ -x "${need[$pkg]}" ] || { echo "error: ${need[$pkg]} still missing after installing $pkg" >&2; exit 1; }
done
