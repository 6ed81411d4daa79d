"""Supervisors and administrators read the audit log and check its integrity from the office."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client

from tests.conftest import make_staff
from yimen.core import audit
from yimen.org.models import Role, StaffRole

pytestmark = pytest.mark.django_db


def test_supervisor_sees_entries_and_a_passing_check(client: Client, cast) -> None:
    audit.record("org.window_renamed", cast.window, actor=cast.admin, organisation_id=cast.market.pk)
    client.force_login(cast.supervisor)
    page = client.get("/office/audit/?verify=1").content.decode()
    assert "org.window_renamed" in page and "周管理" in page
    assert "完整性校验通过：共 1 条" in page


def test_a_tampered_log_fails_the_check_on_the_page(client: Client, cast) -> None:
    audit.record("a", cast.clerk, actor=cast.admin)
    audit.record("b", cast.clerk, actor=cast.admin)
    audit.seal()  # as the worker does every second
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET action = 'c' WHERE seq = 1")
    client.force_login(make_staff("auditor", "审计员", cast.centre, (Role.AUDIT_ADMIN, cast.government)))
    assert "审计日志第 1 条的内容已被篡改" in client.get("/office/audit/?verify=1").content.decode()


def test_entries_of_other_organisations_are_not_listed(client: Client, cast) -> None:
    """An audit administrator of the market bureau alone sees the market bureau's entries only."""
    StaffRole.objects.create(staff=cast.reviewer, role=Role.AUDIT_ADMIN, organisation=cast.market)
    audit.record("market.thing", cast.clerk, actor=cast.admin)
    audit.record("police.thing", cast.other, actor=cast.admin)
    client.force_login(cast.reviewer)
    page = client.get("/office/audit/").content.decode()
    assert "market.thing" in page and "police.thing" not in page


def test_a_clerk_may_not_read_the_audit_log(client: Client, cast) -> None:
    client.force_login(cast.clerk)
    response = client.get("/office/audit/")
    assert response.status_code == 403 and "无权访问" in response.content.decode()


# --- the 审计管理员: filter, export, anchors ---------------------------------------------------------


@pytest.fixture
def auditor(cast):
    """吴审计, the audit administrator of the government: reads and exports the log, nothing else."""
    from tests.conftest import make_staff
    from yimen.org.models import Role

    return make_staff("auditor", "吴审计", cast.centre, (Role.AUDIT_ADMIN, cast.government))


def _three_days(cast) -> None:
    from datetime import datetime

    from django.utils import timezone

    def at(text: str) -> datetime:
        return timezone.make_aware(datetime.fromisoformat(text))

    audit.record("org.window_renamed", cast.clerk, actor=cast.admin, at=at("2026-12-01 09:00"))
    audit.record("case.accepted", cast.clerk, actor=cast.clerk, at=at("2026-12-02 10:00"))
    audit.record("case.concluded", cast.clerk, actor=cast.reviewer, at=at("2026-12-03 11:00"))
    audit.record(
        "case.accepted",
        cast.clerk,
        actor=cast.clerk,
        at=at("2026-12-03 15:00"),
        object_repr='=HYPERLINK("http://x")',
    )
    audit.seal()


def _listed(page: str) -> list[str]:
    import re

    return re.findall(r'data-label="操作">([^<]+)<', page)


def test_the_audit_administrator_filters_by_date_operator_and_action(client: Client, cast, auditor) -> None:
    _three_days(cast)
    client.force_login(auditor)
    assert _listed(client.get("/office/audit/?since=2026-12-02&until=2026-12-02").content.decode()) == [
        "case.accepted"
    ]
    assert len(_listed(client.get("/office/audit/?actor=李窗口").content.decode())) == 2
    assert _listed(client.get("/office/audit/?action=case.concluded").content.decode()) == ["case.concluded"]
    assert len(_listed(client.get("/office/audit/?action=case.").content.decode())) == 3


def test_a_bad_filter_date_is_named_and_lists_nothing(client: Client, cast, auditor) -> None:
    _three_days(cast)
    client.force_login(auditor)
    response = client.get("/office/audit/?since=12/01/2026")
    assert response.status_code == 422
    page = response.content.decode()
    assert "开始日期：请填写 YYYY-MM-DD 格式的日期" in page and _listed(page) == []
    response = client.get("/office/audit/?since=2026-12-03&until=2026-12-01")
    assert response.status_code == 422 and "截止日期：不能早于开始日期" in response.content.decode()


def test_the_export_as_csv_holds_the_selection_and_is_itself_audited(client: Client, cast, auditor) -> None:
    import csv
    import io

    from yimen.core.models import AuditEntry

    _three_days(cast)
    client.force_login(auditor)
    response = client.get("/office/audit/export.csv?actor=李窗口", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0][:5] == ["序号", "时间", "操作人", "操作人编号", "操作"]
    assert [(r[0], r[1], r[2], r[4]) for r in rows[1:]] == [
        ("2", "2026-12-02 10:00:00", "李窗口", "case.accepted"),
        ("4", "2026-12-03 15:00:00", "李窗口", "case.accepted"),
    ]
    assert rows[2][7] == '\'=HYPERLINK("http://x")'  # text, not a formula a spreadsheet would run
    exported = AuditEntry.objects.get(action="audit.exported")
    assert exported.actor_id == auditor.pk and exported.actor_label == "吴审计"
    assert exported.summary["after"] == {
        "format": "csv",
        "count": 2,
        "filters": {"actor": "李窗口"},
        "address": "10.1.2.3",
    }
    second = client.get("/office/audit/export.csv?action=audit.")  # the first export shows, with its address
    again = list(csv.reader(io.StringIO(second.content.decode().lstrip("\ufeff"))))
    assert [(r[4], r[9]) for r in again[1:]] == [("audit.exported", "10.1.2.3")]


