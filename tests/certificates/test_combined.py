"""一件事一次办: a combined service is defined and reviewed like an item, filed once with one material list,
split on acceptance (parallel parts at once, a serial part when the part before it issues), concluded
once when every sub-case has, with every certificate its sub-cases issued."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests import samples
from tests.cases.conftest import APPLICANT, COMPANY
from tests.certificates.combined_fixtures import (
    SHARED_ID,
    SHARED_LICENCE,
    World,
    definition,
)
from tests.certificates.conftest import work_off
from yimen.cases.models import Case, CaseFile, CaseState, Channel, Result
from yimen.cases.services import intake, steps
from yimen.cases.uploads import Upload
from yimen.catalog import services as catalog
from yimen.certificates import combined, combined_queries
from yimen.certificates.events import COMBINED_CONCLUDED
from yimen.certificates.models import (
    Certificate,
    CertificateUse,
    CombinedCase,
    CombinedPart,
    CombinedResult,
    CombinedState,
)
from yimen.core import events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import OutboxMessage, SmsMessage

PDF = samples.pdf()


def pdf(name: str = "scan.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def file_combined(world: World, uploads=(), reused=()) -> CombinedCase:
    return combined.apply(
        service=world.service,
        applicant=COMPANY,
        channel=Channel.WINDOW,
        by=world.front,
        window=world.front.window,
        uploads=uploads,
        reused=reused,
    ).combined


def combined_intake(world: World) -> Case:
    """A registration filed on its own, outside any 一件事."""
    return intake.submit(
        item=world.registration,
        applicant=COMPANY,
        channel=Channel.WINDOW,
        by=world.front,
        window=world.front.window,
    )


def sub(combined_case: CombinedCase, item) -> Case:
    return Case.objects.get(combined_part__combined=combined_case, item=item)


def issue(world: World, case: Case, by=None) -> Case:
    """出证办结; the seal's item has no certificate type, so its number is typed in."""
    number = "GZ-001" if case.item_id == world.seal.pk else ""
    return steps.conclude(
        case=case, by=by or world.cast.reviewer, result=Result.ISSUED, certificate_no=number
    )


# --- definition and review ------------------------------------------------------------------------


def test_a_combined_service_needs_two_published_items_without_a_loop(people, combined_items) -> None:
    registration, seal, licence = combined_items
    with pytest.raises(ApplicationError) as one:
        combined.save_draft(
            definition=definition(combined_items, parts=[combined.PartSpec(registration.pk)]),
            by=people.editor,
        )
    assert one.value.fields["parts"] == ["包含的事项：一件事至少包含2个事项"]

    loop = [
        combined.PartSpec(registration.pk, after_item_id=licence.pk),
        combined.PartSpec(licence.pk, after_item_id=registration.pk),
    ]
    with pytest.raises(ApplicationError) as looped:
        combined.save_draft(definition=definition(combined_items, parts=loop), by=people.editor)
    assert looped.value.fields["after"] == [
        "前置事项：“企业设立登记（多证合一）”→“食品经营许可证核发”→“企业设立登记（多证合一）”形成循环，"
        "串联办理的事项须有先后"
    ]

    catalog.retire_item(item=seal, by=people.base.admin, reason="并入登记")
    with pytest.raises(ApplicationError) as retired:
        combined.save_draft(definition=definition(combined_items), by=people.editor)
    assert retired.value.fields["parts"] == ["包含的事项：“公章刻制备案”尚未发布或已废止，不能纳入一件事"]

    with pytest.raises(ApplicationError) as kind:
        combined.save_draft(definition=definition(combined_items, applicant_kind="person"), by=people.editor)
    assert (
        "包含的事项：“企业设立登记（多证合一）”不面向自然人，与一件事的申请人类型不符"
        in kind.value.fields["parts"]
    )
    assert not CombinedPart.objects.exists()


def test_the_editor_drafts_and_the_reform_reviewer_publishes_or_returns(people, combined_items) -> None:
    service = combined.save_draft(definition=definition(combined_items), by=people.editor)
    assert service.state == CombinedState.DRAFT
    with pytest.raises(NotPermitted):
        combined.submit(service=service, by=people.legal)  # 法制审核 keeps no combined service
    combined.submit(service=service, by=people.editor)
    with pytest.raises(NotPermitted):
        combined.approve(service=service, by=people.editor)
    with pytest.raises(ApplicationError) as empty:
        combined.return_for_changes(service=service, by=people.reform, comment=" ")
    assert empty.value.fields == {"comment": ["审核意见：退回时必须写明原因"]}
    returned = combined.return_for_changes(service=service, by=people.reform, comment="请写明并联关系")
    assert (returned.state, returned.review_comment) == (CombinedState.DRAFT, "请写明并联关系")
    combined.submit(service=service, by=people.editor)
    published = combined.approve(service=service, by=people.reform)
    assert published.state == CombinedState.PUBLISHED and published.published_at is not None
    assert published.reviewed_by == people.reform
    with pytest.raises(TransitionError, match="一件事当前为“已发布”，不能修改"):
        combined.save_draft(definition=definition(combined_items), by=people.editor, service=published)
    assert combined.retire(service=published, by=people.editor).state == CombinedState.RETIRED


