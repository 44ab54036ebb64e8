#!/usr/bin/env bash
# The headless browser of the JupyterLab tests (tests/widgets/test_browser.py).
#   scripts/chromium.sh      -> prints the path of the chromium binary
# Installs Debian's chromium package first if it is missing (as root, where allowed). The tests
# drive it with the Python playwright package, which downloads no browser of its own.
set -euo pipefail
if ! command -v chromium >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  { apt-get update -qq && apt-get install -y -qq chromium; } >&2
fi
command -v chromium
