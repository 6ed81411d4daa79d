"""Known vulnerabilities in the installed packages (GB/T 22239-2019 8.1.4.4 e: 应能发现可能存在的已知漏洞).

Runs pip-audit against this environment with PyPI's vulnerability data and says plainly what was checked.
pip-audit reads a release's vulnerabilities from PyPI's per-release JSON (/pypi/NAME/VERSION/json). Where
that page cannot be had (the project's machines reach PyPI's project JSON but not those pages), pip-audit
would skip every package and still print "No known vulnerabilities found"; this script then falls back to
the project JSON (/pypi/NAME/json), whose `vulnerabilities` are those of the project's latest release only:
a package installed at its latest release is audited; one behind it is only partly (a vulnerability fixed
between the two is not listed); one whose page does not answer is NOT AUDITED. A vulnerability found always
fails; with --strict (make audit), so does any package not fully audited or an unreachable service.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from importlib.metadata import distributions, version
from pathlib import Path

from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

TIMEOUT_SECONDS = 120
PYPI = os.environ.get("AUDIT_PYPI_URL", "https://pypi.org")
PROBE_URL = "{pypi}/pypi/django/{version}/json"
PROJECT_URL = "{pypi}/pypi/{name}/json"
REQUEST_SECONDS = 5  # one project's page; PyPI answers in well under a second
BUDGET_SECONDS = 20  # all pages together, about 100 packages over 8 connections
WORKERS = 8
THIS_PROJECT = "yimen"
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


# --- the fallback: each project's latest release ------------------------------------------------------


@dataclass
class Package:
    name: str
    installed: str
    latest: str = ""
    vulns: list[dict] = field(default_factory=list)
    why: str = ""  # why there is no answer: the package is not audited

    def against_latest(self) -> str:
        """ "" at the latest release, else where the installed one stands (a pre-release can be newer)."""
        try:
            installed, latest = Version(self.installed), Version(self.latest)
        except InvalidVersion:
            return "" if self.installed == self.latest else "not the latest"
        return "" if installed == latest else "behind latest" if installed < latest else "newer than latest"


def installed_packages(site: list[str] | None = None) -> tuple[list[Package], list[str]]:
    """The distributions installed from PyPI, and the names of those that are not (this project, editable or
    installed from a file or URL: pip writes direct_url.json only for those), which PyPI cannot speak for."""
    packages: dict[str, Package] = {}
    skipped = []
    for dist in distributions(path=site) if site else distributions():
        name = canonicalize_name(dist.metadata["Name"] or "")
        if not name or name in packages or name in skipped:
            continue
        if name == THIS_PROJECT or dist.read_text("direct_url.json") is not None:
            skipped.append(name)
        else:
            packages[name] = Package(name=name, installed=dist.version)
    return sorted(packages.values(), key=lambda p: p.name), sorted(skipped)


def fetch(package: Package, pypi: str) -> None:
    """Fill in the project's latest release and its vulnerabilities (withdrawn ones left out), or why not."""
    url = PROJECT_URL.format(pypi=pypi, name=package.name)
    try:
        with urllib.request.urlopen(url, timeout=REQUEST_SECONDS) as response:
            data = json.load(response)
        package.latest = data["info"]["version"]
        package.vulns = [v for v in data.get("vulnerabilities") or [] if not v.get("withdrawn")]
    except urllib.error.HTTPError as exc:
        package.why = f"PyPI answered {exc.code} for {url}"
    except (OSError, ValueError, KeyError, TypeError) as exc:
        package.why = f"{url} gave no usable answer ({exc})"


def fetch_all(packages: list[Package], pypi: str) -> None:
    """Every project's page, a few at a time; those not answered within the budget stay not audited."""
    pool = concurrent.futures.ThreadPoolExecutor(max_workers=WORKERS)
    futures = {pool.submit(fetch, package, pypi): package for package in packages}
    _, late = concurrent.futures.wait(futures, timeout=BUDGET_SECONDS)
    pool.shutdown(wait=False, cancel_futures=True)
    for future in late:
        futures[future].why = f"no answer within the {BUDGET_SECONDS} s budget"


def judge_latest(packages: list[Package], skipped: list[str], *, strict: bool) -> tuple[int, list[str]]:
    """Exit code and the lines to print for the fallback audit."""
    lines = []
    answered = [p for p in packages if not p.why]
    behind = [p for p in answered if p.against_latest()]
    missing = [p for p in packages if p.why]
    vulnerable = [p for p in answered if p.vulns]
    for package in vulnerable:
        for vuln in package.vulns:
            fixed = ", ".join(vuln.get("fixed_in") or []) or "no fixed release yet"
            aliases = ", ".join(vuln.get("aliases") or []) or "none"
            lines.append(
                f"VULNERABLE {package.name} {package.installed}: {vuln.get('id')} (aliases {aliases}; "
                f"fixed in {fixed}) {vuln.get('link') or ''}".rstrip()
            )
    for package in behind:
        lines.append(
            f"PARTLY AUDITED {package.name}: {package.against_latest()} ({package.installed} → {package.latest}): only "
            "vulnerabilities still open in the latest release are known; not fully audited"
        )
    for package in missing:
        lines.append(f"NOT AUDITED {package.name} {package.installed}: {package.why}")
    lines.append(
        f"dependency audit (PyPI's vulnerabilities of each project's latest release): "
        f"{len(answered) - len(behind)} packages audited at their latest release, {len(behind)} behind latest "
        f"(partially), {len(missing)} not audited, {len(vulnerable)} vulnerable"
        + (f"; not from PyPI, not checked: {', '.join(skipped)}" if skipped else "")
    )
    failed = bool(vulnerable) or (strict and (bool(behind) or bool(missing) or not packages))
    return (1 if failed else 0), lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--strict", action="store_true", help="fail when any package could not be checked")
    parser.add_argument("--timeout", type=int, default=TIMEOUT_SECONDS)
    parser.add_argument("--pip-audit", default=str(Path(sys.executable).with_name("pip-audit")))
    parser.add_argument(
        "--pypi",
        default=PYPI,
        help="PyPI for the probe and the fallback (default $AUDIT_PYPI_URL or pypi.org)",
    )
    parser.add_argument("--probe", help=argparse.SUPPRESS)
    parser.add_argument("--site", action="append", help=argparse.SUPPRESS)  # where to look for packages
    args = parser.parse_args(argv)
    pypi = args.pypi.rstrip("/")
    why = reachable(args.probe or PROBE_URL.format(pypi=pypi, version=version("django")))
    if why:
        print(f"pip-audit's data is unreachable ({why}); checking each project's latest release instead")
        packages, skipped = installed_packages(args.site)
        fetch_all(packages, pypi)
        code, lines = judge_latest(packages, skipped, strict=args.strict)
    else:
        report, why = run(args.pip_audit, args.timeout)
        code, lines = judge(report, why, strict=args.strict)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