def test_the_guide_lists_each_shared_material_once_and_adds_serial_time(meal: World) -> None:
    world = meal
    materials = combined_queries.material_list(world.service)
    names = [m.name for m in materials]
    assert names == ["公司登记（备案）申请书", SHARED_ID, "公司章程", SHARED_LICENCE, "食品经营许可申请书"]
    shared = {m.name: m.items for m in materials if m.shared}
    assert shared == {
        SHARED_ID: ("企业设立登记（多证合一）", "公章刻制备案"),
        SHARED_LICENCE: ("公章刻制备案", "食品经营许可证核发"),
    }
    # 登记 3 then 许可 10 in series; 刻章 1 alongside: 13 working days.
    assert combined_queries.promised_workdays(combined_queries.parts_of(world.service)) == Decimal(13)


# --- one application ------------------------------------------------------------------------------


def test_one_application_files_a_sub_case_per_part_with_a_shared_file_for_each(meal: World) -> None:
    world = meal
    combined_case = file_combined(world, [Upload(SHARED_ID, pdf()), Upload("公司章程", pdf())])
    assert combined_case.number.startswith("YJS")
    cases = Case.objects.filter(combined_part__combined=combined_case)
    assert sorted(cases.values_list("item_id", flat=True)) == sorted(
        [world.registration.pk, world.seal.pk, world.licence.pk]
    )
    assert {c.applicant_name for c in cases} == {COMPANY.name}
    assert {c.state for c in cases} == {CaseState.SUBMITTED}
    # The shared material was asked once and kept with both cases that list it; the other with its own.
    assert sorted(
        CaseFile.objects.filter(material=SHARED_ID).values_list("case__item_id", flat=True)
    ) == sorted([world.registration.pk, world.seal.pk])
    assert list(CaseFile.objects.filter(material="公司章程").values_list("case__item_id", flat=True)) == [
        world.registration.pk
    ]


def test_a_material_outside_the_list_or_the_wrong_applicant_files_nothing(meal: World) -> None:
    world = meal
    with pytest.raises(ApplicationError) as unknown:
        file_combined(world, [Upload("户口簿", pdf())])
    assert unknown.value.fields == {"户口簿": ["材料名称：材料“户口簿”不在该一件事的材料清单中"]}
    with pytest.raises(ApplicationError) as person:
        combined.apply(
            service=world.service,
            applicant=APPLICANT,
            channel=Channel.WINDOW,
            by=world.front,
            window=world.front.window,
        )
    assert person.value.fields == {"kind": ["申请人类型：该一件事只受理法人或其他组织的申请"]}
    assert not Case.objects.exists() and not CombinedCase.objects.exists()


def test_acceptance_starts_the_parallel_parts_and_holds_the_serial_one(meal: World) -> None:
    world = meal
    combined_case = combined.accept(combined=file_combined(world), by=world.front)
    assert sub(combined_case, world.registration).state == CaseState.HANDLING
    assert sub(combined_case, world.seal).state == CaseState.HANDLING
    assert sub(combined_case, world.licence).state == CaseState.SUBMITTED
    with pytest.raises(TransitionError, match="该一件事已受理，不能重复受理"):
        combined.accept(combined=combined_case, by=world.front)

    issue(world, sub(combined_case, world.registration))
    work_off()
    licence_case = sub(combined_case, world.licence)
    assert licence_case.state == CaseState.HANDLING and licence_case.accepted_at is not None


def test_another_organisations_reviewer_cannot_conclude_a_sub_case(meal: World) -> None:
    world = meal
    combined_case = combined.accept(combined=file_combined(world), by=world.front)
    with pytest.raises(NotPermitted):
        issue(world, sub(combined_case, world.seal), by=world.cast.reviewer)  # 王审批 of the market bureau
    with pytest.raises(NotPermitted):
        issue(world, sub(combined_case, world.registration), by=world.police_reviewer)


def conclude_all(world: World, combined_case: CombinedCase) -> None:
    issue(world, sub(combined_case, world.registration))
    steps.conclude(
        case=sub(combined_case, world.seal),
        by=world.police_reviewer,
        result=Result.ISSUED,
        certificate_no="GZ-001",
    )
    work_off()
    issue(world, sub(combined_case, world.licence))


