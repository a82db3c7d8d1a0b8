#!/usr/bin/env bash
# The whole test suite. On a fresh machine it fetches what it needs itself: NuGet packages
# (dotnet restore), llama.cpp's prebuilt libraries and source from the npm registry (cached in
# ~/.cache/expertrouter), and it generates its GGUF test models locally.
# Then it checks the formatting (`dotnet format` fixes what it reports).
set -euo pipefail
cd "$(dirname "$0")"
dotnet test ExpertRouter.sln -c Release --logger "console;verbosity=normal" "$@"
if ! dotnet format ExpertRouter.sln --verify-no-changes --no-restore; then
    echo "Formatting differs from .editorconfig: run 'dotnet format ExpertRouter.sln' and commit." >&2
    exit 1
fi
