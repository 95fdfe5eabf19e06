#!/usr/bin/env bash
# The fault-injection suite (issue 12), outside the default test run (several minutes): commands
# flow at 30/s while Kafka, PostgreSQL, the services, or one of three brokers fail; then every
# acknowledged command must be in the figures once, and the replay must equal the live figures.
#   bash tests/faults.sh                      # kafka, postgres, kills on the local stack
#   bash tests/faults.sh broker               # needs: .venv/bin/relais stack down && .venv/bin/relais stack up --brokers 3
# Results: .relais/faults/<scenario>.json; the last ones are in the README.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/local/setup.sh
.venv/bin/relais down --keep-stack >/dev/null 2>&1 || true
.venv/bin/relais stack up
exec .venv/bin/python tests/faults/run.py "$@"
