"""Take the README's screenshots: `streamlit run` on a free port, headless chromium via Playwright.

    python docs/screenshots/take_screenshots.py [--n 2000] [--seed 7]

The same approach as tests/test_browser.py (Debian's /usr/bin/chromium, --no-sandbox, the server of
scripts/serve_app.py). The Results page is asked to measure its slow stages first, so the
screenshot shows the whole stage table.
PNGs are cropped to the top of the page and reduced to a 256-colour palette to stay small.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # for scripts.serve_app

from scripts.serve_app import ServerError, serve  # noqa: E402

OUT = Path(__file__).resolve().parent
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
TIMEOUT_MS = 600_000


def _wait_for_run(page) -> None:
    page.wait_for_selector("[data-testid='stApp'][data-test-connection-state='CONNECTED']", timeout=TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stApp'][data-test-script-state='notRunning']", timeout=TIMEOUT_MS)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached", timeout=TIMEOUT_MS)
    page.wait_for_timeout(1500)  # let charts paint


def _save(png: bytes, path: Path, max_height: int) -> None:
    from PIL import Image

    image = Image.open(io.BytesIO(png)).convert("RGB")
    if image.height > max_height:
        image = image.crop((0, 0, image.width, max_height))
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(path, optimize=True)
    print(f"wrote {path.relative_to(ROOT)} ({path.stat().st_size / 1024:.0f} KB, {image.width}x{image.height})")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    try:
        with serve() as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            page = browser.new_page(viewport={"width": 1400, "height": 2000})
            query = f"?n={args.n}&seed={args.seed}"

            page.goto(f"{base}/results{query}", timeout=TIMEOUT_MS)
            _wait_for_run(page)
            measure = page.get_by_role("button", name="Measure them")
            if measure.count():
                measure.first.click()
                page.wait_for_timeout(1000)
                _wait_for_run(page)
            _save(page.screenshot(full_page=True), OUT / "results.png", 2000)

            page.goto(f"{base}/your_data{query}", timeout=TIMEOUT_MS)
            _wait_for_run(page)
            _save(page.screenshot(full_page=True), OUT / "your_data.png", 1700)
            browser.close()
    except ServerError as exc:
        raise SystemExit(str(exc)) from None
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
