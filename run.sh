#!/usr/bin/env bash
# Starts ExpertRouter on http://127.0.0.1:8080 (override with --urls http://0.0.0.0:9000).
# On a fresh machine: restores packages, fetches llama.cpp from npm (cached), and — when no expert
# is configured — generates and registers three small demo experts. Data lives in ./data.
set -euo pipefail
cd "$(dirname "$0")"
exec dotnet run --project src/ExpertRouter.Api -c Release -- \
  --ExpertRouter:DataDirectory "$PWD/data" --ExpertRouter:ModelDirectories:0 "$PWD/models" "$@"
