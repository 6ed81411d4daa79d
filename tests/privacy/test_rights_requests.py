"""个人信息权利申请 (个人信息保护法 第四十五条—第四十七条、第五十条): identity proven as 办件查询 proves it, a copy
holding only the requester's own records, corrections through the cases' audited service, deletion where
the law allows it and a stored reason for every refusal, a response period that is the centre's setting."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.test import override_settings

from tests.cases.conftest import APPLICANT
from tests.privacy.conftest import Holders, accepted, by_id
from yimen.cases.models import Case, CaseFile
from yimen.cases.services.privacy import ERASED_NAME, correct_applicant
from yimen.core import events
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry, OutboxMessage
from yimen.core.services import set_day
from yimen.privacy import queries, services
from yimen.privacy.handlers import recompute
from yimen.privacy.models import Channel, Outcome, RequestState, RightKind, RightsRequest, Verification

pytestmark = pytest.mark.django_db


def audit_actions(obj) -> list[str]:
    return list(
        AuditEntry.objects.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_a_copy_holds_only_the_requesters_own_records(holders: Holders) -> None:
    """张三 proves himself with his ID number and phone tail 5678: the copy has his two cases at the market
    department and nothing of 李四's, nor the case under his ID number with another phone."""
    reviewer = holders.cast.reviewer
    request = accepted(by_id(holders, RightKind.ACCESS), reviewer)
    answered = services.provide_copy(request=request, by=reviewer)
    copy = answered.export
    numbers = sorted(case["办件编号"] for case in copy["办件"])
    assert numbers == sorted([holders.accepted.number, holders.withdrawn.number])
    assert {case["公民身份号码"] for case in copy["办件"]} == {APPLICANT.id_number}
    text = json.dumps(copy, ensure_ascii=False)
    assert holders.lisi.number not in text and "李四" not in text
    assert holders.other_phone.number not in text and "13700009999" not in text
    assert copy["政府信息公开申请"] == []  # the centre's request is another organisation's record
    assert (answered.state, answered.outcome) == (RequestState.ANSWERED, Outcome.PROVIDED)
    assert "办件 2 件" in answered.reply
    assert audit_actions(answered) == [
        "privacy.request_filed",
        "privacy.request_accepted",
        "privacy.request_answered",
    ]
    events = list(
        OutboxMessage.objects.filter(name__startswith="privacy.")
        .order_by("id")
        .values_list("name", flat=True)
    )
    assert events == ["privacy.request_filed", "privacy.request_accepted", "privacy.request_answered"]


def test_the_centre_copies_the_disclosure_requests_it_holds(holders: Holders) -> None:
    request = by_id(holders, RightKind.ACCESS, organisation=holders.cast.centre)
    answered = services.provide_copy(
        request=accepted(request, holders.centre_handler), by=holders.centre_handler
    )
    assert [asked["申请编号"] for asked in answered.export["政府信息公开申请"]] == [holders.asked.number]
    assert answered.export["办件"] == []


def test_a_case_and_its_query_code_reach_that_case_only(holders: Holders) -> None:
    case = holders.accepted
    request = services.file_request(
        kind=RightKind.ACCESS,
        verification=Verification.CASE_CODE,
        requester=services.Requester(
            name="张三", phone="13812345678", case_number=case.number, query_code=case.query_code
        ),
        content="查阅本办件登记的个人信息",
    )
    assert request.organisation == holders.cast.market  # the case's organisation, whatever was chosen
    copy = services.provide_copy(
        request=accepted(request, holders.cast.reviewer), by=holders.cast.reviewer
    ).export
    assert [c["办件编号"] for c in copy["办件"]] == [case.number]


