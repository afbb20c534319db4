# The two commands of the README. Each does all of its own set-up on a fresh Debian machine.
.PHONY: demo test lint upgrade

demo:
	bash scripts/setup.sh
	.venv/bin/yoshin demo

test:
	bash scripts/setup.sh chromium
	bash scripts/services.sh
	.venv/bin/ruff check .
	.venv/bin/mypy
	.venv/bin/python -m pytest -ra

lint:
	.venv/bin/ruff check .
	.venv/bin/mypy

# Pins to the newest releases, reinstall, `make test` (scripts/upgrade.sh --dry-run: list only).
upgrade:
	bash scripts/upgrade.sh
