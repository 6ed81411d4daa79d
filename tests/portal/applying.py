"""What the 网上申办 tests send: an applicant, small real files, and the form as a browser posts it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests import samples
from yimen.cases.models import Case, CaseFile
from yimen.catalog.models import Material, ServiceItem
from yimen.core.models import AuditEntry, OutboxMessage

PDF = samples.pdf()
LICENCE = samples.pdf(pages=2)  # another real PDF, so the two materials differ
PERSON = {
    "kind": "person",
    "name": "张三",
    "id_number": "11010519491231002X",
    "phone": "138 1234 5678",
    "address": "咸宁市咸安区温泉路 1 号",
    "consent": "on",
}
COMPANY = {
    "kind": "legal",
    "name": "咸宁市青山食品有限公司",
    "uscc": "91350100M000100Y43",
    "legal_representative": "李四",
    "phone": "13912345678",
    "address": "咸宁市咸安区银泉大道 8 号",
    "consent": "on",
}


def url(item: ServiceItem) -> str:
    return f"/guide/{item.impl_code}/apply/"


def fresh_token(client: Client, item: ServiceItem, **query: str) -> str:
    page = client.get(url(item), query)
    assert page.status_code == 200
    found = re.search(r'name="token" value="([^"]+)"', page.content.decode())
    assert found is not None
    return found.group(1)


def materials(item: ServiceItem) -> dict[str, int]:
    assert item.current is not None
    return dict(Material.objects.filter(version=item.current).values_list("name", "pk"))


def pdf(name: str, content: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def application(
    client: Client, item: ServiceItem, *, token: str | None = None, **fields: Any
) -> dict[str, Any]:
    """The form as a browser sends it: the required materials attached unless a test says otherwise."""
    ids = materials(item)
    data: dict[str, Any] = {
        **PERSON,
        "token": token or fresh_token(client, item),
        f"material_{ids['食品经营许可申请书']}": pdf("申请书.pdf"),
        f"material_{ids['营业执照']}": pdf("营业执照.pdf", LICENCE),
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def post(client: Client, item: ServiceItem, data: dict[str, Any], ip: str = "203.0.113.9"):
    return client.post(url(item), data, REMOTE_ADDR=ip)


def files_on_disk() -> set[Path]:
    return {p for p in Path(default_storage.location).rglob("*") if p.is_file()}


def assert_nothing_saved(before: set[Path]) -> None:
    assert not Case.objects.exists()
    assert not CaseFile.objects.exists()
    assert not OutboxMessage.objects.filter(name__in=["case.submitted", "sms.send"]).exists()
    assert not AuditEntry.objects.filter(action__startswith="cases.").exists()
    assert files_on_disk() == before
