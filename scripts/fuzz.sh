#!/usr/bin/env bash
# The fuzz run of intake (README, "Fuzzing"): 10,000 generated payloads in process
# (parse_submission) and 10,000 over the wire (AMQP and HTTP, intake and the gateway as processes,
# on a virtual host of their own); prints the payloads tried and each outcome.
#   scripts/fuzz.sh                 FUZZ_DOMAIN_EXAMPLES / FUZZ_WIRE_EXAMPLES change the numbers
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh dev
scripts/ensure-broker.sh
export FUZZ_DOMAIN_EXAMPLES=${FUZZ_DOMAIN_EXAMPLES:-10000}
export FUZZ_WIRE_EXAMPLES=${FUZZ_WIRE_EXAMPLES:-10000}
exec .venv/bin/python -m pytest tests/fuzz -p no:cacheprovider "$@"
