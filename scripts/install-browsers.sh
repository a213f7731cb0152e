#!/usr/bin/env bash
# Makes sure the three browser engines of the e2e suite are installed:
# Debian's chromium, firefox-esr, webkit2gtk-driver (WebKitWebDriver) and xvfb.
# Installs the missing ones with apt when running as root; otherwise fails
# with a message naming them.
set -euo pipefail
declare -A need=([chromium]=/usr/bin/chromium [firefox-esr]=/usr/bin/firefox-esr
	[webkit2gtk-driver]=/usr/bin/WebKitWebDriver [xvfb]=/usr/bin/Xvfb)
missing=()
for pkg in "${!need[@]}"; do
	[ -x "${need[$pkg]}" ] || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "error: browser packages missing: ${missing[*]}; install them as root:" >&2
	echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
	exit 1
fi
echo "installing browser packages: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
	echo "error: apt-get could not install: ${missing[*]}" >&2
	exit 1
fi
for pkg in "${missing[@]}"; do
	[ -x "${need[$pkg]}" ] || { echo "error: ${need[$pkg]} still missing after installing $pkg" >&2; exit 1; }
done
