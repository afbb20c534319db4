"""The layout's import rules that a refactor could quietly break: intake reaches the routing
rule through the ledger, never through the OCR worker module, and queuing a page does not load
the tasks (dispatch sends by task name, so the workers have no import cycle to hide inside
functions)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(code: str, home: Path) -> str:
    """The last line `code` prints in a fresh interpreter, where nothing is imported yet
    (with a home of its own, so nothing it might write lands in another test's)."""
    env = os.environ | {"YOSHIN_HOME": str(home)}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True,
                         text=True, check=True)
    return out.stdout.strip().splitlines()[-1]


def test_clinic_api_does_not_import_the_ocr_worker(tmp_path: Path) -> None:
    code = "import sys, intake.clinic_api; print('workers.reading' in sys.modules)"
    assert _run(code, tmp_path) == "False"


def test_dispatch_queues_by_name_without_importing_the_tasks(tmp_path: Path) -> None:
    # send_task is replaced, so nothing reaches a broker; a task's .delay() goes through it too
    code = (
        "import sys\n"
        "from workers import dispatch\n"
        "from workers.celery_app import celery_app\n"
        "sent = []\n"
        "def send(name, args=None, *rest, **kw):\n"
        "    sent.append((name, kw.get('args', args)))\n"
        "celery_app.send_task = send\n"
        "loaded = 'workers.tasks' in sys.modules\n"
        "dispatch.send_reads([7])\n"
        "print(loaded, 'workers.tasks' in sys.modules, sent[0][0], list(sent[0][1]))\n"
    )
    assert _run(code, tmp_path) == "False False yoshin.read_page [7]"


def test_no_workers_module_imports_another_inside_a_function() -> None:
    hidden = []
    for path in sorted((ROOT / "workers").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            for inner in ast.walk(node):
                names = ([inner.module or ""] if isinstance(inner, ast.ImportFrom)
                         else [a.name for a in inner.names] if isinstance(inner, ast.Import)
                         else [])
                hidden += [f"{path.name}:{inner.lineno} {n}" for n in names
                           if n == "workers" or n.startswith("workers.")]
    assert hidden == []


def test_the_names_dispatch_sends_are_registered_tasks() -> None:
    """dispatch names its tasks as strings; a renamed task would otherwise only show as
    messages no worker takes."""
    from intake import split_tasks
    from workers import dispatch, tasks
    from workers.celery_app import celery_app

    assert tasks.read_page.name == dispatch.READ_PAGE
    assert tasks.render_notices.name == dispatch.RENDER_NOTICES
    assert split_tasks.split_page.name == dispatch.SPLIT_PAGE
    assert {dispatch.READ_PAGE, dispatch.ANSWER_BULK, dispatch.RENDER_NOTICES,
            dispatch.SPLIT_PAGE} <= set(celery_app.tasks)
    assert "intake.split_tasks" in celery_app.conf.include


def test_messages_go_to_the_queue_the_settings_name_when_sent(tmp_path: Path) -> None:
    """`yoshin bench` points the settings at a throw-away home after dispatch is loaded; its
    pages must reach the queue its worker reads, not the one named at import."""
    code = (
        "import os\n"
        "from pathlib import Path\n"
        "from workers import dispatch\n"
        "from models.settings import get_settings\n"
        "from workers.celery_app import celery_app, sending_app\n"
        f"os.environ['YOSHIN_HOME'] = {str(tmp_path / 'later')!r}\n"
        "os.environ.pop('YOSHIN_BROKER_URL', None)\n"
        "get_settings.cache_clear()\n"
        "app = sending_app()\n"
        "folder = Path(app.conf.broker_transport_options['data_folder_in'])\n"
        "print(app is not celery_app, folder.is_relative_to(get_settings().resolved_home))\n"
    )
    assert _run(code, tmp_path / "first") == "True True"


def test_only_the_session_dependency_and_session_scope_commit() -> None:
    """One commit per request (accounts.deps.get_db) or task (models.db.session_scope): a route
    or a service that commits on its own could leave half a change when a later step fails."""
    allowed = {ROOT / "accounts" / "deps.py", ROOT / "models" / "db.py"}
    committing = []
    for room in ("accounts", "intake", "ledger", "review_ui", "workers", "models", "yoshin",
                 "ocr", "notices"):
        for path in sorted((ROOT / room).rglob("*.py")):
            if path in allowed or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "commit"):
                    committing.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert committing == []


ROOMS = ("accounts", "intake", "ledger", "models", "notices", "ocr", "review_ui", "samples",
         "workers", "yoshin")
MAY_IMPORT = {
    "ocr": set(),
    "models": set(),
    "accounts": {"models"},
    "ledger": {"models", "accounts"},
    "workers": {"ocr", "models", "ledger", "notices"},
    "review_ui": {"models", "accounts", "ledger"},
    "intake": {"models", "accounts", "ledger", "workers"},
    "samples": {"ocr"},
    "notices": {"models", "accounts", "ledger", "ocr"},
}
"""What each room may import (README, "Where things are"): arrows point down only; only the
composition root (`yoshin/`) and the tests see every room."""


def _rooms_imported(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = ([node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0
                 else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
        found |= {name.split(".")[0] for name in names} & set(ROOMS)
    return found


def test_each_room_imports_only_what_is_below_it() -> None:
    wrong = [f"{path.relative_to(ROOT)} imports {sorted(extra)}"
             for room, allowed in MAY_IMPORT.items()
             for path in sorted((ROOT / room).rglob("*.py"))
             if (extra := _rooms_imported(path) - allowed - {room})]
    assert wrong == []