@pytest.mark.parametrize(
    "proof",
    [
        {"verification": Verification.ID_PHONE, "tail": "0000"},
        {"verification": Verification.CASE_CODE, "code": "wrong"},
    ],
)
def test_a_proof_that_does_not_hold_files_nothing(holders: Holders, proof: dict) -> None:
    case = holders.accepted
    wrong_code = "000000" if case.query_code != "000000" else "111111"
    requester = services.Requester(
        name="张三",
        phone="13812345678",
        id_number=APPLICANT.id_number,
        phone_tail=proof.get("tail", ""),
        case_number=case.number,
        query_code=wrong_code,
    )
    with pytest.raises(services.IdentityNotVerified) as refused:
        services.file_request(
            kind=RightKind.ACCESS,
            verification=proof["verification"],
            organisation=holders.cast.market,
            requester=requester,
            content="查阅",
        )
    assert refused.value.status == 422 and "身份核验未通过" in refused.value.message
    assert not RightsRequest.objects.exists()


def test_bad_input_names_each_field_and_files_nothing(holders: Holders) -> None:
    with pytest.raises(ApplicationError) as refused:
        services.file_request(
            kind="forget",
            verification=Verification.ID_PHONE,
            organisation=holders.cast.market,
            requester=services.Requester(
                name="", phone="12345", id_number="110105194912310020", phone_tail="56"
            ),
            content=" ",
        )
    fields = refused.value.fields
    assert set(fields) == {"kind", "name", "phone", "content", "id_number", "phone_tail"}
    assert fields["phone_tail"] == ["登记手机号码后四位：应为4位数字"]
    assert not RightsRequest.objects.exists()


def test_the_id_card_is_checked_only_at_the_window(holders: Holders) -> None:
    requester = services.Requester(name="张三", phone="13812345678", id_number=APPLICANT.id_number)
    with pytest.raises(ApplicationError) as refused:
        services.file_request(
            kind=RightKind.ACCESS,
            verification=Verification.COUNTER,
            organisation=holders.cast.market,
            requester=requester,
            content="查阅",
        )
    assert refused.value.fields["verification"] == ["身份核验方式：核验身份证件只能在窗口办理"]
    at_window = services.file_request(
        kind=RightKind.ACCESS,
        verification=Verification.COUNTER,
        organisation=holders.cast.market,
        requester=requester,
        content="查阅",
        channel=Channel.WINDOW,
        by=holders.cast.clerk,
    )
    assert at_window.created_by == holders.cast.clerk
    with pytest.raises(services.IdentityNotVerified):  # the window checks the phone tail as the portal does
        services.file_request(
            kind=RightKind.ACCESS,
            verification=Verification.ID_PHONE,
            organisation=holders.cast.market,
            requester=replace(requester, phone_tail="0000"),
            content="查阅",
            channel=Channel.WINDOW,
            by=holders.cast.clerk,
        )
    # Checked in person, the ID number reaches every record under it, the one with another phone too.
    copy = services.provide_copy(
        request=accepted(at_window, holders.cast.reviewer), by=holders.cast.reviewer
    ).export
    assert holders.other_phone.number in {c["办件编号"] for c in copy["办件"]}
    with pytest.raises(NotPermitted):
        services.file_request(
            kind=RightKind.ACCESS,
            verification=Verification.COUNTER,
            organisation=holders.cast.market,
            requester=requester,
            content="查阅",
            channel=Channel.WINDOW,
            by=holders.cast.other,
        )


def test_the_response_period_is_fifteen_working_days_by_the_centres_rule(holders: Holders) -> None:
    """Received Monday 2024-03-04: the 15th working day after it is 2024-03-25; a setting changes it."""
    request = by_id(holders, RightKind.ACCESS, on=date(2024, 3, 4))
    assert (request.received_on, request.due_on) == (date(2024, 3, 4), date(2024, 3, 25))
    with override_settings(YIMEN={**settings.YIMEN, "PRIVACY_RESPONSE_WORKDAYS": 5}):
        assert by_id(holders, RightKind.ACCESS, on=date(2024, 3, 4)).due_on == date(2024, 3, 11)


