#!/usr/bin/env python3
"""Bytes over the wire for a member's attempt page on a phone: the first visit (empty cache)
and a repeat visit, in headless Chromium (Debian's, driven by Playwright) with its own HTTP
cache, against the app as it is and, in the same run, the baseline: the same app with
``quiz.web.assets`` undone (plain static names, Flask's ``no-cache`` + revalidation, no gzip).

A fresh SQLite database in a temporary folder gets the migrations and the demo (``quiz demo``);
each app is served by werkzeug's threaded server on 127.0.0.1. In each of two fresh browser
contexts (one per app) the demo member 0900000100 logs in through the form and starts (or
resumes) an attempt of the demo contest; the browser cache is then cleared and the attempt
page opened twice, as a navigation (not a reload). Counted through the DevTools protocol: each
response's bytes on the wire (headers and body, ``encodedDataLength``), and what came from the
browser's cache. The link is throttled like DevTools' "Slow 3G" (2,000 ms latency, 400 kbit/s
each way; change with --latency-ms / --kbps, 0 for none) to time each load to its ``load``
event too.

    .venv/bin/python scripts/bench_page_bytes.py [--latency-ms 2000] [--kbps 400]

Needs Chromium (``apt-get install -y chromium``; --chromium to point elsewhere). Last line:
machine-readable figures.
"""
from __future__ import annotations

import argparse
import logging
import os
import re
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from werkzeug.serving import make_server  # noqa: E402

from quiz import create_app  # noqa: E402

MEMBER, PASSWORD = "0900000100", "thisinh2026"


def baseline(app):
    """The app as it was before quiz.web.assets: its hooks taken out again."""
    app.url_default_functions[None] = [f for f in app.url_default_functions.get(None, [])
                                       if f.__name__ != "fingerprinted_static"]
    app.after_request_funcs[None] = [f for f in app.after_request_funcs.get(None, []) if f.__name__ != "gzip_answer"]
    app.view_functions["static"] = app.send_static_file
    return app


def serve(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_port}"


