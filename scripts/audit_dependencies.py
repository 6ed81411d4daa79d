"""Known vulnerabilities in the installed packages (GB/T 22239-2019 8.1.4.4 e: 应能发现可能存在的已知漏洞).

Runs pip-audit against this environment with PyPI's vulnerability data and says plainly what was checked.
pip-audit reads a release's vulnerabilities from PyPI's per-release JSON (/pypi/NAME/VERSION/json). Where
that page cannot be had (the project's machines reach PyPI's package index but not those pages), pip-audit
skips every package and still prints "No known vulnerabilities found"; this script counts the skips and says
NOT AUDITED instead. A vulnerability found always fails; with --strict (make audit), so does any package
left unchecked or an unreachable service.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import urllib.error
import urllib.request
from importlib.metadata import version
from pathlib import Path

TIMEOUT_SECONDS = 120
PROBE_URL = "https://pypi.org/pypi/django/{version}/json"
WHERE = "a machine that reaches pypi.org/pypi/NAME/VERSION/json (run `make audit` there)"


def reachable(url: str) -> str:
    """ "" when PyPI answers for one installed release (Django's), else why not: one request of a few
    hundred milliseconds instead of pip-audit asking for every package and skipping each one."""
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            json.load(response)
    except urllib.error.HTTPError as exc:
        return f"PyPI answered {exc.code} for {url}"
    except (OSError, ValueError) as exc:
        return f"{url} is unreachable ({exc})"
    return ""


def run(pip_audit: str, timeout: int) -> tuple[dict | None, str]:
    """pip-audit's JSON report, or None and why there is none."""
    command = [
        pip_audit,
        "--vulnerability-service",
        "pypi",
        "--format",
        "json",
        "--progress-spinner",
        "off",
        "--skip-editable",
        "--timeout",
        "15",
    ]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return None, f"pip-audit did not finish in {timeout} s (is the vulnerability service reachable?)"
    except FileNotFoundError:
        return None, f"{pip_audit} is not installed (pip install -e '.[dev]')"
    try:
        return json.loads(done.stdout), ""
    except json.JSONDecodeError:
        last = (done.stderr.strip().splitlines() or ["no output"])[-1]
        return None, f"pip-audit gave no report: {last}"


def judge(report: dict | None, why: str, *, strict: bool) -> tuple[int, list[str]]:
    """Exit code and the lines to print."""
    if report is None:
        return (1 if strict else 0), [f"dependency audit: NOT AUDITED: {why}; check on {WHERE}"]
    dependencies = report.get("dependencies", [])
    vulnerable = [d for d in dependencies if d.get("vulns")]
    skipped = [d for d in dependencies if d.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    lines = []
    for dep in vulnerable:
        for vuln in dep["vulns"]:
            fixed = ", ".join(vuln.get("fix_versions") or []) or "no fixed release yet"
            lines.append(f"VULNERABLE {dep['name']} {dep['version']}: {vuln['id']} (fixed in {fixed})")
    if audited == 0 and dependencies:
        lines.append(
            f"dependency audit: NOT AUDITED: the vulnerability data of all {len(skipped)} packages was "
            f"unreachable (first: {skipped[0]['skip_reason']}); check on {WHERE}"
        )
    else:
        names = ", ".join(d["name"] for d in skipped)
        lines.append(
            f"dependency audit: {audited} packages checked, {len(vulnerable)} vulnerable"
            + (f", {len(skipped)} not checked ({names})" if skipped else "")
        )
    failed = bool(vulnerable) or (strict and (bool(skipped) or not dependencies))
    return (1 if failed else 0), lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail when any package could not be checked")
    parser.add_argument("--timeout", type=int, default=TIMEOUT_SECONDS)
    parser.add_argument("--pip-audit", default=str(Path(sys.executable).with_name("pip-audit")))
    parser.add_argument(
        "--probe", default=PROBE_URL.format(version=version("django")), help=argparse.SUPPRESS
    )
    args = parser.parse_args(argv)
    why = reachable(args.probe)
    report, why = (None, why) if why else run(args.pip_audit, args.timeout)
    code, lines = judge(report, why, strict=args.strict)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
