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


class _PyPI(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        status = 200 if self.path == "/pypi/django/5.2.20/json" else 404
        body = b'{"info": {}, "vulnerabilities": []}' if status == 200 else b"Not Found"
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pypi() -> Iterator[str]:
    """A PyPI JSON API on 127.0.0.1 that knows one release."""
    server = HTTPServer(("127.0.0.1", 0), _PyPI)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def fake_pip_audit(tmp_path: Path, dependencies: list[dict]) -> Path:
    """A pip-audit that prints this report and leaves a mark that it ran."""
    report = json.dumps({"dependencies": dependencies, "fixes": []})
    path = tmp_path / "pip-audit"
    path.write_text(
        f"#!{sys.executable}\nimport pathlib\npathlib.Path({str(tmp_path / 'ran')!r}).touch()\nprint({report!r})\n"
    )
    path.chmod(0o755)
    return path


def audit(pip_audit: Path, probe: str, *extra: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, str(SCRIPT), "--pip-audit", str(pip_audit), "--probe", probe, *extra]
    return subprocess.run(command, capture_output=True, text=True, timeout=60, check=False)


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


def test_an_unreachable_service_is_said_at_once_without_asking_for_every_package(
    tmp_path: Path, pypi: str
) -> None:
    tool = fake_pip_audit(tmp_path, [])
    done = audit(tool, f"{pypi}/pypi/django/9.9/json")
    assert done.returncode == 0
    assert f"NOT AUDITED: PyPI answered 404 for {pypi}/pypi/django/9.9/json" in done.stdout
    assert not (tmp_path / "ran").exists()
    assert audit(tool, f"{pypi}/pypi/django/9.9/json", "--strict").returncode == 1