def test_a_closed_day_moves_an_open_requests_due_date(holders: Holders) -> None:
    request = by_id(holders, RightKind.ACCESS, on=date(2024, 3, 4))
    set_day(day=date(2024, 3, 15), is_workday=False, note="台风停止办公", by=holders.cast.admin)
    assert services.recompute_deadlines(since=date(2024, 3, 15)) == 1
    request.refresh_from_db()
    assert request.due_on == date(2024, 3, 26)


def test_a_correction_changes_the_case_through_an_audited_service(holders: Holders) -> None:
    reviewer = holders.cast.reviewer
    request = accepted(by_id(holders, RightKind.CORRECT, content="手机号码已更换为13811112222"), reviewer)
    answered = services.correct(
        request=request, by=reviewer, case=holders.accepted, changes={"phone": "138 1111 2222"}
    )
    holders.accepted.refresh_from_db()
    assert holders.accepted.phone == "13811112222"
    assert (answered.outcome, answered.reply) == (
        Outcome.CORRECTED,
        f"经核实，已更正办件 {holders.accepted.number} 的手机号码。",
    )
    entry = AuditEntry.objects.get(action="case.applicant_corrected", object_id=str(holders.accepted.pk))
    assert entry.summary["before"] == {"phone": "138****5678"}
    assert entry.summary["after"] == {"phone": "138****2222", "reason": f"个人信息权利申请 {request.number}"}
    assert "13811112222" not in json.dumps(entry.summary)


def test_a_correction_reaches_only_the_requesters_own_cases(holders: Holders) -> None:
    reviewer = holders.cast.reviewer
    request = accepted(by_id(holders, RightKind.CORRECT), reviewer)
    with pytest.raises(ApplicationError) as refused:
        services.correct(request=request, by=reviewer, case=holders.lisi, changes={"address": "新地址"})
    assert refused.value.fields["case"] == ["所更正的办件：不是经核验属于申请人本人的记录"]
    with pytest.raises(ApplicationError) as refused:
        services.correct(request=request, by=reviewer, case=holders.accepted, changes={"id_number": "x"})
    assert "公民身份号码等身份信息请持证件到窗口核验" in refused.value.fields["id_number"][0]
    holders.lisi.refresh_from_db()
    assert holders.lisi.address == "" and RightsRequest.objects.get().state == RequestState.HANDLING


def test_deletion_erases_what_was_never_accepted_and_gives_reasons_for_the_rest(holders: Holders) -> None:
    reviewer = holders.cast.reviewer
    upload = CaseFile.objects.create(
        case=holders.withdrawn,
        material="身份证复印件",
        name="身份证.pdf",
        file=ContentFile(b"%PDF-1.4 test", name="id.pdf"),
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
    )
    stored = upload.file.name
    storage = upload.file.storage
    assert storage.exists(stored)
    request = accepted(by_id(holders, RightKind.DELETE, content="我已撤回申请，请删除我的信息"), reviewer)
    answered = services.erase(request=request, by=reviewer)
    holders.withdrawn.refresh_from_db()
    holders.accepted.refresh_from_db()
    assert (holders.withdrawn.applicant_name, holders.withdrawn.id_number, holders.withdrawn.phone) == (
        ERASED_NAME,
        "",
        "",
    )
    assert not CaseFile.objects.filter(case=holders.withdrawn).exists()
    assert holders.accepted.id_number == APPLICANT.id_number  # accepted: kept
    assert answered.outcome == Outcome.DELETED
    assert f"已删除办件 {holders.withdrawn.number}" in answered.reply
    assert f"办件 {holders.accepted.number}：该办件已受理" in answered.reply
    assert "第四十七条第二款" in answered.reply
    assert AuditEntry.objects.filter(
        action="case.applicant_erased", object_id=str(holders.withdrawn.pk)
    ).exists()


