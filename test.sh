#!/usr/bin/env bash
# The whole test suite. On a fresh machine it fetches what it needs itself: NuGet packages
# (dotnet restore), llama.cpp's prebuilt libraries and source from the npm registry (cached in
# ~/.cache/expertrouter), and it generates its GGUF test models locally.
set -euo pipefail
cd "$(dirname "$0")"
dotnet test ExpertRouter.sln -c Release --logger "console;verbosity=normal" "$@"
