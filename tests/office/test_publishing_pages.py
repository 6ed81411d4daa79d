"""The office's 主动公开 pages: 赵公开 drafts with an attachment and submits, 何主任 publishes or sends
back, the due list shows what waits and what was late, and the head names each node's editors."""

from __future__ import annotations

import re
from datetime import date, datetime

import pytest
from django.test import Client
from django.utils import timezone

from tests.conftest import PASSWORD, make_staff
from tests.publishing.conftest import Desk, make_desk, normative, recording_search
from tests.publishing.test_attachments import docx_file
from yimen.org.models import Role
from yimen.publishing.models import CatalogueNode, DisclosureSettings, Publication, PublicationState
from yimen.publishing.services import publications, revisions

pytestmark = pytest.mark.django_db


@pytest.fixture
def desk(cast, monkeypatch) -> Desk:
    return make_desk(cast, recording_search(monkeypatch))


def signed_in(staff) -> Client:
    client = Client()
    assert client.login(username=staff.username, password=PASSWORD)
    return client


def _form(desk, **overrides) -> dict[str, object]:
    data = {
        "node": desk.nodes["zcwj-gfxwj"].pk,
        "title": "咸宁市政务服务中心关于调整午间延时服务时间的通知",
        "kind": "normative",
        "document_number": "咸政务发〔2024〕12号",
        "topic": "综合政务",
        "genre": "通知",
        "keywords": "延时服务",
        "written_on": "2024-09-27",
        "body": "各进驻单位：\n自 2024 年 10 月 8 日起，午间延时服务时间调整为 12:00 至 14:30。",
    }
    data.update(overrides)
    return data


def test_an_officer_drafts_with_an_attachment_and_the_head_publishes(desk) -> None:
    officer, head = signed_in(desk.base.officer), signed_in(desk.base.head)
    page = officer.post("/office/publishing/new/", {**_form(desk), "files": docx_file("延时服务安排表")})
    assert page.status_code == 302
    publication = Publication.objects.get()
    assert publication.attachments.get().name == "附件1.docx"
    detail = officer.get(page["Location"]).content.decode()
    assert "2024-10-30" in detail and "提交审核" in detail  # 应公开日期 across the National Day holiday
    assert officer.post(f"/office/publishing/{publication.pk}/submit/").status_code == 302
    queue = head.get("/office/publishing/review/").content.decode()
    assert publication.title in queue and "已逾期" in queue
    assert head.post(f"/office/publishing/{publication.pk}/approve/").status_code == 302
    publication.refresh_from_db()
    assert publication.state == PublicationState.PUBLISHED
    assert publication.index_number in head.get(f"/office/publishing/{publication.pk}/").content.decode()


def test_a_draft_with_mistakes_comes_back_with_messages_on_its_fields(desk) -> None:
    page = signed_in(desk.base.officer).post(
        "/office/publishing/new/", _form(desk, document_number="", title="")
    )
    html = page.content.decode()
    assert page.status_code == 422
    assert "这个字段是必填项" in html or "标题：必填" in html
    page = signed_in(desk.base.officer).post("/office/publishing/new/", _form(desk, document_number=""))
    assert page.status_code == 422 and "文号：行政规范性文件必须填写文号" in page.content.decode()
    assert not Publication.objects.exists()


def test_a_rejection_shows_its_reason_to_the_editor(desk) -> None:
    draft = desk.draft()
    publications.submit(publication=draft, by=desk.base.officer)
    head = signed_in(desk.base.head)
    refused = head.post(f"/office/publishing/{draft.pk}/reject/", {"reason": ""})
    assert refused.status_code == 422 and "退回原因：退回时必须写明原因" in refused.content.decode()
    head.post(f"/office/publishing/{draft.pk}/reject/", {"reason": "请补充政策解读"})
    html = signed_in(desk.base.officer).get(f"/office/publishing/{draft.pk}/").content.decode()
    assert "请补充政策解读" in html and "修改草稿" in html
    assert "何主任 · 退回修改：请补充政策解读" in html  # the history, in words
    listed = signed_in(desk.base.officer).get("/office/publishing/?state=returned").content.decode()
    assert "退回：请补充政策解读" in listed and draft.title in listed
    # read from the publication itself, not from the log
    Publication.objects.filter(pk=draft.pk).update(rejection_reason="请补充政策解读和附件")
    html = signed_in(desk.base.officer).get(f"/office/publishing/{draft.pk}/").content.decode()
    assert re.search(r'data-testid="rejection">请补充政策解读和附件<', html)
    assert (
        "退回：请补充政策解读和附件"
        in signed_in(desk.base.officer).get("/office/publishing/").content.decode()
    )


