#!/usr/bin/env bash
# Runs a benchmark: bench/run.sh engine
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet run -c Release --project bench/ExpertRouter.Bench -- "$@"
