#!/usr/bin/env bash
# Print the path of a Python 3.10 interpreter (Rasa 3.6 supports Python <= 3.10), or explain what to install.
set -euo pipefail

is_310() { "$1" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' 2>/dev/null; }

candidates=()
[ -n "${PYTHON310:-}" ] && candidates+=("$PYTHON310")
command -v python3.10 >/dev/null 2>&1 && candidates+=("$(command -v python3.10)")
pyenv_root="${PYENV_ROOT:-$HOME/.pyenv}"
command -v pyenv >/dev/null 2>&1 && pyenv_root="$(pyenv root)"
for dir in "$pyenv_root"/versions/3.10*/bin /usr/local/bin /usr/bin; do
  [ -x "$dir/python3.10" ] && candidates+=("$dir/python3.10")
done

for python in "${candidates[@]}"; do
  # pyenv shims exist for every installed version but may refuse to run one not selected.
  if is_310 "$python"; then
    echo "$python"
    exit 0
  fi
done

cat >&2 <<'MSG'
error: Python 3.10 was not found. Rasa Open Source 3.6 runs only on Python <= 3.10.
Install it, then run the command again, for example:
  pyenv install 3.10.13          (with pyenv), or
  apt-get install python3.10 python3.10-venv   (where your distribution has it)
or point PYTHON310 at an interpreter: PYTHON310=/path/to/python3.10 make run
MSG
exit 1
