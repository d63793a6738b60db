#!/usr/bin/env sh
# The deploy/ topology as plain processes on this machine, where no container engine runs, then the
# chaos run's check (bench/chaos.py, docs/reliability.md):
#   PostgreSQL (a fresh database on 127.0.0.1:5432, or $CASEBRIDGE_TEST_POSTGRES_URL),
#   `casebridge migrate` once, two `casebridge serve` (CASEBRIDGE_WORKERS=0) on two ports behind a small
#   round-robin reverse proxy (bench/proxy.py, standing in for Caddy), two `casebridge worker`, each
#   process with a data directory of its own, against the Creatio sandbox with faults; workers and one
#   `serve` are killed with -9 and restarted while the events arrive through the proxy.
#
#   deploy/local-topology.sh                           # both case modes, 300 conversations each
#   deploy/local-topology.sh --modes every --conversations 50 --post-seconds 15 --keep
#
# Any option of `python -m bench.chaos --help` may follow. Exit code: 0 when every check passed.
set -eu
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-.venv/bin/python}"
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
exec "$PYTHON" -m bench.chaos --topology deploy "$@"
