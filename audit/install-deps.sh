#!/usr/bin/env bash
# Makes sure what the audit drives is installed: Debian's chromium and a
# Java runtime for the Nu HTML Checker (vnu.jar; default-jre-headless).
# Installs the missing ones with apt when running as root; otherwise fails
# with a message naming them. Then the audit's npm packages (npm ci).
set -euo pipefail
cd "$(dirname "$0")"
../scripts/install-debian-packages.sh "the page audit" chromium=/usr/bin/chromium default-jre-headless=/usr/bin/java
PUPPETEER_SKIP_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error
