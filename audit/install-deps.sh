#!/usr/bin/env bash
# Makes sure what the audit drives is installed: Debian's chromium and a
# Java runtime for the Nu HTML Checker (vnu.jar; default-jre-headless).
# Installs the missing ones with apt when running as root; otherwise fails
# with a message naming them. Then the audit's npm packages (npm ci).
set -euo pipefail
cd "$(dirname "$0")"
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
command -v java >/dev/null 2>&1 || missing+=(default-jre-headless)
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "error: packages missing for the audit: ${missing[*]}; install them as root:" >&2
		echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
		exit 1
	fi
	echo "installing packages for the audit: ${missing[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	if ! { apt-get update -qq && apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
		echo "error: apt-get could not install: ${missing[*]}" >&2
		exit 1
	fi
	[ -x /usr/bin/chromium ] || { echo "error: /usr/bin/chromium still missing" >&2; exit 1; }
	command -v java >/dev/null 2>&1 || { echo "error: java still missing after installing default-jre-headless" >&2; exit 1; }
fi
PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