def test_an_officer_revises_a_published_item_and_the_head_publishes_the_change(desk, client) -> None:
    published = desk.published()
    officer, head = signed_in(desk.base.officer), signed_in(desk.base.head)
    assert "修订（内容变更）" in officer.get(f"/office/publishing/{published.pk}/").content.decode()
    opened = officer.post(f"/office/publishing/{published.pk}/revise/")
    revision = Publication.objects.get(revision_of=published)
    assert opened.status_code == 302 and opened["Location"] == f"/office/publishing/{revision.pk}/edit/"
    editor = officer.get(opened["Location"]).content.decode()
    assert "修改修订稿" in editor and "变更说明" in editor and published.index_number in editor
    saved = officer.post(
        opened["Location"],
        _form(
            desk,
            title=published.title,
            document_number=published.document_number,
            changed_on="2025-01-20",
            revision_note="午间延时服务调整为全年",
            body="午间延时服务全年实行。",
            lock_version=revision.lock_version,
        ),
    )
    assert saved.status_code == 302
    review = officer.get(f"/office/publishing/{revision.pk}/").content.decode()
    differences = re.search(r'data-testid="differences".*?</section>', review, re.S)
    assert differences, "the revision shows what it changes"
    assert "<ins>2025-01-20</ins>" in differences.group(0)  # 变更日期
    assert "<ins>午间延时服务全年实行。</ins>" in differences.group(0)
    assert "<del>为进一步压缩办理时限，现就有关事项通知如下。</del>" in differences.group(0)
    original = officer.get(f"/office/publishing/{published.pk}/").content.decode()
    assert 'data-testid="open-revision"' in original and "修订（内容变更）" not in original
    assert "午间延时服务全年实行" not in client.get(f"/open/{published.pk}/").content.decode()
    assert officer.post(f"/office/publishing/{revision.pk}/submit/").status_code == 302
    queue = head.get("/office/publishing/review/").content.decode()
    assert "修订稿" in queue and "变更说明：午间延时服务调整为全年" in queue
    approved = head.post(f"/office/publishing/{revision.pk}/approve/")
    assert approved.status_code == 302 and approved["Location"] == f"/office/publishing/{published.pk}/"
    page = head.get(approved["Location"]).content.decode()
    assert "变更发布：第" in page and "午间延时服务调整为全年" in page and "2025-02-21" in page
    public = client.get(f"/open/{published.pk}/").content.decode()
    assert "午间延时服务全年实行" in public and "变更记录" in public and "午间延时服务调整为全年" in public


def test_a_draft_or_a_revision_can_be_deleted_from_its_page(desk) -> None:
    officer = signed_in(desk.base.officer)
    draft = desk.draft()
    assert "删除草稿" in officer.get(f"/office/publishing/{draft.pk}/").content.decode()
    gone = officer.post(f"/office/publishing/{draft.pk}/discard/")
    assert gone.status_code == 302 and gone["Location"] == "/office/publishing/"
    assert not Publication.objects.filter(pk=draft.pk).exists()
    published = desk.published(document_number="咸政务发〔2024〕6号")
    revision = revisions.open_revision(publication=published, by=desk.base.officer)
    assert "放弃修订" in officer.get(f"/office/publishing/{revision.pk}/").content.decode()
    back = officer.post(f"/office/publishing/{revision.pk}/discard/")
    assert back.status_code == 302 and back["Location"] == f"/office/publishing/{published.pk}/"
    assert "放弃修订" in officer.get(back["Location"]).content.decode()  # in the history
    assert officer.post(f"/office/publishing/{published.pk}/discard/").status_code == 409


def test_wrong_state_is_409_and_wrong_role_is_403(desk) -> None:
    draft = desk.draft()
    assert signed_in(desk.base.head).post(f"/office/publishing/{draft.pk}/approve/").status_code == 409
    publications.submit(publication=draft, by=desk.base.officer)
    page = signed_in(desk.base.officer).post(f"/office/publishing/{draft.pk}/approve/")
    assert page.status_code == 403 and "审核权限" in page.content.decode()


def test_other_departments_see_nothing(desk) -> None:
    draft = desk.draft()
    other = signed_in(desk.base.other)
    assert other.get("/office/publishing/").status_code == 403
    assert other.get(f"/office/publishing/{draft.pk}/").status_code == 404
    assert other.get(f"/office/publishing/files/{draft.pk}/").status_code == 404


def test_a_stale_edit_is_refused(desk) -> None:
    draft = desk.draft()
    officer = signed_in(desk.base.officer)
    stale = _form(desk, lock_version=draft.lock_version)
    assert (
        officer.post(f"/office/publishing/{draft.pk}/edit/", {**stale, "title": "第二稿"}).status_code == 302
    )
    page = officer.post(f"/office/publishing/{draft.pk}/edit/", {**stale, "title": "第三稿"})
    assert page.status_code == 409 and "已被他人修改" in page.content.decode()


