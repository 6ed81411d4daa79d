"""The static security checks of `make security` (GB/T 22239-2019 8.1.4.4 e): every finding bandit is told
to pass over gives its reason, the reasons hold, and the dependency audit never reports a clean bill it did
not check."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

import yimen

ROOT = Path(yimen.__file__).resolve().parent
SCRIPT = ROOT.parent / "scripts" / "audit_dependencies.py"
NOSEC = re.compile(r"#\s*nosec\b(?P<rest>.*)$")


def test_every_nosec_names_the_bandit_test_and_says_why() -> None:
    bare = []
    for path in sorted(ROOT.rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = NOSEC.search(line)
            if found and not re.match(r"\s+B\d{3}(\s+B\d{3})*\s+#\s*\S.{10,}", found.group("rest")):
                bare.append(f"{path.relative_to(ROOT.parent)}:{number}")
    assert not bare, "nosec without a test id and a reason: " + ", ".join(bare)


def test_the_xml_parser_refuses_entity_expansion_and_external_entities() -> None:
    """Why the standard library's parser is safe where it reads XML from outside: expat caps entity amplification and resolves
    no external entity, so a billion-laughs document or a file:// entity is refused, not expanded."""
    entities = "".join(f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(9))
    laughs = f'<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaaaaaaaa">{entities}]><l>&j;</l>'
    with pytest.raises(ElementTree.ParseError, match="amplification"):
        ElementTree.fromstring(laughs)
    external = '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'
    with pytest.raises(ElementTree.ParseError, match="undefined entity"):
        ElementTree.fromstring(external)


def test_a_feed_is_fetched_only_over_http() -> None:
    """The reason given for B310: urllib would read a file:// address from the server's own disk."""
    from yimen.publishing.feed_import import FeedError, download
    from yimen.publishing.models import FeedSource

    with pytest.raises(FeedError, match="http:// 或 https://"):
        download(FeedSource(name="本机文件", url="file:///etc/passwd", level="省级"))


# --- the dependency audit --------------------------------------------------------------------------

VULN = {
    "id": "PYSEC-2017-94",
    "aliases": ["CVE-2013-7459", "GHSA-cq27-v7xp-c356"],
    "details": "Heap-based buffer overflow in the ALGnew function",
    "fixed_in": [],
    "link": "https://osv.dev/vulnerability/PYSEC-2017-94",
    "summary": None,
    "withdrawn": None,
}
WITHDRAWN = {**VULN, "id": "GHSA-xxxx-withdrawn", "aliases": [], "withdrawn": "2024-01-01T00:00:00Z"}


class _PyPI(BaseHTTPRequestHandler):
    """Answers the pages in the server's `pages` (path -> JSON), 404 for any other."""

    def do_GET(self) -> None:
        page = self.server.pages.get(self.path)  # type: ignore[attr-defined]
        status = 404 if page is None else 200
        body = b"Not Found" if page is None else json.dumps(page).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pypi_pages() -> Iterator[tuple[str, dict[str, dict]]]:
    """A PyPI JSON API on 127.0.0.1, its address and its pages, which a test fills in; it knows one release
    page, Django 5.2.20's."""
    server = HTTPServer(("127.0.0.1", 0), _PyPI)
    server.pages = {"/pypi/django/5.2.20/json": {"info": {}, "vulnerabilities": []}}  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", server.pages  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()


@pytest.fixture
def pypi(pypi_pages: tuple[str, dict[str, dict]]) -> str:
    return pypi_pages[0]


def fake_pip_audit(tmp_path: Path, dependencies: list[dict]) -> Path:
    """A pip-audit that prints this report and leaves a mark that it ran."""
    report = json.dumps({"dependencies": dependencies, "fixes": []})
    path = tmp_path / "pip-audit"
    path.write_text(
        f"#!{sys.executable}\nimport pathlib\npathlib.Path({str(tmp_path / 'ran')!r}).touch()\nprint({report!r})\n"
    )
    path.chmod(0o755)
    return path


