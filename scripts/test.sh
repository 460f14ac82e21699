#!/usr/bin/env bash
# Run every test on a fresh machine: install, build the book, then unit tests, the
# notebook contract, nbval over every notebook (strict: stored outputs compared) and the
# browser tests on the built book (headless Chromium, network blocked); then nbval again
# under each emulated machine profile (emergence/machines.py), so a printed result that
# depends on the CPU fails, naming the profile and the cell.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "== installing Chromium (Debian package) for the browser tests"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
echo "== building the book"
bash scripts/build.sh
echo "== tests"
# Two or more workers (pytest-xdist); --dist loadfile keeps each notebook's cells on one worker.
nbval=(python3 -m pytest -p no:cacheprovider --nbval --nbval-kernel-name python3 -n auto --dist loadfile)
"${nbval[@]}" --durations=15 tests notebooks "$@"
for profile in avx2 sse; do
  echo "== nbval under machine profile $profile"
  "${nbval[@]}" --machine-profile "$profile" notebooks
done
