"""Each HTML report opened in a real browser: headless Chromium (Debian's
package, which `make browser` installs where missing), driven by Playwright.

For the sample reports in docs/examples (what the code writes from fixed
inputs; tests/tests/samples.rs keeps them current) it checks that the page
logs no console error, requests nothing but itself, shows every figure equal
to the JSON report's value its `data-path` points at, gives every chart a text
alternative and every table column headers, and prints. A screenshot and a PDF
of each page go to .run/screenshots/ for a person to look at.
"""

import json
import os
import re
import unittest
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "docs" / "examples"
SHOTS = ROOT / ".run" / "screenshots"
CHROMIUM = os.environ.get("VPCWARDEN_CHROMIUM", "/usr/bin/chromium")
# Without these, Chromium reaches for Google's hosts at start (refused here, and noise anywhere).
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
NUMBER = re.compile(r"-?\$?-?[0-9][0-9,]*(\.[0-9]+)?")


def pointer(doc, path):
    """RFC 6901."""
    value = doc
    for part in path.split("/")[1:]:
        part = part.replace("~1", "/").replace("~0", "~")
        value = value[int(part)] if isinstance(value, list) else value[part]
    return value


def shown(text):
    """The number a cell shows, and how many decimals it shows."""
    m = NUMBER.fullmatch(text.strip())
    if not m:
        raise AssertionError(f"not a number: {text!r}")
    digits = text.strip().replace("$", "").replace(",", "")
    decimals = len(digits.split(".")[1]) if "." in digits else 0
    return float(digits), decimals


class HtmlReports(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not Path(CHROMIUM).exists():
            raise AssertionError(f"{CHROMIUM} missing: run `make browser` (installs Debian's chromium)")
        SHOTS.mkdir(parents=True, exist_ok=True)
        cls.pw = sync_playwright().start()
        cls.browser = cls.pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)

    @classmethod
    def tearDownClass(cls):
        cls.browser.close()
        cls.pw.stop()

    def open(self, name):
        page = self.browser.new_page(viewport={"width": 1280, "height": 900})
        problems, requests = [], []
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type in ("error", "warning") else None)
        page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url}"))
        page.on("request", lambda r: requests.append(r.url))
        url = (EXAMPLES / f"{name}.html").as_uri()
        page.goto(url, wait_until="load")
        return page, url, problems, requests

    def check(self, name, min_figures):
        page, url, problems, requests = self.open(name)
        self.assertEqual(problems, [], f"{name}: the browser complained")
        self.assertEqual(requests, [url], f"{name}: the page asked for more than itself")

        doc = json.loads((EXAMPLES / f"{name}.json").read_text())
        figures = page.eval_on_selector_all("[data-path]", "els => els.map(e => [e.getAttribute('data-path'), e.textContent])")
        self.assertGreaterEqual(len(figures), min_figures, f"{name}: too few figures carry their JSON pointer")
        for path, text in figures:
            value = pointer(doc, path)
            number, decimals = shown(text)
            self.assertEqual(round(float(value), decimals), number, f"{name}: {path} shows {text!r}, the JSON says {value}")

        # Every figure cell and headline figure says where it comes from.
        bare = page.eval_on_selector_all("td.n:not([data-path]), dd:not([data-path])", "els => els.map(e => e.outerHTML)")
        self.assertEqual(bare, [], f"{name}: figures without a JSON pointer")
        # Charts: an image with a title and a description (the text alternative).
        charts = page.eval_on_selector_all(
            "svg",
            "els => els.map(e => [e.getAttribute('role'), (e.querySelector('title')||{}).textContent, (e.querySelector('desc')||{}).textContent])",
        )
        self.assertGreater(len(charts), 0, f"{name}: no chart")
        for role, title, desc in charts:
            self.assertEqual(role, "img")
            self.assertTrue(title and desc, f"{name}: a chart without title or description")
        # Tables: column headers, each scoped.
        tables = page.eval_on_selector_all(
            "table",
            "els => els.map(t => [t.querySelectorAll('thead th[scope=col]').length, t.querySelectorAll('thead th').length, (t.querySelector('caption')||{}).textContent])",
        )
        for scoped, headers, caption in tables:
            self.assertTrue(headers > 0 and scoped == headers and caption, f"{name}: table {caption!r} lacks scoped headers")
        self.assertEqual(page.title().split(" — ")[0] in ("Idle Elastic IPs", "Public IPv4 addresses"), True)

        page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
        page.emulate_media(media="print")
        pdf = page.pdf(path=str(SHOTS / f"{name}.pdf"), format="A4", print_background=False)
        self.assertGreater(len(pdf), 10_000, f"{name}: the printed page is empty")
        self.assertEqual(requests, [url], f"{name}: printing fetched something")
        page.close()
        return doc, figures

    def test_idle_eips(self):
        doc, figures = self.check("idle-eips", min_figures=20)
        paths = {p for p, _ in figures}
        # The headline, every group's bar and row, each day of the line, each address's cost.
        self.assertIn("/summary/idle_monthly_usd", paths)
        for account in doc["totals"]["by_account"]:
            self.assertIn(f"/totals/by_account/{account}/idle_monthly_usd", paths)
        for i in range(len(doc["history"])):
            self.assertIn(f"/history/{i}/idle_monthly_usd", paths)
        for i in range(len(doc["addresses"])):
            self.assertIn(f"/addresses/{i}/monthly_cost_usd", paths)

    def test_public_ipv4(self):
        doc, figures = self.check("public-ipv4", min_figures=30)
        paths = {p for p, _ in figures}
        self.assertIn("/totals/all/monthly_usd", paths)
        self.assertIn("/change/addresses_then", paths)
        for kind in doc["totals"]["by_kind"]:
            self.assertIn(f"/totals/by_kind/{kind}/monthly_usd", paths)
        for i in range(len(doc["addresses"])):
            self.assertIn(f"/addresses/{i}/monthly_cost_usd", paths)

    def test_a_page_that_fetches_is_caught(self):
        # The checks can fail: a copy of a report with an image from the network.
        html = (EXAMPLES / "idle-eips.html").read_text()
        bad = ROOT / ".run" / "screenshots" / "fetching.html"
        bad.write_text(html.replace("<body>", '<body><img src="http://127.0.0.1:9/x.png" alt="">', 1)
                       .replace("default-src 'none'", "default-src *"))
        page = self.browser.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto(bad.as_uri(), wait_until="load")
        self.assertIn("http://127.0.0.1:9/x.png", requests)
        page.close()
        # And the report's own policy stops it even when markup gets in:
        # Chromium blocks the request, and says so on the console.
        bad.write_text(html.replace("<body>", '<body><img src="http://127.0.0.1:9/x.png" alt="">', 1))
        page = self.browser.new_page()
        failed, console = [], []
        page.on("requestfailed", lambda r: failed.append((r.url, r.failure)))
        page.on("console", lambda m: console.append(m.type))
        page.goto(bad.as_uri(), wait_until="load")
        self.assertEqual(failed, [("http://127.0.0.1:9/x.png", "csp")])
        self.assertIn("error", console, "a page that tries to fetch fails the console check too")
        page.close()

if __name__ == "__main__":
    unittest.main()