def fake_site(tmp_path: Path, *packages: tuple[str, str], editable: tuple[str, ...] = ()) -> Path:
    """A directory of installed distributions (name, version); `editable` ones carry pip's direct_url.json."""
    site = tmp_path / "site"
    for name, version in packages:
        info = site / f"{name}-{version}.dist-info"
        info.mkdir(parents=True)
        (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
        if name in editable:
            (info / "direct_url.json").write_text('{"url": "file:///src", "dir_info": {"editable": true}}')
    return site


def audit(pip_audit: Path, probe: str, *extra: str) -> subprocess.CompletedProcess[str]:
    """The script, pointed at the local PyPI (the probe's server) so that no test reaches the internet."""
    pypi = probe.split("/pypi/")[0]
    command = [sys.executable, str(SCRIPT), "--pip-audit", str(pip_audit), "--pypi", pypi, "--probe", probe]
    return subprocess.run([*command, *extra], capture_output=True, text=True, timeout=60, check=False)


def test_a_known_vulnerability_fails_and_is_named(tmp_path: Path, pypi: str) -> None:
    vuln = {"id": "PYSEC-2019-217", "fix_versions": ["2.10.1"], "aliases": [], "description": ""}
    tool = fake_pip_audit(
        tmp_path,
        [
            {"name": "jinja2", "version": "2.10", "vulns": [vuln]},
            {"name": "django", "version": "5.2.20", "vulns": []},
        ],
    )
    done = audit(tool, f"{pypi}/pypi/django/5.2.20/json")
    assert done.returncode == 1
    assert "VULNERABLE jinja2 2.10: PYSEC-2019-217 (fixed in 2.10.1)" in done.stdout
    assert "2 packages checked, 1 vulnerable" in done.stdout


def test_packages_skipped_for_want_of_data_are_reported_not_audited(tmp_path: Path, pypi: str) -> None:
    reason = "Dependency not found on PyPI and could not be audited: django (5.2.20)"
    tool = fake_pip_audit(tmp_path, [{"name": "django", "version": "5.2.20", "skip_reason": reason}])
    done = audit(tool, f"{pypi}/pypi/django/5.2.20/json")
    assert done.returncode == 0
    assert "NOT AUDITED: the vulnerability data of all 1 packages was unreachable" in done.stdout
    assert "No known vulnerabilities" not in done.stdout
    assert audit(tool, f"{pypi}/pypi/django/5.2.20/json", "--strict").returncode == 1


# Where PyPI's per-release pages answer 404 (the probe fails), pip-audit is not run and each project's page,
# with its latest release's vulnerabilities, is read instead.


def fallback(tmp_path: Path, pypi: str, site: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    done = audit(fake_pip_audit(tmp_path, []), f"{pypi}/pypi/django/9.9/json", "--site", str(site), *extra)
    assert (
        f"pip-audit's data is unreachable (PyPI answered 404 for {pypi}/pypi/django/9.9/json)" in done.stdout
    )
    assert not (tmp_path / "ran").exists()
    return done


def test_a_package_at_its_latest_release_with_a_vulnerability_fails_and_is_named(
    tmp_path: Path, pypi_pages: tuple[str, dict[str, dict]]
) -> None:
    pypi, pages = pypi_pages
    pages["/pypi/pycrypto/json"] = {"info": {"version": "2.6.1"}, "vulnerabilities": [VULN, WITHDRAWN]}
    done = fallback(tmp_path, pypi, fake_site(tmp_path, ("pycrypto", "2.6.1")))
    assert done.returncode == 1
    assert (
        "VULNERABLE pycrypto 2.6.1: PYSEC-2017-94 (aliases CVE-2013-7459, GHSA-cq27-v7xp-c356; "
        "fixed in no fixed release yet) https://osv.dev/vulnerability/PYSEC-2017-94"
    ) in done.stdout
    assert "withdrawn" not in done.stdout
    assert (
        "1 packages audited at their latest release, 0 behind latest (partially), 0 not audited, 1 vulnerable"
        in (done.stdout)
    )


def test_a_package_at_its_latest_release_without_vulnerabilities_is_audited_even_when_strict(
    tmp_path: Path, pypi_pages: tuple[str, dict[str, dict]]
) -> None:
    pypi, pages = pypi_pages
    pages["/pypi/django/json"] = {"info": {"version": "6.1.3"}, "vulnerabilities": [WITHDRAWN]}
    site = fake_site(
        tmp_path, ("Django", "6.1.3"), ("yimen", "0.1.0"), ("ofdkit", "0.2.0"), editable=("ofdkit",)
    )
    done = fallback(tmp_path, pypi, site, "--strict")
    assert done.returncode == 0
    assert "VULNERABLE" not in done.stdout
    assert (
        "1 packages audited at their latest release, 0 behind latest (partially), 0 not audited, 0 vulnerable; "
        "not from PyPI, not checked: ofdkit, yimen"
    ) in done.stdout


def test_a_package_behind_its_latest_release_is_partly_audited_and_the_latest_vulnerabilities_fail(
    tmp_path: Path, pypi_pages: tuple[str, dict[str, dict]]
) -> None:
    pypi, pages = pypi_pages
    pages["/pypi/django/json"] = {"info": {"version": "6.1.3"}, "vulnerabilities": []}
    pages["/pypi/pycrypto/json"] = {"info": {"version": "2.6.1"}, "vulnerabilities": [VULN]}
    site = fake_site(tmp_path, ("Django", "5.2.20"), ("pycrypto", "2.6"))
    done = fallback(tmp_path, pypi, site)
    assert done.returncode == 1
    assert (
        "PARTLY AUDITED django: behind latest (5.2.20 → 6.1.3): only vulnerabilities still open in the latest "
        "release are known; not fully audited"
    ) in done.stdout
    assert "PARTLY AUDITED pycrypto: behind latest (2.6 → 2.6.1)" in done.stdout
    assert "VULNERABLE pycrypto 2.6: PYSEC-2017-94" in done.stdout
    assert (
        "0 packages audited at their latest release, 2 behind latest (partially), 0 not audited, 1 vulnerable"
        in (done.stdout)
    )


def test_a_package_behind_its_latest_release_without_vulnerabilities_passes_but_not_when_strict(
    tmp_path: Path, pypi_pages: tuple[str, dict[str, dict]]
) -> None:
    pypi, pages = pypi_pages
    pages["/pypi/django/json"] = {"info": {"version": "6.1.3"}, "vulnerabilities": []}
    site = fake_site(tmp_path, ("Django", "5.2.20"))
    assert fallback(tmp_path, pypi, site).returncode == 0
    assert fallback(tmp_path, pypi, site, "--strict").returncode == 1


def test_a_package_whose_project_page_does_not_answer_is_not_audited(
    tmp_path: Path, pypi_pages: tuple[str, dict[str, dict]]
) -> None:
    pypi, pages = pypi_pages
    pages["/pypi/django/json"] = {"info": {"version": "6.1.3"}, "vulnerabilities": []}
    site = fake_site(tmp_path, ("Django", "6.1.3"), ("snowland-smx", "1.1.0"))
    done = fallback(tmp_path, pypi, site)
    assert done.returncode == 0
    assert (
        f"NOT AUDITED snowland-smx 1.1.0: PyPI answered 404 for {pypi}/pypi/snowland-smx/json" in done.stdout
    )
    assert (
        "1 packages audited at their latest release, 0 behind latest (partially), 1 not audited, 0 vulnerable"
        in (done.stdout)
    )
    assert "No known vulnerabilities" not in done.stdout
    assert fallback(tmp_path, pypi, site, "--strict").returncode == 1
