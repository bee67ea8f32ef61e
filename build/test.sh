#!/usr/bin/env bash
# Runs every test: the xunit projects (engine, emulator, cmdlets in a hosted engine), then the Pester suite in the real
# pwsh (the local tool pinned in .config/dotnet-tools.json) against the module installed from its own package.
# Needs only the .NET SDK: the tool, Pester and every package come from NuGet. Exit code 0 when both parts pass.
set -uo pipefail
cd "$(dirname "$0")/.."
dotnet tool restore || exit 1
dotnet build Cxpa.PowerShell.sln -nologo -clp:ErrorsOnly || exit 1
dotnet test Cxpa.PowerShell.sln --no-build
xunit=$?
dotnet pwsh -NoProfile -NonInteractive -File tests/Cxpa.Pester/Invoke-CxpaPester.ps1 -NoBuild
pester=$?
echo "xunit exit code: $xunit; Pester failed tests: $pester"
[ "$xunit" -eq 0 ] && [ "$pester" -eq 0 ]