def test_the_due_page_lists_waiting_items_and_the_years_rate(desk, monkeypatch) -> None:
    moment = timezone.make_aware(datetime(2024, 11, 5, 10, 0))
    monkeypatch.setattr(timezone, "now", lambda: moment)
    desk.published(written_on=date(2024, 10, 9))  # due 11-05 (10-12 is a worked Saturday): on the day
    desk.published(written_on=date(2024, 9, 2), document_number="咸政务发〔2024〕7号")  # due 09-30: late
    waiting = desk.draft(written_on=date(2024, 9, 27), document_number="咸政务发〔2024〕8号")
    html = signed_in(desk.base.officer).get("/office/publishing/due/?year=2024").content.decode()
    assert waiting.title in html and "（已逾期）" in html
    rates = re.search(r'data-testid="rates".*?</table>', html, re.S)
    assert rates and re.search(r"咸宁市政务服务中心</td>.*?>2<.*?>1<.*?>1<.*?>50.0%<", rates.group(0), re.S)


def test_the_head_names_a_nodes_editors_and_only_they_draft_there(desk) -> None:
    colleague = make_staff("officer2", "钱编辑", desk.base.centre, (Role.OFFICER, desk.base.centre))
    node = desk.nodes["zcwj-gz"]
    head = signed_in(desk.base.head)
    page = head.get(f"/office/publishing/catalogue/nodes/{node.pk}/")
    assert "钱编辑" in page.content.decode() and "赵公开" in page.content.decode()
    head.post(
        f"/office/publishing/catalogue/nodes/{node.pk}/",
        {"name": "规章", "responsible_office": "法规科", "editors": [colleague.pk]},
    )
    node = CatalogueNode.objects.get(pk=node.pk)
    assert node.responsible_office == "法规科" and list(node.editors.all()) == [colleague]
    catalogue = signed_in(desk.base.officer).get("/office/publishing/catalogue/").content.decode()
    assert "法规科" in catalogue and "钱编辑" in catalogue
    form = signed_in(desk.base.officer).get("/office/publishing/new/").content.decode()
    assert f'value="{node.pk}"' not in form  # 赵公开 may no longer draft into 规章
    refused = signed_in(desk.base.officer).post(
        f"/office/publishing/catalogue/nodes/{node.pk}/", {"name": "x"}
    )
    assert refused.status_code == 403


def test_the_officer_keeps_the_guide_settings(desk) -> None:
    officer = signed_in(desk.base.officer)
    page = officer.post(
        "/office/publishing/catalogue/guide/",
        {
            "office_name": "中心办公室",
            "address": "金桂路 99 号",
            "office_hours": "工作日",
            "phone": "0715-1",
            "email": "不是邮箱",
        },
    )
    assert page.status_code == 422 and "电子邮箱：格式不正确" in page.content.decode()
    page = officer.post(
        "/office/publishing/catalogue/guide/",
        {"office_name": "中心办公室", "address": "金桂路 99 号", "office_hours": "工作日", "phone": "0715-1"},
    )
    assert page.status_code == 302
    assert DisclosureSettings.objects.get(organisation=desk.base.centre).office_name == "中心办公室"


def test_an_organisation_without_a_catalogue_gets_one_from_the_button(cast) -> None:
    market_officer = make_staff("mo", "马公开", cast.market, (Role.OFFICER, cast.market))
    client = signed_in(market_officer)
    assert "建立默认公开目录" in client.get("/office/publishing/catalogue/").content.decode()
    client.post("/office/publishing/catalogue/create/", {"org": cast.market.pk})
    assert CatalogueNode.objects.filter(organisation=cast.market).count() == 21


def test_the_home_page_offers_the_tools(desk) -> None:
    officer = signed_in(desk.base.officer).get("/office/").content.decode()
    head = signed_in(desk.base.head).get("/office/").content.decode()
    assert "/office/publishing/" in officer and "/office/publishing/catalogue/" in officer
    assert "/office/publishing/review/" in head and "/office/publishing/review/" not in officer
    assert normative()  # the same valid document the services tests use


def test_the_head_sees_the_list_without_the_draft_button(desk) -> None:
    desk.draft()
    html = signed_in(desk.base.head).get("/office/publishing/").content.decode()
    assert "咸宁市政务服务中心关于进一步规范" in html and "起草信息" not in html


def test_items_due_within_three_working_days_are_marked(desk, monkeypatch) -> None:
    moment = timezone.make_aware(datetime(2024, 10, 28, 9, 0))  # Monday
    monkeypatch.setattr(timezone, "now", lambda: moment)
    soon = desk.draft(written_on=date(2024, 9, 27))  # due Wednesday 10-30
    later = desk.draft(written_on=date(2024, 10, 14), title="关于调整窗口设置的通知", document_number="9号")
    html = signed_in(desk.base.officer).get("/office/publishing/due/").content.decode()
    rows = dict(re.findall(r">([^<>]+)</a></td>.*?data-label=\"应公开日期\"[^>]*>([^<]+)</td>", html, re.S))
    assert rows[soon.title] == "2024-10-30（即将到期）"
    assert rows[later.title] == "2024-11-11"
    publications.submit(publication=soon, by=desk.base.officer)
    queue = signed_in(desk.base.head).get("/office/publishing/review/").content.decode()
    assert "2024-10-30（即将到期）" in queue
