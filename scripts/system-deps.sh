#!/usr/bin/env bash
# Install the system packages the tests need, from Debian: Chromium for the browser tests
# (Playwright drives it through its executable path; no browser is downloaded), and
# PostgreSQL, Redis and nginx for the cluster tests and `make run-cluster` (each started by
# tests/services.py on 127.0.0.1 with its data in a temporary folder; never as a system service),
# and what checks the deployment files (tests/test_deploy.py).
set -euo pipefail
missing=()
[ -x /usr/bin/chromium ] || missing+=(chromium)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/redis-server ] || missing+=(redis-server)
[ -x /usr/sbin/nginx ] || missing+=(nginx)
command -v openssl >/dev/null || missing+=(openssl)  # test certificates for the nginx site
command -v systemd-analyze >/dev/null || missing+=(systemd)  # checks deploy/systemd units
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
  echo "error: missing Debian packages: ${missing[*]}. Install them: apt-get install ${missing[*]}" >&2
  exit 1
fi
as_root=""
[ "$(id -u)" -ne 0 ] && as_root="sudo"
echo "Installing Debian's packages for the tests: ${missing[*]}..."
# Another install running (unattended upgrades, a parallel job) holds dpkg's lock: wait for it.
wait_for_lock=(-o DPkg::Lock::Timeout=600)
$as_root apt-get "${wait_for_lock[@]}" update -qq
DEBIAN_FRONTEND=noninteractive $as_root apt-get "${wait_for_lock[@]}" install -y -qq \
  --no-install-recommends "${missing[@]}" >/dev/null