def prepare(folder: Path) -> dict:
    from flask_migrate import upgrade

    from quiz import demo
    from quiz.db import utcnow
    from quiz.extensions import db

    conf = {"INSTANCE_PATH": str(folder), "DATABASE_URL": f"sqlite:///{folder / 'quiz.db'}",
            "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False}
    app = create_app(conf)
    with app.app_context():
        upgrade()
        demo.load(utcnow())
        db.session.commit()
        db.engine.dispose()
    return conf


class Wire:
    """Per-response bytes on the wire, from the DevTools protocol's Network events."""

    def __init__(self, cdp):
        self.rows: dict[str, dict] = {}
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.responseReceived", self._received)
        cdp.on("Network.requestServedFromCache", self._cached)
        cdp.on("Network.loadingFinished", self._finished)

    def reset(self):
        self.rows = {}

    def _sent(self, event):
        self.rows[event["requestId"]] = {"url": event["request"]["url"], "bytes": 0, "status": None,
                                         "cache": False, "encoding": "", "cache_control": ""}

    def _received(self, event):
        row = self.rows.get(event["requestId"])
        if row is not None:
            headers = {k.lower(): v for k, v in event["response"]["headers"].items()}
            row.update(status=event["response"]["status"], encoding=headers.get("content-encoding", ""),
                       cache_control=headers.get("cache-control", ""),
                       cache=row["cache"] or event["response"].get("fromDiskCache", False)
                       or event["response"].get("fromMemoryCache", False))

    def _cached(self, event):
        if event["requestId"] in self.rows:
            self.rows[event["requestId"]]["cache"] = True

    def _finished(self, event):
        if event["requestId"] in self.rows:
            self.rows[event["requestId"]]["bytes"] = int(event["encodedDataLength"])

    def total(self) -> int:
        return sum(row["bytes"] for row in self.rows.values())

    def fetched(self) -> int:
        return sum(1 for row in self.rows.values() if not row["cache"])


def measure(browser, base: str, args) -> dict:
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                                  locale="vi-VN")
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send("Network.enable")
    wire = Wire(cdp)
    page.goto(f"{base}/dang-nhap")
    page.fill("#identifier", MEMBER)
    page.fill("#password", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(f"{base}/")
    page.goto(f"{base}/cuoc-thi/{args.slug}/bat-dau")
    page.click("main button[type=submit]")
    page.wait_for_url(re.compile(r"/luot-thi/\d+$"))
    url = page.url
    if args.latency_ms or args.kbps:
        rate = args.kbps * 1000 / 8 if args.kbps else -1
        cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": args.latency_ms,
                                                      "downloadThroughput": rate, "uploadThroughput": rate})
    cdp.send("Network.clearBrowserCache")
    out = {}
    for visit in ("first", "repeat"):
        page.goto("about:blank")
        time.sleep(0.3)
        wire.reset()
        started = time.perf_counter()
        page.goto(url, wait_until="load")
        loaded = time.perf_counter() - started
        page.wait_for_load_state("networkidle")
        assert page.locator("fieldset").count() > 0, "not the attempt page"
        out[visit] = {"bytes": wire.total(), "fetched": wire.fetched(), "requests": len(wire.rows),
                      "load_s": loaded, "rows": list(wire.rows.values())}
    context.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--latency-ms", type=int, default=2000)
    parser.add_argument("--kbps", type=int, default=400)
    parser.add_argument("--chromium", default=os.environ.get("QUIZ_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--slug", default="tim-hieu-chuyen-de-2026")
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # not a line per request
    if not Path(args.chromium).exists():
        sys.exit(f"Chromium not found at {args.chromium}: apt-get install -y chromium")
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="bench-page-bytes-") as tmp:
        conf = prepare(Path(tmp))
        servers = {"light": serve(create_app(conf)), "baseline": serve(baseline(create_app(conf)))}
        results = {}
        try:
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=args.chromium, args=[
                    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--no-first-run"])
                for name, (_, base) in servers.items():
                    results[name] = measure(browser, base, args)
                browser.close()
        finally:
            for server, _ in servers.values():
                server.shutdown()

    link = f"{args.latency_ms} ms, {args.kbps} kbit/s" if args.latency_ms or args.kbps else "unthrottled"
    print(f"Attempt page of the demo contest, member {MEMBER}, Chromium, link {link}\n")
    print("| app | visit | bytes on the wire | responses (from the network) | load event |")
    print("|---|---|---|---|---|")
    for name, visits in results.items():
        for visit, r in visits.items():
            print(f"| {name} | {visit} | {r['bytes']:,} | {r['requests']} ({r['fetched']}) | {r['load_s']:.2f} s |")
    print()
    for name, visits in results.items():
        for visit, r in visits.items():
            print(f"{name} {visit}:")
            for row in r["rows"]:
                path = re.sub(r"^https?://[^/]+", "", row["url"])
                where = "cache" if row["cache"] else f"{row['status']} {row['encoding'] or 'identity'}"
                print(f"  {row['bytes']:>7,}  {where:<16} {path}  [{row['cache_control']}]")
    light, base = results["light"], results["baseline"]
    figures = {
        "first_bytes": light["first"]["bytes"], "repeat_bytes": light["repeat"]["bytes"],
        "baseline_first_bytes": base["first"]["bytes"], "baseline_repeat_bytes": base["repeat"]["bytes"],
        "first_ratio": round(light["first"]["bytes"] / base["first"]["bytes"], 3),
        "repeat_ratio": round(light["repeat"]["bytes"] / base["repeat"]["bytes"], 3),
        "repeat_responses": light["repeat"]["fetched"], "baseline_repeat_responses": base["repeat"]["fetched"],
        "first_load_s": round(light["first"]["load_s"], 2), "repeat_load_s": round(light["repeat"]["load_s"], 2),
        "baseline_first_load_s": round(base["first"]["load_s"], 2),
        "baseline_repeat_load_s": round(base["repeat"]["load_s"], 2),
    }
    print("\n" + " ".join(f"{k}={v}" for k, v in figures.items()))


if __name__ == "__main__":
    main()
