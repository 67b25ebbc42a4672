#!/usr/bin/env bash
# Install what sakti needs on this machine, only what is missing:
#  1. system packages (LibreOffice, fonts, poppler-utils, NSS tools, SoftHSM2, Chromium, PostgreSQL) via apt-get when root;
#  2. a virtualenv in .venv with sakti and its test tools (re-installed when pyproject.toml changes).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES="libreoffice-writer-nogui fonts-liberation fonts-crosextra-carlito fonts-crosextra-caladea fonts-texgyre poppler-utils libnss3-tools softhsm2 python3-uno chromium postgresql"
VENV="${VENV:-.venv}"
PYTHON="${PYTHON:-python3}"

missing=()
command -v soffice >/dev/null 2>&1 || missing+=(soffice)
command -v pdfsig >/dev/null 2>&1 || missing+=(pdfsig)
command -v certutil >/dev/null 2>&1 || missing+=(certutil)
command -v softhsm2-util >/dev/null 2>&1 || missing+=(softhsm2-util)
# the verification site's browser tests (tests/test_situs_browser.py) drive Debian's Chromium
[ -x /usr/bin/chromium ] || missing+=(chromium)
# the PostgreSQL register's tests start their own server (tests/pg_server.py: initdb + pg_ctl)
compgen -G "/usr/lib/postgresql/*/bin/initdb" >/dev/null || command -v initdb >/dev/null 2>&1 || missing+=(postgresql)
# fc-list is read once into a variable: piped into `grep -q` under pipefail it dies of SIGPIPE (141) when
# grep stops early, and the fonts then looked missing at random (apt-get ran, and failed offline).
fonts="$(fc-list 2>/dev/null || true)"
grep -qi "Liberation Serif" <<<"$fonts" || missing+=(fonts-liberation)
grep -qi "TeX Gyre Bonum" <<<"$fonts" || missing+=(fonts-texgyre)
grep -qi "Carlito" <<<"$fonts" || missing+=(fonts-crosextra-carlito)
# python3-uno lets one LibreOffice process convert many letters (sakti_cli/documents/convert.py, mode uno)
/usr/bin/python3 -I -c "import uno" >/dev/null 2>&1 || missing+=(python3-uno)

if [ ${#missing[@]} -gt 0 ]; then
  echo "Memasang paket sistem yang belum ada (${missing[*]})..." >&2
  if [ "$(id -u)" = "0" ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    # shellcheck disable=SC2086
    apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo apt-get update -qq
    # shellcheck disable=SC2086
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $APT_PACKAGES >/dev/null
  else
    echo "Paket sistem belum terpasang: ${missing[*]}." >&2
    echo "Jalankan sebagai root:  apt-get install -y $APT_PACKAGES" >&2
    exit 4
  fi
fi

if [ ! -x "$VENV/bin/python" ]; then
  echo "Membuat virtualenv $VENV..." >&2
  "$PYTHON" -m venv "$VENV"
fi
stamp="$VENV/.sakti-terpasang"
want="$(sha256sum pyproject.toml | cut -d' ' -f1)"
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "Memasang sakti dan perangkat uji ke $VENV..." >&2
  log="$VENV/pasang.log"
  "$VENV/bin/python" -m pip install -q --upgrade pip >"$log" 2>&1 || true
  # the build's own warnings go to the log, shown only when the install fails
  if ! "$VENV/bin/python" -m pip install -q -e ".[dev]" >>"$log" 2>&1; then
    cat "$log" >&2
    echo "Pemasangan gagal; catatan lengkap di $log." >&2
    exit 4
  fi
  echo "$want" > "$stamp"
fi
# sakti's own modules byte-compiled (pip does so for the libraries, not for an editable install): a run then
# starts from the compiled code even where Python writes none itself (PYTHONDONTWRITEBYTECODE); a changed
# source is compiled again here, and Python ignores a stale one
"$VENV/bin/python" -m compileall -q -j 0 sakti_cli >/dev/null || true
