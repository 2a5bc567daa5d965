#!/usr/bin/env bash
# `npm run lint:forge`: Foundry's linter (forge lint, from the npm package @foundry-rs/forge-linux-amd64) over
# contracts/ at the severities and exclusions in foundry.toml [lint] (high and med; not contracts/test), offline:
# forge compiles through scripts/forge/solc, the pinned npm solc. Prints forge's findings, then one line per finding
# (file:line lint-id), and exits non-zero while any remains. A finding that is safe is annotated in the source, on the
# line before it, with why: `// forge-lint: disable-next-line(<lint-id>)`. Extra arguments go to forge lint.
set -uo pipefail
cd "$(dirname "$0")/.."

forge=node_modules/@foundry-rs/forge-linux-amd64/bin/forge
if [ ! -x "$forge" ]; then
  echo "lint:forge: $forge is missing: run npm ci (the package is for Linux x64 only)" >&2
  exit 1
fi

output="$(mktemp)"
trap 'rm -f "$output"' EXIT
"$forge" lint --offline --use scripts/forge/solc --deny warnings "$@" 2>&1 | tee "$output"
status=${PIPESTATUS[0]}

# forge's diagnostics: "warning[<lint-id>]: <message>", then "╭▸ <file>:<line>:<column>".
findings="$(awk '/^[a-z]+\[[a-z0-9-]+\]: / { id = substr($1, index($1, "[") + 1); sub(/\]:$/, "", id) }
  /╭▸ / && id != "" { sub(/.*╭▸ /, ""); split($0, at, ":"); print at[1] ":" at[2] " " id; id = "" }' "$output" |
  sort -t: -k1,1 -k2,2n)"
if [ -n "$findings" ]; then
  echo
  echo "forge lint: $(wc -l <<<"$findings") finding(s) (fix, or annotate a safe one: // forge-lint: disable-next-line(<lint-id>)):"
  sed 's/^/  /' <<<"$findings"
fi
if [ "$status" -eq 0 ]; then echo "forge lint: no findings"; fi
exit "$status"
