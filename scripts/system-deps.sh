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
# Another install running (unattended upgrades, a parallel job) holds dpkg's lock: wait for it.
wait_for_lock=(-o DPkg::Lock::Timeout=600)
$as_root apt-get "${wait_for_lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get "${wait_for_lock[@]}" install -y -qq \
  --no-install-recommends chromium >/dev/null