def test_all_sub_cases_concluded_conclude_the_whole_once_with_every_certificate(meal: World) -> None:
    world = meal
    combined_case = combined.accept(combined=file_combined(world), by=world.front)
    conclude_all(world, combined_case)
    [last] = [m for m in events.claim() if m.name == "case.concluded"]
    assert events.deliver(last)
    assert events.deliver(last)  # delivered again: nothing more
    work_off()

    combined_case.refresh_from_db()
    assert combined_case.result == CombinedResult.ALL and combined_case.concluded_at is not None
    assert OutboxMessage.objects.filter(name=COMBINED_CONCLUDED.name).count() == 1
    [sms] = SmsMessage.objects.filter(template="combined.concluded")
    assert "您申请的一件事“开办餐饮店”" in sms.text and "已办结：全部事项已出证办结" in sms.text
    assert "共出具电子证照2本" in sms.text and "/certificates/verify/" in sms.text
    # One certificate per sub-case whose item has a type: 营业执照 and 食品经营许可证, none for the seal.
    listed = combined_queries.certificates_of(combined_case)
    assert sorted(c.name for c in listed) == ["营业执照", "食品经营许可证"]
    assert {c.case.item_id for c in listed} == {world.registration.pk, world.licence.pk}
    assert Certificate.objects.count() == 2
    figures = combined_queries.figures([world.service.pk])[world.service.pk]
    assert (figures.applications, figures.concluded, figures.all_issued, figures.certificates) == (1, 1, 1, 2)
    assert figures.average_days is not None and figures.average_days >= 0


def test_a_denied_predecessor_refuses_the_serial_part_and_ends_as_partial(meal: World) -> None:
    world = meal
    combined_case = combined.accept(combined=file_combined(world), by=world.front)
    steps.conclude(
        case=sub(combined_case, world.registration),
        by=world.cast.reviewer,
        result=Result.DENIED,
        reason="名称不合规",
    )
    work_off()
    licence_case = sub(combined_case, world.licence)
    assert licence_case.state == CaseState.REFUSED
    assert licence_case.result_reason.startswith("前置事项“企业设立登记（多证合一）”未出证办结（不予许可）")
    combined_case.refresh_from_db()
    assert combined_case.concluded_at is None  # the seal is still being handled
    steps.conclude(
        case=sub(combined_case, world.seal),
        by=world.police_reviewer,
        result=Result.ISSUED,
        certificate_no="GZ-1",
    )
    work_off()
    combined_case.refresh_from_db()
    assert combined_case.result == CombinedResult.PARTIAL
    assert combined_case.get_result_display() == "部分办结（有事项未出证）"
    [sms] = SmsMessage.objects.filter(template="combined.concluded")
    assert "部分办结，有事项未出证" in sms.text and "共出具电子证照0本" in sms.text


def test_an_unpublished_service_takes_no_application(meal: World) -> None:
    world = meal
    combined.retire(service=world.service, by=world.people.editor)
    with pytest.raises(ApplicationError) as retired:
        file_combined(world)
    assert retired.value.fields == {"service": ["一件事：未发布或已停用，不能申报"]}


def test_a_material_a_live_certificate_replaces_is_used_not_uploaded_for_each_sub_case(meal: World) -> None:
    world = meal
    earlier = steps.accept(
        case=combined_intake(world), by=world.front
    )  # the company's 营业执照 from an earlier registration
    issue(world, earlier)
    work_off()
    combined_case = file_combined(
        world, [Upload(SHARED_LICENCE, pdf()), Upload(SHARED_ID, pdf())], reused={SHARED_LICENCE}
    )
    uses = CertificateUse.objects.filter(case__combined_part__combined=combined_case)
    assert sorted(uses.values_list("case__item_id", flat=True)) == sorted([world.seal.pk, world.licence.pk])
    assert {u.certificate.name for u in uses} == {"营业执照"} and {u.material for u in uses} == {
        SHARED_LICENCE
    }
    assert not CaseFile.objects.filter(material=SHARED_LICENCE).exists()
    assert CaseFile.objects.filter(material=SHARED_ID).count() == 2


def test_reuse_without_a_live_certificate_files_nothing(meal: World) -> None:
    with pytest.raises(ApplicationError) as none:
        file_combined(meal, reused={SHARED_LICENCE})
    assert none.value.fields == {SHARED_LICENCE: [f"材料“{SHARED_LICENCE}”没有可调用的电子证照，请提交材料"]}
    assert not Case.objects.exists() and not CertificateUse.objects.exists()


def test_a_combined_case_filed_online_is_taken_in_by_the_lead_organisations_window_or_a_comprehensive_one(
    meal: World, cast
) -> None:
    """An online 一件事 has no window: the lead organisation's clerk (市场监管) or the 综合窗口 sees and accepts
    it; a department that is neither (公安, whose sub-case it holds) cannot accept it for the others."""
    filed = combined.apply(
        service=meal.service, applicant=COMPANY, channel=Channel.ONLINE, uploads=(), reused=()
    ).combined
    assert filed in combined_queries.combined_visible_to(cast.clerk)
    assert filed in combined_queries.combined_visible_to(meal.front)
    assert not combined.may_accept(cast.other, filed)
    with pytest.raises(NotPermitted, match="牵头机构"):
        combined.accept(combined=filed, by=cast.other)
    assert combined.may_accept(meal.front, filed)

    accepted = combined.accept(combined=filed, by=cast.clerk)
    assert accepted.accepted_by == cast.clerk
    registration, seal = sub(filed, meal.registration), sub(filed, meal.seal)
    assert registration.state == seal.state == CaseState.HANDLING
    # The market clerk accepted the market's sub-case; the police sub-case was accepted on that acceptance.
    assert registration.events.get(action="accept").by == cast.clerk
    assert seal.events.get(action="accept").by is None
