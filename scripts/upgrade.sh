#!/usr/bin/env bash
# Moves the pinned Python packages of pyproject.toml (`name==version`, runtime and test) to
# the newest releases pip's resolver can install together, then reinstalls and runs the
# tests (`make test`). No vulnerability database is reachable from these machines, so the
# defence is staying current: one command, one test run, and the diff of pyproject.toml to
# review and commit.
#   scripts/upgrade.sh [--dry-run] [package ...]
# --dry-run  only print what would change (pyproject.toml is left as it is).
# package    upgrade only these (the others stay at their pins and constrain the choice).
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=0
only=()
for arg in "$@"; do
  case "$arg" in
    --dry-run) dry_run=1 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    -*) echo "upgrade: unknown option $arg" >&2; exit 2 ;;
    *) only+=("$arg") ;;
  esac
done

bash scripts/setup.sh  # a virtualenv whose pip can resolve (--dry-run --report)

changed=$(.venv/bin/python - "$dry_run" "${only[@]}" <<'PY'
import json, re, subprocess, sys, tempfile, tomllib
from pathlib import Path

dry_run, only = sys.argv[1] == "1", {n.lower().replace("_", "-") for n in sys.argv[2:]}
pyproject = Path("pyproject.toml")
text = pyproject.read_text()
project = tomllib.loads(text)["project"]
pins = [*project["dependencies"], *project.get("optional-dependencies", {}).get("test", [])]
PIN = re.compile(r"^([A-Za-z0-9._-]+)(\[[^\]]*\])?==([^\s;]+)$")

def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()

parsed = []
for pin in pins:
    match = PIN.match(pin)
    if match is None:
        sys.exit(f"upgrade: {pin!r} is not pinned as name==version")
    parsed.append(match.groups())
unknown = only - {canonical(name) for name, _, _ in parsed}
if unknown:
    sys.exit(f"upgrade: not pinned in pyproject.toml: {', '.join(sorted(unknown))}")
wanted = [f"{name}{extras or ''}" if not only or canonical(name) in only
          else f"{name}{extras or ''}=={version}" for name, extras, version in parsed]
with tempfile.NamedTemporaryFile(suffix=".json") as report:
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--dry-run",
                    "--ignore-installed", "--report", report.name, *wanted], check=True)
    chosen = {canonical(item["metadata"]["name"]): item["metadata"]["version"]
              for item in json.loads(Path(report.name).read_text())["install"]}
changes = 0
for name, extras, version in parsed:
    newest = chosen.get(canonical(name), version)
    if newest != version:
        changes += 1
        print(f"  {name}: {version} -> {newest}", file=sys.stderr)
        old = f'"{name}{extras or ""}=={version}"'
        text = text.replace(old, f'"{name}{extras or ""}=={newest}"')
if not dry_run and changes:
    pyproject.write_text(text)
print(changes)
PY
)

if [ "$dry_run" = 1 ]; then
  echo "upgrade: $changed pin(s) would change (dry run: pyproject.toml untouched)"
  exit 0
fi
if [ "$changed" = 0 ]; then
  echo "upgrade: every pin is the newest release already"
  exit 0
fi
echo "upgrade: $changed pin(s) changed in pyproject.toml; reinstalling and testing"
make test
