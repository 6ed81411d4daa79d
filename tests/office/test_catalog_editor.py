"""The office catalogue: editors draft items with their tables, 郑法制 and 冯审改 review, versions are compared."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.catalog.conftest import make_guide, published
from tests.conftest import make_staff
from yimen.catalog import services
from yimen.catalog.models import ItemVersion, ServiceItem, Theme, VersionState
from yimen.core.models import AuditEntry
from yimen.org.models import Role

pytestmark = pytest.mark.django_db

MATERIALS = [
    {
        "name": "食品经营许可申请书",
        "form": "original",
        "copies": "1",
        "source": "applicant",
        "required": True,
    },
    {
        "name": "营业执照",
        "form": "electronic",
        "copies": "1",
        "source": "certificate",
        "required": True,
        "certificate_type": "营业执照",
    },
    {
        "name": "委托书",
        "form": "original",
        "copies": "1",
        "source": "applicant",
        "required": False,
        "condition": "委托他人办理时",
    },
]
STEPS = [
    {"name": "受理", "limit": "0", "unit": "workday", "counts_toward_limit": True},
    {"name": "审查决定", "limit": "10", "unit": "workday", "counts_toward_limit": True},
]
BLANK_ROW = {"form": "original", "copies": "1", "source": "applicant", "required": True, "unit": "workday"}


def _rows(prefix: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A formset as the browser posts it: the rows, then one untouched blank row."""
    data: dict[str, Any] = {
        f"{prefix}-TOTAL_FORMS": str(len(rows) + 1),
        f"{prefix}-INITIAL_FORMS": "0",
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate([*rows, BLANK_ROW]):
        for key, value in row.items():
            if value is True:
                data[f"{prefix}-{i}-{key}"] = "on"
            elif value is not False:
                data[f"{prefix}-{i}-{key}"] = value
    return data


def _guide_post(
    materials: list[dict[str, Any]] = MATERIALS, steps: list[dict[str, Any]] = STEPS, **fields: Any
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": "食品经营许可证核发",
        "item_type": "01",
        "level": "city",
        "for_person": "on",
        "for_legal": "on",
        "themes": [str(Theme.objects.get(code="l01").pk)],
        "business_types": ["初次申领", "变更"],
        "legal_basis": "《中华人民共和国食品安全法》第三十五条\n《食品经营许可管理办法》第十条",
        "conditions": "有与经营的食品品种、数量相适应的经营场所。",
        "legal_limit": "20",
        "legal_unit": "workday",
        "promised_limit": "10",
        "promised_unit": "workday",
        "is_free": "on",
        "special_procedures": "现场核查｜5｜工作日｜《食品经营许可管理办法》第二十一条",
        "location": "市民之家二楼 B 区",
        "hours": "工作日 8:30–17:30",
        "consult_phone": "0715-8212345",
        "supervise_phone": "0715-12345",
        "online_depth": "3",
        "online_url": "",
        "visits": "1",
        "scope": "city",
        "faq": "需要现场核查吗？｜新办需要现场核查。",
        "change_note": "",
    }
    data.update(fields)
    return data | _rows("materials", materials) | _rows("steps", steps) | _rows("fees", [])


def _new_item_post(people, **fields: Any) -> dict[str, Any]:
    return {
        "organisation": str(people.base.market.pk),
        "basic_code": "XK-00001",
        "impl_code": "",
    } | _guide_post(**fields)


def _cells(page: str, testid: str) -> list[list[str]]:
    """The text of each body row of the table marked data-testid=…, as a reader sees it."""
    table = page.split(f'data-testid="{testid}"', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        [
            re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", cell)).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        for row in body.split("</tr>")
        if "<td" in row
    ]


def _draft(people) -> ItemVersion:
    return services.create_item(
        organisation=people.base.market, basic_code="XK-00001", guide=make_guide(), by=people.editor
    )


def _submitted(people) -> ItemVersion:
    draft = _draft(people)
    services.submit(version=draft, by=people.editor)
    return draft


def _act(client: Client, version: ItemVersion, action: str, **form: str):
    return client.post(reverse("office_catalog:version_action", args=[version.pk, action]), form)


def test_the_new_item_page_offers_three_blank_rows_per_table_and_no_inline_code(
    client: Client, people
) -> None:
    client.force_login(people.editor)
    page = client.get(reverse("office_catalog:item_new")).content.decode()
    for table in ("materials", "steps", "fees"):
        assert f'name="{table}-TOTAL_FORMS" value="3"' in page
        assert f'name="{table}-2-name"' in page
    assert "咸宁市市场监督管理局" in page and "咸宁市公安局" not in page  # only the editor's organisation
    assert "style=" not in page and "<script>" not in page


def test_editor_creates_an_item_with_its_tables_and_sees_it_in_the_list(client: Client, people) -> None:
    client.force_login(people.editor)
    response = client.post(reverse("office_catalog:item_new"), _new_item_post(people), follow=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "已新建事项“食品经营许可证核发”" in page
    assert _cells(page, "materials")[2][1:6] == [
        "委托书",
        "原件",
        "1",
        "申请人自备",
        "非必要：委托他人办理时",
    ]
    assert [row[1] for row in _cells(page, "steps")] == ["受理", "审查决定"]

    version = ItemVersion.objects.get()
    assert (version.state, version.material_count, version.step_count) == (VersionState.DRAFT, 3, 2)
    assert version.legal_basis[1] == {"law": "《食品经营许可管理办法》", "article": "第十条"}
    assert version.faq == [{"q": "需要现场核查吗？", "a": "新办需要现场核查。"}]
    assert version.special_procedures[0]["unit"] == "workday" and version.business_types == [
        "初次申领",
        "变更",
    ]
    assert list(version.themes.values_list("code", flat=True)) == ["l01"]

    listing = client.get(reverse("office_catalog:items") + "?q=食品经营").content.decode()
    assert _cells(listing, "items")[0][1:4] == ["食品经营许可证核发", "咸宁市市场监督管理局", "第1版 草稿"]
    drafts = client.get(reverse("office_catalog:items") + "?state=published").content.decode()
    assert "没有符合条件的事项" in drafts


def test_a_bad_guide_comes_back_422_with_chinese_messages_and_nothing_saved(client: Client, people) -> None:
    client.force_login(people.editor)
    unconditional = [*MATERIALS[:2], {**MATERIALS[2], "condition": ""}]
    response = client.post(
        reverse("office_catalog:item_new"),
        _new_item_post(people, promised_limit="30", materials=unconditional),
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert "承诺时限：不能超过法定时限" in page
    assert "申请材料第 3 行：非必要材料须写明适用情形" in page
    assert 'value="30"' in page and 'value="委托书"' in page  # what was typed is kept
    assert not ServiceItem.objects.exists() and not AuditEntry.objects.exists()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("faq", "只有问题没有回答", "常见问题第 1 行：应为“问题｜回答”"),
        ("special_procedures", "现场核查｜五天", "特别程序第 1 行：时限“五天”不是数字"),
        ("promised_limit", "", "承诺时限：必填"),
    ],
)
def test_a_draft_edited_badly_is_unchanged(client: Client, people, field, value, message) -> None:
    draft = _draft(people)
    client.force_login(people.editor)
    response = client.post(
        reverse("office_catalog:version_edit", args=[draft.pk]),
        _guide_post(name="改过的名称", **{field: value}),
    )
    assert response.status_code == 422
    assert message in response.content.decode()
    assert ItemVersion.objects.get(pk=draft.pk).name == "食品经营许可证核发"


def test_a_submitted_draft_waits_for_郑法制_not_冯审改(client: Client, people) -> None:
    draft = _draft(people)
    client.force_login(people.editor)
    response = _act(client, draft, "submit")
    assert response.status_code == 302 and response["Location"] == reverse(
        "office_catalog:version", args=[draft.pk]
    )
    assert "已提交法制审核" in client.get(response["Location"]).content.decode()

    client.force_login(people.legal)
    queue = client.get(reverse("office_catalog:queue_legal")).content.decode()
    assert _cells(queue, "queue")[0][:4] == ["食品经营许可证核发", "咸宁市市场监督管理局", "第1版", "吴编辑"]
    client.force_login(people.reform)
    assert "没有待审核的版本" in client.get(reverse("office_catalog:queue_reform")).content.decode()
    assert client.get(reverse("office_catalog:queue_legal")).status_code == 403


def test_legal_then_reform_approval_publishes_the_version(client: Client, people) -> None:
    version = _submitted(people)
    client.force_login(people.legal)
    detail = client.get(reverse("office_catalog:version", args=[version.pk])).content.decode()
    assert "法制审核通过" in detail and "审改审核通过并发布" not in detail
    assert _act(client, version, "legal_approve").status_code == 302

    client.force_login(people.reform)
    queue = client.get(reverse("office_catalog:queue_reform")).content.decode()
    assert _cells(queue, "queue")[0][0] == "食品经营许可证核发"
    response = client.post(
        reverse("office_catalog:version_action", args=[version.pk, "reform_approve"]), follow=True
    )
    assert "审改审核已通过，第 1 版已发布为现行版本" in response.content.decode()
    item = ServiceItem.objects.get()
    assert item.current_id == version.pk and item.current.state == VersionState.PUBLISHED


def test_rejecting_needs_a_reason_and_returns_the_draft_with_it(client: Client, people) -> None:
    version = _submitted(people)
    client.force_login(people.legal)
    response = _act(client, version, "reject", comment="  ")
    assert response.status_code == 422 and "审核意见：退回时必须写明原因" in response.content.decode()
    assert ItemVersion.objects.get(pk=version.pk).state == VersionState.LEGAL_REVIEW

    assert _act(client, version, "reject", comment="设定依据条款有误").status_code == 302
    assert ItemVersion.objects.get(pk=version.pk).state == VersionState.DRAFT
    client.force_login(people.editor)
    detail = client.get(reverse("office_catalog:version", args=[version.pk])).content.decode()
    assert 'data-testid="review-comment">设定依据条款有误<' in detail and "编辑草稿" in detail
    editor = client.get(reverse("office_catalog:version_edit", args=[version.pk])).content.decode()
    assert "设定依据条款有误" in editor and 'value="食品经营许可申请书"' in editor


def test_a_step_the_state_does_not_allow_is_409(client: Client, people) -> None:
    draft = _draft(people)
    client.force_login(people.legal)
    response = _act(client, draft, "legal_approve")
    assert response.status_code == 409
    assert "“草稿”状态的版本不能法制审核通过" in response.content.decode()
    assert ItemVersion.objects.get(pk=draft.pk).state == VersionState.DRAFT

    version = published(people, basic_code="XK-00002")
    client.force_login(people.editor)
    response = client.get(reverse("office_catalog:version_edit", args=[version.pk]))
    assert response.status_code == 409 and "该版本处于“现行”状态，不能修改" in response.content.decode()


def test_an_editor_cannot_review_and_a_reviewer_cannot_edit(client: Client, people) -> None:
    version = _submitted(people)
    client.force_login(people.editor)
    response = _act(client, version, "legal_approve")
    assert response.status_code == 403 and "您没有此事项的该项权限" in response.content.decode()
    client.force_login(people.legal)
    assert client.get(reverse("office_catalog:item_new")).status_code == 403


def test_other_departments_cannot_open_or_change_the_item(client: Client, people) -> None:
    draft = _draft(people)
    client.force_login(people.base.other)
    assert client.get(reverse("office_catalog:version_edit", args=[draft.pk])).status_code == 403
    assert client.get(reverse("office_catalog:version", args=[draft.pk])).status_code == 404
    assert _act(client, draft, "submit").status_code == 404

    police_editor = make_staff(
        "police_editor", "陈编辑", people.base.police, (Role.ITEM_EDITOR, people.base.police)
    )
    client.force_login(police_editor)
    assert client.get(reverse("office_catalog:version_edit", args=[draft.pk])).status_code == 404
    assert client.get(reverse("office_catalog:version_diff", args=[draft.pk])).status_code == 404
    assert "没有符合条件的事项" in client.get(reverse("office_catalog:items")).content.decode()
    response = client.post(reverse("office_catalog:item_new"), _new_item_post(people))
    assert response.status_code == 422 and ServiceItem.objects.count() == 1
    assert ItemVersion.objects.get(pk=draft.pk).state == VersionState.DRAFT


def test_a_revision_is_edited_and_compared_with_its_reform_figures(client: Client, people) -> None:
    v1 = published(people)
    client.force_login(people.editor)
    response = _act(client, v1, "revise", change_note="减环节、减材料")
    v2 = ItemVersion.objects.get(item=v1.item, number=2)
    assert response["Location"] == reverse("office_catalog:version_edit", args=[v2.pk])

    edited = _guide_post(
        name="食品经营许可证核发（告知承诺）",
        promised_limit="0.5",
        visits="0",
        change_note="减环节、减材料",
        materials=MATERIALS[:2],
        steps=[{"name": "受理即决定", "limit": "0.5", "unit": "workday", "counts_toward_limit": True}],
    )
    response = client.post(reverse("office_catalog:version_edit", args=[v2.pk]), edited)
    assert response.status_code == 302
    v2.refresh_from_db()
    assert (v2.step_count, v2.material_count, v2.promised_limit) == (1, 2, Decimal("0.5"))

    page = client.get(reverse("office_catalog:version_diff", args=[v2.pk])).content.decode()
    assert "第1版（现行）→ 第2版（草稿）" in page
    assert _cells(page, "figures") == [
        ["环节数", "4", "1"],
        ["承诺时限", "10个工作日", "半天"],
        ["材料数", "3", "2"],
        ["到现场次数", "1", "0"],
    ]
    changes = {row[0]: row[1:] for row in _cells(page, "changes")}
    assert changes["事项名称"] == ["食品经营许可证核发", "食品经营许可证核发（告知承诺）"]
    assert changes["到现场次数"] == ["1", "0"]
    assert changes["申请材料"] == ["删除：委托书", "—"]
    assert changes["办理环节"][1] == "新增：受理即决定"


def test_retiring_needs_a_reason(client: Client, people) -> None:
    version = published(people)
    client.force_login(people.editor)
    response = _act(client, version, "retire", reason="")
    assert response.status_code == 422 and "废止原因：必须写明依据或原因" in response.content.decode()
    assert ServiceItem.objects.get().retired_at is None

    response = client.post(
        reverse("office_catalog:version_action", args=[version.pk, "retire"]),
        {"reason": "依据省政府令第 12 号取消"},
        follow=True,
    )
    assert "事项已废止" in response.content.decode()
    item = ServiceItem.objects.get()
    assert item.retired_at is not None and item.retired_reason == "依据省政府令第 12 号取消"
    retired = client.get(reverse("office_catalog:items") + "?state=retired").content.decode()
    assert _cells(retired, "items")[0][3] == "第1版 已废止"
    assert _act(client, version, "retire", reason="再次废止").status_code == 409
