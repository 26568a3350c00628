#!/usr/bin/env bash
# The whole MockEntra benchmark in one command (< 6 minutes on a 2-core machine):
#
#   Benchmarks/run.sh [--no-build] [--quick] [--no-peer] [other bench.py options, see --help]
#
# Prepares what bench.py needs (wrk, a venv with the peer oidc-provider-mock, a release
# build of MockEntra in .build-bench), then runs bench.py, which prints the table and
# writes bench-results/latest.json. Exit status: 0 ok, 1 run failed, 2 a target was missed.
# MOCKENTRA_BIN="cmd args" benchmarks another command with the same CLI contract instead
# (e.g. "python3 Benchmarks/testing/fake_mockentra.py" to test the harness).
set -euo pipefail
cd "$(dirname "$0")/.."  # repo root: MockEntra resolves Scenarios/ and Keys/ from here

build=1 peer=1 args=()
for a in "$@"; do
  case "$a" in
    --no-build) build=0 ;;
    --no-peer) peer=0; args+=("$a") ;;
    *) args+=("$a") ;;
  esac
done

if ! command -v wrk >/dev/null; then
  echo "run.sh: wrk is missing; installing the Debian package" >&2
  apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi

# The peer lives in a git-ignored venv: the repo root's .venv if there is one, else our own.
# Pinned so that runs stay comparable over time.
PEER_SPEC="oidc-provider-mock==0.3.4"
if [ -x .venv/bin/python ]; then venv=.venv; else venv=Benchmarks/.venv; fi
if [ "$peer" = 1 ] && [ ! -x "$venv/bin/oidc-provider-mock" ]; then
  echo "run.sh: installing $PEER_SPEC into $venv" >&2
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/pip" install -q --disable-pip-version-check "$PEER_SPEC"
fi

if [ -z "${MOCKENTRA_BIN:-}" ] && [ "$build" = 1 ]; then
  echo "run.sh: swift build -c release --scratch-path .build-bench --product mockentra" >&2
  swift build -c release --scratch-path .build-bench --product mockentra >&2
fi

# The floor server (a C baseline: TLS + one signature per request), against the system OpenSSL.
if [ -z "${MOCKENTRA_BIN:-}" ] && [ "$build" = 1 ]; then
  mkdir -p .build-bench
  if ! cc -O2 -Wall -o .build-bench/floor Benchmarks/floor/floor.c -lssl -lcrypto -lpthread >&2; then
    echo "run.sh: the floor server did not build; its rows are skipped" >&2
    args+=(--no-floor)
  fi
fi

# Backstop: bench.py stops every server it starts, and lists their pids in
# bench-results/.pids while they run; if it is killed hard, stop those pids here.
mkdir -p bench-results
rm -f bench-results/.pids
cleanup() {
  if [ -f bench-results/.pids ]; then
    while read -r pid; do kill "$pid" 2>/dev/null || true; done < bench-results/.pids
    rm -f bench-results/.pids
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

python3 Benchmarks/bench.py --peer-bin "$PWD/$venv/bin/oidc-provider-mock" ${args[@]+"${args[@]}"}
