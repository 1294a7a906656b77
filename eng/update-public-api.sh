#!/usr/bin/env bash
# Rewrites src/*/PublicAPI.Unshipped.txt from what the PublicApiAnalyzers report: adds new public symbols (RS0016)
# and drops removed ones (RS0017). Review the diff: every line is a public API change.
set -euo pipefail
cd "$(dirname "$0")/.."
for project in src/*/; do
  file="$project/PublicAPI.Unshipped.txt"
  [ -f "$file" ] || continue
  # Only this project's own diagnostics: a dependency's missing lines are its own file's business.
  log=$(dotnet build "$project" --no-incremental 2>&1 | grep -F "$(realpath "$project")/" || true)
  added=$(grep -oP "error RS0016: Symbol '\K[^']+(?=' is not part)" <<<"$log" | sort -u || true)
  removed=$(grep -oP "error RS0017: Symbol '\K[^']+(?=' is part of the declared)" <<<"$log" | sort -u || true)
  { echo '#nullable enable'
    { tail -n +2 "$file" | grep -vxF -f <(printf '%s\n' "$removed") || true; printf '%s\n' "$added"; } | grep -v '^$' | sort -u
  } > "$file.new"
  mv "$file.new" "$file"
done
