"""The HTML report: Allure 3 (npm ``allure``, pinned in package.json) over the run's allure-results.

Why these steps:
- the generator is installed into the repository on first use (``npm ci`` from the lock file), so every
  machine renders with the same pinned version and nothing is fetched at report time afterwards;
- the output folder is emptied first: Allure leaves stale pages of earlier runs behind otherwise;
- history is one JSON Lines file kept beside the report (``history.jsonl``): one line per generate
  call, which is what the trend charts read, so it is generated exactly once per run;
- Allure 3 pages always carry a Google Analytics tag. A report full of internal QA data must not
  phone home, so the tag is stripped from every page and its absence verified before we say "done".
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from apiconform.errors import ApiconformError

REPORT_NAME = "apiconform"
HISTORY_LIMIT = 20  # reports kept in history.jsonl (about 330 KB each for the embedded target's full run)
_SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script>\s*", re.IGNORECASE | re.DOTALL)
_ANALYTICS = re.compile(r"googletagmanager|google-analytics|gtag\(|dataLayer", re.IGNORECASE)
ANALYTICS_HOSTS = ("googletagmanager.com", "google-analytics.com")
_MAX_INLINE_ANALYTICS = 4000  # the tag's inline part is a few lines; the app bundle is megabytes


class HtmlReportError(ApiconformError):
    """The HTML report could not be produced (the test outcome is unaffected)."""


@dataclass(frozen=True)
class HtmlReport:
    index: Path
    stripped: int


def node_available() -> bool:
    return shutil.which("node") is not None and shutil.which("npm") is not None


def no_node_hint(results: Path) -> str:
    return (
        f"HTML report skipped: Node.js not found. Results are in {results}; for HTML install Node 20, "
        f"then run `make run` or `npx allure generate {results}`"
    )


def allure_bin(root: Path) -> Path:
    return root / "node_modules" / ".bin" / "allure"


def ensure_allure(root: Path) -> Path:
    """The pinned Allure CLI, installed into ``root/node_modules`` on first use."""
    binary = allure_bin(root)
    if binary.exists():
        return binary
    npm = shutil.which("npm")
    if npm is None or not (root / "package.json").is_file():
        raise HtmlReportError(f"cannot install Allure: npm or {root / 'package.json'} missing")
    verb = ["ci"] if (root / "package-lock.json").is_file() else ["install"]
    done = subprocess.run(
        [npm, *verb, "--no-audit", "--no-fund"], cwd=root, capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not binary.exists():
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        raise HtmlReportError(f"`npm {verb[0]}` for the Allure report failed in {root}: {last}")
    return binary


def allure_config(results: Path, output: Path, history: Path, history_limit: int = HISTORY_LIMIT) -> str:
    """allurerc.mjs text: a plain object (defineConfig is the identity), so it loads from any folder."""
    from apiconform.reporting.allure_support import categories  # allure, pytest and httpx: not on every CLI start

    config = {
        "name": REPORT_NAME,
        "output": str(output),
        "historyPath": str(history),
        "historyLimit": history_limit,
        "categories": {"rules": categories()},
        "plugins": {
            "awesome": {
                "options": {
                    "reportName": REPORT_NAME,
                    "singleFile": True,
                    "groupBy": ["epic", "feature", "story"],
                    "defaultSortBy": "status,asc",  # failed, broken, passed, skipped: failures before passes
                }
            },
        },
    }
    header = f"// written by apiconform for the results in {results}"
    return f"{header}\nexport default {json.dumps(config, indent=2)};\n"


def strip_analytics(html: str) -> tuple[str, int]:
    """The page without analytics script tags, and how many were removed."""
    removed = 0

    def drop(match: re.Match[str]) -> str:
        nonlocal removed
        attributes, body = match.group(1), match.group(2)
        if _ANALYTICS.search(attributes) or (len(body) < _MAX_INLINE_ANALYTICS and _ANALYTICS.search(body)):
            removed += 1
            return ""
        return match.group(0)

    return _SCRIPT.sub(drop, html), removed


def analytics_left(output: Path) -> list[Path]:
    """Generated files that still mention an analytics host (must be empty)."""
    return [
        p
        for p in sorted(output.rglob("*"))
        if p.is_file()
        and p.suffix in {".html", ".js"}
        and any(host in p.read_text(encoding="utf-8", errors="replace") for host in ANALYTICS_HOSTS)
    ]


def trim_history(history: Path, limit: int) -> int:
    """Keep the last ``limit`` lines of history.jsonl (Allure 3 applies ``historyLimit`` to what it reads; the
    file is trimmed too, so what CI caches stays bounded); how many lines were dropped."""
    if not history.is_file():
        return 0
    lines = history.read_text(encoding="utf-8").splitlines(keepends=True)
    if len(lines) <= limit:
        return 0
    history.write_text("".join(lines[-limit:]), encoding="utf-8")
    return len(lines) - limit


def generate(root: Path, reports: Path, history_limit: int = HISTORY_LIMIT) -> HtmlReport:
    """Build ``reports/html`` from ``reports/allure-results``; raise HtmlReportError when that fails."""
    results, output, history = reports / "allure-results", reports / "html", reports / "history.jsonl"
    binary = ensure_allure(root)
    if output.exists():
        shutil.rmtree(output)
    with tempfile.TemporaryDirectory(prefix="apiconform-allure-") as tmp:
        rc = Path(tmp) / "allurerc.mjs"
        rc.write_text(allure_config(results, output, history, history_limit), encoding="utf-8")
        done = subprocess.run(
            [str(binary), "generate", str(results), "--config", str(rc)],
            cwd=root,
            capture_output=True,
            text=True,
            check=False,
        )
    index = output / "index.html"
    if done.returncode != 0 or not index.is_file():
        last = (done.stderr.strip().splitlines() or done.stdout.strip().splitlines() or ["no output"])[-1]
        raise HtmlReportError(f"allure generate failed (exit {done.returncode}): {last}")
    trim_history(history, history_limit)
    stripped = 0
    for page in output.rglob("*.html"):
        text, count = strip_analytics(page.read_text(encoding="utf-8"))
        if count:
            page.write_text(text, encoding="utf-8")
            stripped += count
    if left := analytics_left(output):
        raise HtmlReportError(f"analytics reference left in {left[0]} after stripping; not publishing it")
    return HtmlReport(index=index, stripped=stripped)
