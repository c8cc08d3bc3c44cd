#!/usr/bin/env bash
# The one test command (README: `npm test`): lint, format check, type-check, then every test.
# Node 20 expands no globs for `--test`, so the files are listed here and an empty list fails.
#   npm test                      everything
#   npm test -- --no-lint         tests only
#   npm test -- src/x.test.ts     named files only (tests only)
set -euo pipefail
cd "$(dirname "$0")/.."

lint=1
files=()
for arg in "$@"; do
  case "$arg" in
    --no-lint) lint=0 ;;
    *) files+=("$arg"); lint=0 ;;
  esac
done

if [ "$lint" = 1 ]; then
  echo "== eslint"; npx eslint .
  echo "== prettier"; npx prettier --check . >/dev/null || { npx prettier --check .; exit 1; }
  echo "== tsc"; npx tsc --noEmit -p tsconfig.json && npx tsc --noEmit -p ui/tsconfig.json
  # The webhook-duel peers, once installed (npm ci --prefix bench/peers; the bench does it).
  if [ -d bench/peers/node_modules ]; then npx tsc --noEmit -p bench/peers; fi
fi

if [ ${#files[@]} -eq 0 ]; then
  mapfile -t files < <(find src test -name '*.test.ts' -not -path '*/node_modules/*' | sort)
fi
if [ ${#files[@]} -eq 0 ]; then
  echo "no test files found under src/ or test/" >&2
  exit 1
fi
echo "== node --test (${#files[@]} files)"
exec node --import tsx --test --test-concurrency=2 --test-timeout=180000 "${files[@]}"
