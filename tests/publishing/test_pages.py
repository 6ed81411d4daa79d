"""The portal's 政务公开 pages: each organisation's 目录 and 指南 are current, a publication shows its
metadata and attachments, and a withdrawn one keeps its page with a notice."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.publishing.conftest import normative
from tests.publishing.test_attachments import docx_file
from yimen.publishing.models import Kind
from yimen.publishing.services import catalogue, publications

pytestmark = pytest.mark.django_db


def test_a_publication_page_shows_its_metadata_body_and_attachment(desk, client) -> None:
    draft = publications.create_draft(
        by=desk.base.officer,
        node=desk.nodes["zcwj-gfxwj"],
        fields=normative(body='<p onclick="x()">为进一步压缩办理时限</p>'),
        files=[docx_file("附件正文", name="办理时限表.docx")],
    )
    publications.submit(publication=draft, by=desk.base.officer)
    published = publications.approve(publication=draft, by=desk.base.head)
    page = client.get(f"/open/{published.pk}/")
    html = page.content.decode()
    assert page.status_code == 200
    for text in (
        published.index_number,
        "咸政务发〔2024〕5号",
        "2024-09-27",
        "行政规范性文件",
        "有效",
        "综合政务",
    ):
        assert text in html
    assert "<p>为进一步压缩办理时限</p>" in html and "onclick" not in html
    attachment = published.attachments.get()
    assert f'href="/open/{published.pk}/files/{attachment.pk}/"' in html
    download = client.get(f"/open/{published.pk}/files/{attachment.pk}/")
    assert download.status_code == 200
    assert "filename*=utf-8''%E5%8A%9E%E7%90%86" in download["Content-Disposition"].replace("UTF-8", "utf-8")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_drafts_and_their_files_are_not_public(desk, client) -> None:
    draft = publications.create_draft(
        by=desk.base.officer, node=desk.nodes["zcwj-gfxwj"], fields=normative(), files=[docx_file("草稿附件")]
    )
    assert client.get(f"/open/{draft.pk}/").status_code == 404
    assert client.get(f"/open/{draft.pk}/files/{draft.attachments.get().pk}/").status_code == 404


def test_a_withdrawn_publication_leaves_a_notice_not_a_404(desk, client) -> None:
    published = desk.published()
    attachment_url = f"/open/{published.pk}/"
    publications.withdraw(publication=published, by=desk.base.head, reason="已被《关于…的通知》替代")
    page = client.get(attachment_url)
    html = page.content.decode()
    assert page.status_code == 410
    assert "该信息已撤回" in html and "已被《关于…的通知》替代" in html and published.index_number in html
    assert "为进一步压缩办理时限" not in html  # the body is no longer shown


def test_the_directory_lists_index_name_summary_and_date_by_node(desk, client) -> None:
    published = desk.published()
    desk.published("gzdt", kind=Kind.NEWS, title="中心开展“政务服务进社区”活动", body="活动现场。")
    html = client.get("/open/org/ZWFW/").content.decode()
    assert published.index_number in html and published.summary[:20] in html and "2024-09-27" in html
    node_page = client.get("/open/org/ZWFW/zcwj/").content.decode()  # a parent lists its children's items
    assert published.title in node_page and "政务服务进社区" not in node_page
    assert client.get("/open/org/ZWFW/nosuchnode/").status_code == 404
    assert client.get("/open/org/GAJ/").status_code == 404  # no catalogue there


def test_the_guide_follows_the_settings_at_once(desk, client) -> None:
    html = client.get("/open/org/ZWFW/guide/").content.decode()
    assert "咸宁市政务服务中心政府信息公开指南" in html and "0715-8126517" in html  # from the organisation
    assert "MB1534962/2024-00001" in html  # how an 索引号 reads
    assert "行政规范性文件" in html and "20 个工作日" in html
    catalogue.save_guide_settings(
        organisation=desk.base.centre,
        by=desk.base.officer,
        fields={
            "office_name": "咸宁市政务服务中心办公室",
            "address": "咸宁市咸安区金桂路 99 号 市民之家四楼",
            "office_hours": "工作日 8:30–12:00，14:30–17:30",
            "phone": "0715-8126500",
            "fax": "0715-8126501",
            "email": "gk@xianning.example.gov.cn",
            "postcode": "437100",
        },
    )
    html = client.get("/open/org/ZWFW/guide/").content.decode()
    for text in (
        "咸宁市政务服务中心办公室",
        "市民之家四楼",
        "0715-8126500",
        "0715-8126501",
        "gk@xianning.example.gov.cn",
        "437100",
    ):
        assert text in html


def test_the_index_page_lists_organisations_and_the_latest_items(desk, client) -> None:
    published = desk.published()
    html = client.get("/open/").content.decode()
    assert published.title in html and "/open/org/ZWFW/" in html


def test_a_fake_attachment_upload_is_refused_before_anything_is_written(desk) -> None:
    with pytest.raises(Exception, match="不是有效的"):
        publications.create_draft(
            by=desk.base.officer,
            node=desk.nodes["zcwj-gfxwj"],
            fields=normative(),
            files=[SimpleUploadedFile("x.pdf", b"<script>")],
        )


def test_the_directory_offers_search_and_feeds_for_what_is_shown(desk, client) -> None:
    html = client.get("/open/org/ZWFW/zcwj-gfxwj/").content.decode()
    assert 'action="/open/search/"' in html and 'name="org" value="ZWFW"' in html
    assert 'name="node" value="zcwj-gfxwj"' in html
    assert 'href="/open/feeds/ZWFW/zcwj-gfxwj/rss.xml"' in html and 'type="application/atom+xml"' in html
    index = client.get("/open/").content.decode()
    assert "上级动态" in index and 'href="/open/feeds/rss.xml"' in index


def test_a_repealed_document_says_so_above_its_text(desk, client) -> None:
    published = desk.published(effective_on="2024-10-08")
    html = client.get(f"/open/{published.pk}/").content.decode()
    assert "施行日期" in html and "2024-10-08" in html and 'data-testid="not-in-force"' not in html
    publications.change_validity(
        publication=published, by=desk.base.head, validity="repealed", on=date(2025, 3, 1)
    )
    html = client.get(f"/open/{published.pk}/").content.decode()
    assert "本文件已于 2025年3月1日 废止，不再执行，仅供查阅。" in html
