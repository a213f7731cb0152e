#!/usr/bin/env bash
# Makes sure the three browser engines of the e2e suite are installed:
# Debian's chromium, firefox-esr, webkit2gtk-driver (WebKitWebDriver) and xvfb.
set -euo pipefail
exec "$(dirname "$0")/install-debian-packages.sh" "the browser suite" chromium=/usr/bin/chromium \
	firefox-esr=/usr/bin/firefox-esr webkit2gtk-driver=/usr/bin/WebKitWebDriver xvfb=/usr/bin/Xvfb
