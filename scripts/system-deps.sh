#!/usr/bin/env bash
# Install the system packages the tests need: Debian's Chromium for the browser tests.
# Playwright drives it through its executable path; no browser is downloaded.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "error: Chromium is missing. Install Debian's package: apt-get install chromium" >&2
  exit 1
fi
as_root=""
[ "$(id -u)" -ne 0 ] && as_root="sudo"
echo "Installing Debian's chromium package for the browser tests..."
$as_root apt-get update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get install -y -qq --no-install-recommends chromium >/dev/null
