# Sourced by ./run and ./test: find Python >= 3.12, make .venv, install the Python dependencies.
# Reinstalls only when pyproject.toml changed since the last install.

REELWORK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$REELWORK_ROOT/.venv"

python_ok() {
  "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1
}

find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.13 python3.12 python3 python \
      "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3.1[2-9]*/bin/python3 \
      /usr/local/bin/python3.1[2-9] /usr/bin/python3.1[2-9] /opt/homebrew/bin/python3.1[2-9]; do
    [ -n "$candidate" ] || continue
    if python_ok "$candidate"; then
      command -v "$candidate" 2>/dev/null || echo "$candidate"
      return 0
    fi
  done
  return 1
}

bootstrap() {
  local extras="${1:-}" target="$REELWORK_ROOT"
  [ -z "$extras" ] || target="$REELWORK_ROOT[$extras]"
  if [ ! -x "$VENV/bin/python" ] || ! python_ok "$VENV/bin/python"; then
    local py
    if ! py="$(find_python)"; then
      echo "Reelwork needs Python 3.12 or newer (Django 6). Install it, e.g. 'apt-get install python3.12 python3.12-venv'," >&2
      echo "'pyenv install 3.12', or your distribution's python3.12 package, or point PYTHON=/path/to/python3.12." >&2
      exit 1
    fi
    echo "Creating .venv with $py ($("$py" --version))"
    rm -rf "$VENV"
    "$py" -m venv "$VENV" || { echo "Could not create a virtualenv: install your distribution's python3-venv package." >&2; exit 1; }
  fi
  local stamp="$VENV/.installed-${extras:-app}" want
  want="$(cat "$REELWORK_ROOT/pyproject.toml" | cksum)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    echo "Installing Python dependencies into .venv ..."
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
    "$VENV/bin/python" -m pip install --quiet "$target"
    echo "$want" > "$stamp"
  fi
}
