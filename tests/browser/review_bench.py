"""`python -m tests.browser.review_bench --pages 50`: a scripted reviewer works through
generated office-quality pages on the real review screen (headless Chromium, keyboard
only) and the figures a person would care about are printed: keystrokes and seconds per
page, and how many fields the screen asked about.

The reviewer types the paper's value wherever the cursor stops and the value differs,
Enter otherwise; characters are counted one keystroke each (a person typing kanji through
an input method needs more). Not a test: its figures depend on the machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import tempfile
import time
from pathlib import Path
from statistics import mean, median

import httpx
from playwright.sync_api import sync_playwright

from samples.generate import generate_set
from tests.browser.conftest import CHROMIUM, password
from tests.browser.reviewer import work_page
from tests.stack import Stack, wait_for


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 100_000)
    parser.add_argument("--quality", default="office")
    parser.add_argument("--screenshots", type=Path, default=None,
                        help="save the queue and the first review screen here")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="yoshin-review-bench-"))
    made = generate_set(root / "set", count=args.pages, seed=args.seed, quality=args.quality)
    env = {k: v for k, v in os.environ.items() if not k.startswith("YOSHIN_")}
    env |= {"YOSHIN_HOME": str(root / "home"), "YOSHIN_AUTO_COMMIT_READY": "false",
            "YOSHIN_SECOND_CHECK": "false"}
    stack = Stack(home=root / "home", env=env, logs=root)
    try:
        stack.run("db", "upgrade")
        for kind, path in (("residents", made.residents_csv), ("tickets", made.tickets_csv),
                           ("lots", made.lots_csv), ("clinics", made.clinics_csv)):
            stack.run(kind, "import", str(path))
        stack.run("users", "create", "reviewer1", "--role", "reviewer",
                  "--password", password("reviewer1"))
        stack.start_api()
        stack.start_worker(concurrency=2)
        api = stack.user("scanner1", "scanner")
        with made.batch_pdf.open("rb") as handle:
            batch = api.post("/api/batches", files={"files": ("batch.pdf", handle,
                                                              "application/pdf")}).json()
        wait_for(lambda: api.get(f"/api/batches/{batch['id']}").json()["read"] == args.pages,
                 3600, "the batch to be read")
        truths = [json.loads(p.with_suffix(".json").read_text())["fields"] for p in made.pages]
        by_page = {p["id"]: truths[p["sequence"] - 1] for p in batch["pages"]}
        worked, seconds = _review_all(stack, by_page, args.screenshots)
        states = httpx.get(f"{stack.url}/api/batches/{batch['id']}",
                           headers=api.headers).json()["counts"]
    finally:
        stack.stop_all()
    if not worked:
        raise SystemExit("no page reached the review screen; see the logs in " + str(root))
    keys = [w.keystrokes for w in worked]
    print(f"scripted reviewer, {len(worked)} {args.quality} pages (seed {args.seed}):")
    print(f"  keystrokes per page: mean {mean(keys):.1f}, median {median(keys):.0f}, "
          f"max {max(keys)}")
    print(f"  seconds per page:    mean {mean(seconds):.2f}, median {median(seconds):.2f}")
    print(f"  fields shown per page: mean {mean(w.fields_visited for w in worked):.1f}; "
          f"fields corrected: {sum(len(w.corrected) for w in worked)}")
    doubtful = [w for w in worked if w.fields_visited]
    if doubtful:
        print(f"  pages with doubtful fields: {len(doubtful)}, keystrokes per such page: mean "
              f"{mean(w.keystrokes for w in doubtful):.1f}, median "
              f"{median(w.keystrokes for w in doubtful):.0f}")
    print(f"  pages by state afterwards: {states}")


def _review_all(stack: Stack, truths: dict[int, dict[str, str]], shots: Path | None
                ) -> tuple[list, list[float]]:
    worked, seconds = [], []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        page = browser.new_context(viewport={"width": 1600, "height": 1000}).new_page()
        page.goto(f"{stack.url}/login?next=/review")
        page.fill("input[name=username]", "reviewer1")
        page.fill("input[name=password]", password("reviewer1"))
        page.keyboard.press("Enter")
        page.wait_for_url(re.compile(r"^[^?]*/review$"))  # not the login page's ?next=/review
        if shots:
            shots.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(shots / "queue.png"))
        page.goto(f"{stack.url}/review/next")  # then each confirmation opens the next one
        while re.search(r"/review/\d+$", page.url):
            if shots and not worked:
                page.wait_for_load_state("networkidle")
                page.screenshot(path=str(shots / "review.png"))
            started = time.perf_counter()
            worked.append(work_page(page, truths))
            seconds.append(time.perf_counter() - started)
        browser.close()
    return worked, seconds


if __name__ == "__main__":
    main()
