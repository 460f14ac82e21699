#!/usr/bin/env bash
# Build the book on a fresh machine: install the pinned toolchain and the course library,
# then build both editions with warnings as errors. Output: _build/html (open
# _build/html/index.html; the Chinese edition is _build/html/zh/index.html).
# The widget JavaScript is fetched once with npm (Node.js) and cached in ~/.cache/emergence.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -r requirements.txt -e .
rm -rf _build/html _build/.doctrees*
# Both editions, warnings as errors: English into _build/html, Chinese into _build/html/zh.
python3 -m emergence.editions