def test_files_are_removed_from_storage_once_the_deletion_commits(
    holders: Holders, django_capture_on_commit_callbacks
) -> None:
    upload = CaseFile.objects.create(
        case=holders.withdrawn,
        material="身份证复印件",
        name="身份证.pdf",
        file=ContentFile(b"%PDF-1.4 test", name="id.pdf"),
        content_type="application/pdf",
        size=13,
        sha256="0" * 64,
    )
    request = accepted(by_id(holders, RightKind.DELETE), holders.cast.reviewer)
    with django_capture_on_commit_callbacks(execute=True):
        services.erase(request=request, by=holders.cast.reviewer)
    assert not upload.file.storage.exists(upload.file.name)


def test_a_refusal_needs_its_reason_and_stores_it(holders: Holders) -> None:
    reviewer = holders.cast.reviewer
    request = accepted(by_id(holders, RightKind.DELETE, organisation=holders.cast.market), reviewer)
    with pytest.raises(ApplicationError) as refused:
        services.refuse(request=request, by=reviewer, reason="  ")
    assert refused.value.fields["reason"] == ["不予办理的理由：必填（个人信息保护法第五十条）"]
    reason = "办件正在办理中，删除将妨碍依法履行审批职责（个人信息保护法第三十五条）"
    answered = services.refuse(request=request, by=reviewer, reason=reason)
    assert (answered.state, answered.outcome, answered.reply) == (
        RequestState.ANSWERED,
        Outcome.REFUSED,
        reason,
    )
    entry = AuditEntry.objects.get(action="privacy.request_answered", object_id=str(request.pk))
    assert entry.summary["after"]["reply"] == reason


def test_nothing_erasable_means_a_reasoned_refusal(holders: Holders) -> None:
    request = accepted(
        by_id(holders, RightKind.DELETE, organisation=holders.cast.centre), holders.centre_handler
    )
    with pytest.raises(ApplicationError) as refused:
        services.erase(request=request, by=holders.centre_handler)
    assert "请以“不予办理”答复并说明理由" in refused.value.message
    assert RightsRequest.objects.get().state == RequestState.HANDLING


def test_the_workflow_refuses_answers_out_of_turn_and_of_the_wrong_kind(holders: Holders) -> None:
    reviewer = holders.cast.reviewer
    request = by_id(holders, RightKind.CORRECT)
    with pytest.raises(TransitionError, match="申请当前为“已提交，待受理”，须先受理才能更正、补充"):
        services.correct(request=request, by=reviewer, case=holders.accepted, changes={"address": "新"})
    accepted(request, reviewer)
    with pytest.raises(ApplicationError, match="该申请为“更正、补充”，不能以“提供查阅、复制”答复"):
        services.provide_copy(request=request, by=reviewer)
    services.refuse(request=request, by=reviewer, reason="经核实，登记的地址与身份证件一致，无需更正")
    with pytest.raises(TransitionError, match="申请当前为“已答复”，不能受理"):
        services.accept(request=request, by=reviewer)


def test_only_the_holding_organisations_handlers_see_and_act(holders: Holders) -> None:
    request = by_id(holders, RightKind.ACCESS)
    cast = holders.cast
    assert list(queries.visible(cast.reviewer)) == [request]
    for outsider in (cast.other, cast.clerk, cast.supervisor, holders.centre_handler):
        assert not queries.visible(outsider).exists()
        with pytest.raises(NotPermitted):
            services.accept(request=request, by=outsider)


def test_a_correction_of_a_case_changed_meanwhile_is_refused_not_overwritten(holders: Holders) -> None:
    reviewer = holders.cast.reviewer
    stale = holders.accepted
    Case.objects.filter(pk=stale.pk).update(lock_version=stale.lock_version + 1, address="新近更正的地址")
    with pytest.raises(TransitionError, match="已被他人修改"):
        correct_applicant(case=stale, changes={"address": "旧页面上的地址"}, by=reviewer, reason="测试")
    stale.refresh_from_db()
    assert stale.address == "新近更正的地址"


def test_rights_requests_follow_calendar_changes() -> None:
    assert recompute in events.handlers_for(events.CALENDAR_CHANGED.name)