def test_the_export_as_excel(client: Client, cast, auditor) -> None:
    import io

    from openpyxl import load_workbook

    _three_days(cast)
    client.force_login(auditor)
    response = client.get("/office/audit/export.xlsx?since=2026-12-03")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][2] == "操作人" and [(v[0], v[4]) for v in values[1:]] == [
        (3, "case.concluded"),
        (4, "case.accepted"),
    ]
    assert values[2][7] == '\'=HYPERLINK("http://x")'


def test_reading_without_the_export_right_cannot_export(client: Client, cast) -> None:
    _three_days(cast)
    client.force_login(cast.supervisor)  # reads the log (audit.view), exports nothing
    assert client.get("/office/audit/").status_code == 200
    assert client.get("/office/audit/export.csv").status_code == 403
    assert client.get("/office/audit/anchors/?date=2026-12-03").status_code == 403
    client.force_login(cast.clerk)
    assert client.get("/office/audit/export.xlsx").status_code == 403


def test_the_audit_administrator_downloads_a_days_signed_anchors(client: Client, cast, auditor) -> None:
    import json

    from django.utils import timezone

    from yimen.core import audit_anchor
    from yimen.core.models import AuditEntry

    _three_days(cast)
    client.force_login(auditor)
    today = timezone.localdate()
    response = client.get(f"/office/audit/anchors/?date={today}")
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    lines = [json.loads(t) for t in response.content.decode().splitlines()]
    assert [(a["kind"], a["seq"]) for a in lines] == [("seal", 4)]
    assert lines[0]["mac"] == audit_anchor.mac(lines[0])
    assert AuditEntry.objects.filter(action="audit.anchors_exported", object_id=str(today)).count() == 1
    bad = client.get("/office/audit/anchors/?date=昨天")
    assert bad.status_code == 422 and "日期：请填写 YYYY-MM-DD 格式的日期" in bad.content.decode()


# --- nobody changes an entry through the application ----------------------------------------------


def test_the_admin_site_shows_audit_entries_read_only_even_to_a_superuser(client: Client, cast) -> None:
    from yimen.core.models import AuditEntry

    audit.record("org.window_renamed", cast.window, actor=cast.admin)
    audit.seal()
    entry = AuditEntry.objects.get()
    cast.admin.is_superuser = True
    cast.admin.save()
    client.force_login(cast.admin)
    assert client.get("/admin/core/auditentry/").status_code == 200
    assert client.get("/admin/core/auditentry/add/").status_code == 403
    assert client.get(f"/admin/core/auditentry/{entry.pk}/delete/").status_code == 403
    assert client.post(f"/admin/core/auditentry/{entry.pk}/delete/", {"post": "yes"}).status_code == 403
    changed = client.post(f"/admin/core/auditentry/{entry.pk}/change/", {"action": "x", "actor_label": "y"})
    assert changed.status_code == 403
    listing = client.post(
        "/admin/core/auditentry/",
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )
    assert listing.status_code in {200, 302}
    entry.refresh_from_db()
    assert (entry.action, entry.actor_label) == ("org.window_renamed", "周管理")
    assert audit.verify() == (1, None)


def test_entries_cannot_be_changed_or_deleted_in_bulk(cast) -> None:
    from yimen.core.models import AuditEntry

    audit.record("org.window_renamed", cast.window, actor=cast.admin)
    audit.seal()
    with pytest.raises(PermissionError, match="审计日志只能追加，不能修改"):
        AuditEntry.objects.filter(seq=1).update(action="x")
    with pytest.raises(PermissionError, match="审计日志只能追加，不能删除"):
        AuditEntry.objects.all().delete()
    entry = AuditEntry.objects.get()
    with pytest.raises(PermissionError):
        entry.delete()
    entry.action = "x"
    with pytest.raises(PermissionError):
        entry.save()
    assert AuditEntry.objects.get().action == "org.window_renamed"


def test_the_platforms_own_entries_go_to_those_at_the_top_organisation_only(
    client: Client, cast, auditor
) -> None:
    """Entries of no organisation (the system's, exports, archiving): the government's 审计管理员 reads them, an
    audit administrator of the market bureau alone does not."""
    from yimen.org.models import Role, StaffRole

    audit.record("calendar.day_set", actor="系统", object_type="core.calendarday", object_id="2026-12-08")
    audit.record("market.thing", cast.clerk, actor=cast.admin)
    client.force_login(auditor)
    assert sorted(_listed(client.get("/office/audit/").content.decode())) == [
        "calendar.day_set",
        "market.thing",
    ]
    StaffRole.objects.create(staff=cast.reviewer, role=Role.AUDIT_ADMIN, organisation=cast.market)
    client.force_login(cast.reviewer)
    assert _listed(client.get("/office/audit/").content.decode()) == ["market.thing"]
