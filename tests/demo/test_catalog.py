"""`yimen loaddemo`: the catalogue the seed describes — 520 items of 66 window units, 189 行政许可, 277 forms,
and the reforms of 2018 (房屋交易 6→3 环节, 14 个工作日→半天, 25→9 份材料)."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from io import StringIO
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Q
from django.test import override_settings
from pytest_django import DjangoDbBlocker

from yimen.catalog import queries, services
from yimen.catalog.models import (
    FormFile,
    ItemType,
    ItemVersion,
    Material,
    MaterialSource,
    ServiceItem,
    VersionState,
)
from yimen.catalog.validation import validate_version
from yimen.org.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(
    django_db_setup: None, django_db_blocker: DjangoDbBlocker, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """One load for the whole module (it takes seconds), its forms in a temporary folder, rolled back at the end."""
    files = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(tmp_path_factory.mktemp("forms"))},
    }
    storages = {**settings.STORAGES, "default": files}
    with django_db_blocker.unblock(), override_settings(STORAGES=storages), transaction.atomic():
        out = StringIO()
        call_command("loaddemo", scale="small", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_loaddemo_loads_each_apps_part_in_dependency_order(demo: str) -> None:
    parts = [line.split("：", 1)[0] for line in demo.splitlines()]
    assert parts == [
        "机构与人员",
        "事项目录与办事指南",
        "办件",
        "电子证照",  # the certificates
        "电子证照",  # the 一件事 combined services, which issue them together
        "主动公开",
        "依申请公开",
        "统计与年度报告",
        "政务数据开放",
        "数据交换",
    ]


def test_the_demo_years_issued_cases_carry_signed_certificates(demo: str) -> None:
    from yimen.certificates import services
    from yimen.certificates.models import Certificate, CertificateType

    assert CertificateType.objects.count() == 7
    issued = Certificate.objects.select_related("type", "case", "replaces")
    assert issued.count() > 50, demo
    for certificate in issued.order_by("?")[:20]:
        assert certificate.case.result == "issued"
        assert certificate.case.item_id in set(certificate.type.items.values_list("pk", flat=True))
        assert services.signature_holds(certificate)
        assert certificate.number in certificate.case.certificate_no
    # Holders of a 营业执照 filed their next application online with it (免提交), and see the use.
    from yimen.certificates.models import CertificateUse

    uses = CertificateUse.objects.filter(channel="online", case__isnull=False).select_related("certificate")
    assert uses.count() >= 5, demo
    for use in uses:
        assert use.certificate.type.name == "营业执照" and use.material
        assert use.case.uscc == use.certificate.holder_code


def _item(name: str) -> ServiceItem:
    return queries.published().get(current__name=name)


def _reform(name: str) -> queries.ReformFigures:
    newest, older, *_ = queries.history(_item(name))
    return queries.reform_figures(older, newest)


def test_the_catalogue_has_the_seeds_520_items_and_189_licences(demo: str) -> None:
    items = queries.published()
    assert items.count() == 520
    assert items.filter(current__item_type=ItemType.LICENSING).count() == 189
    assert (
        items.exclude(current__item_type=ItemType.LICENSING).values("current__item_type").distinct().count()
        >= 5
    )
    assert "520 个事项（189 个行政许可），277 份表格" in demo


def test_every_window_unit_offers_items_and_no_unit_repeats_a_name(demo: str) -> None:
    units = Organisation.objects.filter(windows__isnull=False).distinct()
    assert units.count() == 66
    counts = units.annotate(n=Count("items", filter=Q(items__current__isnull=False)))
    assert not counts.filter(n=0).exists()
    assert counts.get(code="XN-ZWFW").n >= 3  # the centre's own 综合 items
    names = queries.published().values_list("organisation_id", "current__name")
    assert len(set(names)) == len(names)


def test_277_forms_open_as_spreadsheets_and_hang_on_the_application_materials(demo: str) -> None:
    forms = list(FormFile.objects.all())
    assert len(forms) == 277
    current = Material.objects.filter(version__state=VersionState.PUBLISHED)
    blanks = set(current.values_list("blank_form_id", flat=True))
    samples = set(current.values_list("sample_id", flat=True))
    for form in forms:
        assert form.pk in blanks | samples
        with form.file.open("rb") as handle:
            data = handle.read()
        assert len(data) == form.size and hashlib.sha256(data).hexdigest() == form.sha256
        assert form.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        title = openpyxl.load_workbook(io.BytesIO(data)).active["A1"].value
        assert title == Path(form.name).stem
    assert len(blanks - {None}) == 189 and len(samples - {None}) == 88


def test_every_version_passes_the_guide_rules(demo: str) -> None:
    versions = ItemVersion.objects.prefetch_related("materials", "steps", "fees")
    for version in versions:
        rows = [
            [{name: getattr(row, name) for name in fields} for row in related.all()]
            for related, fields in (
                (version.materials, services.MATERIAL_FIELDS),
                (version.steps, services.STEP_FIELDS),
                (version.fees, services.FEE_FIELDS),
            )
        ]
        assert validate_version(version, *rows) == {}, version
        assert 3 <= version.material_count == len(rows[0]) <= 25


def test_guides_are_complete_where_a_citizen_looks(demo: str) -> None:
    current = ItemVersion.objects.filter(state=VersionState.PUBLISHED)
    assert current.count() == 520
    assert not current.filter(Q(consult_phone="") | Q(supervise_phone="") | Q(conditions="")).exists()
    assert (
        not current.filter(windows__isnull=True).exists() and not current.filter(themes__isnull=True).exists()
    )
    assert not current.filter(faq=[]).exists()
    immediate = current.filter(promised_limit=0).count()
    assert 0.3 * 520 <= immediate <= 0.5 * 520
    assert current.filter(is_free=False).exists() and current.filter(is_free=False).count() < 52
    identity = Material.objects.filter(version__in=current, name__endswith="居民身份证")
    assert identity.exists() and not identity.exclude(source=MaterialSource.CERTIFICATE).exists()


def test_the_house_sale_reform_reads_6_to_3_steps_14_days_to_half_a_day_25_to_9_materials(demo: str) -> None:
    figures = _reform("不动产转移登记（二手房买卖）")
    assert figures.steps == (6, 3)
    assert figures.promised == ("14个工作日", "半天")
    assert figures.materials == (25, 9)
    newest, older = queries.history(_item("不动产转移登记（二手房买卖）"))
    assert older.published_at is not None and newest.published_at is not None
    assert (older.published_at.year, newest.published_at.year) == (2017, 2018)
    assert "25份减少到9份" in newest.change_note


def test_the_other_reforms_of_the_report_show_before_and_after(demo: str) -> None:
    housing = _reform("房屋交易合同网签备案")
    assert housing.steps == (7, 4) and housing.promised == ("15个工作日", "3个工作日")
    assert _item("房屋交易合同网签备案").current.legal_limit == 15  # type: ignore[union-attr]
    assert _reform("居住证签发").promised == ("10个工作日", "即办")
    online = _item("药品零售企业许可").current
    assert online is not None and online.online_depth == "4" and _reform("药品零售企业许可").visits == (2, 0)
    assert len(queries.history(_item("企业设立登记（多证合一）"))) == 3


def test_the_2018_reform_summary_names_the_units_the_report_names(demo: str) -> None:
    rows = {row["item__organisation__name"]: row for row in queries.reform_summary(2018)}
    assert {"咸宁市不动产登记中心", "咸宁市房产服务中心", "咸宁市公安局", "咸宁市市场监督管理局"} <= set(rows)
    estate = rows["咸宁市不动产登记中心"]
    assert (estate["steps_before"], estate["steps_after"]) == (6, 3)
    assert (estate["materials_before"], estate["materials_after"]) == (25, 9)
    assert queries.reform_summary(2019)


def test_searching_for_real_estate_finds_the_real_estate_items(demo: str) -> None:
    found = list(queries.public_items(queries.ItemFilter(q="不动产")))
    names = [item.name for item in found]
    assert "不动产转移登记（二手房买卖）" in names and "不动产首次登记" in names
    assert "不动产" in names[0]
    assert all(item.organisation_name == "咸宁市不动产登记中心" for item in found[:5])


def test_loading_twice_changes_nothing(demo: str) -> None:
    before = (ServiceItem.objects.count(), ItemVersion.objects.count(), FormFile.objects.count())
    out = StringIO()
    call_command("loaddemo", scale="small", stdout=out)
    assert "演示事项已存在" in out.getvalue()
    assert (ServiceItem.objects.count(), ItemVersion.objects.count(), FormFile.objects.count()) == before


def test_two_combined_services_are_published_and_their_cases_deliver_every_certificate(demo: str) -> None:
    from yimen.certificates import combined_queries
    from yimen.certificates.models import CombinedResult

    services = {s.name: s for s in combined_queries.published()}
    assert set(services) == {"开办餐饮店", "二手房买卖"}
    meal = [p.item.current.name for p in combined_queries.parts_of(services["开办餐饮店"])]
    assert meal == ["企业设立登记（多证合一）", "食品经营许可证核发", "发票领用"]
    shared = {m.name for m in combined_queries.material_list(services["开办餐饮店"]) if m.shared}
    assert "营业执照" in shared
    for service in services.values():
        [case] = service.cases.all()
        assert case.result == CombinedResult.ALL
    names = {
        name: sorted(c.name for c in combined_queries.certificates_of(services[name].cases.get()))
        for name in services
    }
    assert names == {"开办餐饮店": ["营业执照", "食品经营许可证"], "二手房买卖": ["不动产权证书"]}
