#!/usr/bin/env bash
# The README's first command: set up this machine, start the stack and the four services,
# and print the dashboard's URL. Stop everything with `.venv/bin/relais down`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash deploy/local/setup.sh
exec .venv/bin/relais up
