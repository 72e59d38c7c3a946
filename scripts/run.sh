#!/usr/bin/env bash
# Start the action server, Rasa (REST, socket.io, web chat page) and the staff console (sign-in,
# handoff queue, procedure lookup); print one line when ready (and how to create the first
# supervisor account while there is none).
set -euo pipefail
cd "$(dirname "$0")/.."
mkdir -p var
RASA_PORT="${RASA_PORT:-5005}"
ACTIONS_PORT="${ACTIONS_PORT:-5055}"
CONSOLE_PORT="${CONSOLE_PORT:-5080}"
# Live handoff: Rasa, the action server and the staff console share this secret.
export STAFF_BRIDGE_TOKEN="${STAFF_BRIDGE_TOKEN:-$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')}"

# Rasa calls the action server on ACTIONS_PORT: the endpoints file for this run says so.
sed "s#http://localhost:5055/webhook#http://localhost:$ACTIONS_PORT/webhook#" endpoints.yml > var/endpoints.yml

# Each server runs under scripts/supervise.py, which restarts it when it crashes.
supervise=(.venv/bin/python scripts/supervise.py)
"${supervise[@]}" actions -- .venv/bin/python -m bot.serve run actions --actions actions --port "$ACTIONS_PORT" > var/actions.log 2>&1 &
actions_pid=$!
# The HTTP API is on for the readiness check only, behind a token made for this run.
token="$(head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n')"
"${supervise[@]}" rasa -- .venv/bin/python -m bot.serve run --model models/current.tar.gz --enable-api --auth-token "$token" --cors "*" \
  --credentials credentials.yml --endpoints var/endpoints.yml --port "$RASA_PORT" > var/rasa.log 2>&1 &
rasa_pid=$!
"${supervise[@]}" console -- .venv/bin/python -m bot.console.app --port "$CONSOLE_PORT" > var/console.log 2>&1 &
console_pid=$!
trap 'kill $actions_pid $rasa_pid $console_pid 2>/dev/null; wait 2>/dev/null' EXIT INT TERM

for _ in $(seq 1 240); do
  if ! kill -0 "$actions_pid" 2>/dev/null || ! kill -0 "$rasa_pid" 2>/dev/null ||
     ! kill -0 "$console_pid" 2>/dev/null; then
    echo "A server stopped while starting; see var/actions.log, var/rasa.log and var/console.log." >&2
    exit 1
  fi
  if curl -sf "http://localhost:$ACTIONS_PORT/health" >/dev/null &&
     curl -sf "http://localhost:$RASA_PORT/status?token=$token" >/dev/null &&
     curl -sf "http://localhost:$CONSOLE_PORT/health" >/dev/null; then
    echo "Ready: chat at http://localhost:$RASA_PORT/webhooks/webchat/ — REST at http://localhost:$RASA_PORT/webhooks/rest/webhook — staff console at http://localhost:$CONSOLE_PORT/ (logs in var/; Ctrl+C stops)"
    if ! .venv/bin/python -m bot.console.create_staff --check; then
      echo "No supervisor account yet: create one with \`.venv/bin/python -m bot.console.create_staff --supervisor USERNAME\` (it asks for the password)."
    fi
    wait
    exit 0
  fi
  sleep 1
done
echo "The servers did not become ready within 4 minutes; see var/*.log." >&2
exit 1
