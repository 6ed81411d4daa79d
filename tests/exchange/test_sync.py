"""Events become exchange rows, once per target, with a stable row_guid."""

from __future__ import annotations

import json

from django.db import transaction

from tests.cases.conftest import APPLICANT, COMPANY, file
from tests.exchange.conftest import make_target, work_off
from yimen.cases.models import Channel, Level, Result
from yimen.cases.services import steps
from yimen.cases.services.evaluations import evaluate
from yimen.cases.services.privacy import correct_applicant
from yimen.core import events
from yimen.core.models import OutboxMessage, OutboxStatus
from yimen.exchange import push
from yimen.exchange.models import Delivery, Kind, Record, Status
from yimen.exchange.rows import CODES


def test_a_case_fans_out_to_every_target_that_takes_its_kinds(cast, licence, recorder):
    province = make_target("province")
    department = make_target("department", kinds=[Kind.RESULT], role="department")
    case = file(licence, cast, COMPANY)
    case = steps.accept(case=case, by=cast.clerk)
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="X-1")
    work_off()
    kinds = set(Delivery.objects.filter(target=province).values_list("kind", flat=True))
    assert {Kind.ACCEPT, Kind.PROCESS, Kind.RESULT} <= kinds
    assert list(Delivery.objects.filter(target=department).values_list("kind", flat=True)) == [Kind.RESULT]
    push.push(province)
    push.push(department)
    result = next(row for row in recorder.sent if row.table == "up_pro_result" and row.row["result_cetr_no"])
    assert result.row["project_no"] == case.number
    assert result.row["cd_operation"] == "I" and len(result.row["cd_batch"]) == 32
    assert not Delivery.objects.exclude(status=Status.ACCEPTED).exists()


def test_an_event_delivered_twice_makes_one_row_per_target(cast, licence, recorder):
    target = make_target()
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    before = Delivery.objects.filter(target=target).count()
    OutboxMessage.objects.filter(name="case.accepted").update(status=OutboxStatus.PENDING, attempts=0)
    work_off()
    assert Delivery.objects.filter(target=target).count() == before
    assert Record.objects.filter(kind=Kind.ACCEPT, group=f"case:{case.pk}").count() == 1


def test_a_correction_resends_the_row_as_an_update_under_the_same_guid(cast, licence, recorder):
    target = make_target()
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    push.push(target)
    first = next(row for row in recorder.sent if row.table == "up_pro_accept")
    correct_applicant(
        case=case, changes={"applicant_name": "青山食品有限责任公司"}, by=cast.reviewer, reason="更正"
    )
    work_off()
    recorder.sent.clear()
    push.push(target)
    again = next(row for row in recorder.sent if row.table == "up_pro_accept")
    assert again.row_guid == first.row_guid and again.row["row_guid"] == first.row_guid
    assert again.row["cd_operation"] == "U" and again.row["applyer_name"] == "青山食品有限责任公司"
    assert again.message_id != first.message_id and again.row["cd_batch"] != first.row["cd_batch"]
    assert json.dumps(again.row, ensure_ascii=False).count("青山食品有限责任公司") >= 1
    assert events  # the catalogue is loaded


def rows_of(target, kind):
    return [
        json.loads(d.revision.payload) | {"_op": d.operation}
        for d in Delivery.objects.filter(target=target, kind=kind).select_related("revision").order_by("id")
    ]


def test_special_procedures_materials_and_the_evaluation_have_their_rows(cast, licence, recorder):
    target = make_target()
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    case = steps.start_special(case=case, by=cast.reviewer, reason="现场核查")
    work_off()
    assert rows_of(target, Kind.SPECIAL) == []  # pushed once it has ended (end_time is required)
    case = steps.end_special(case=case, by=cast.reviewer)
    case = steps.conclude(case=case, by=cast.reviewer, result=Result.DENIED, reason="不符合条件")
    evaluate(case=case, level=Level.SATISFIED, channel=Channel.WINDOW, comment="好")
    work_off()
    [special] = rows_of(target, Kind.SPECIAL)
    assert special["special_reason"] == "现场核查" and special["project_no"] == case.number
    [evaluation] = rows_of(target, Kind.EVALUATION)
    assert evaluation["evaluate_level"] == "4" and evaluation["evaluate_content"] == "好"
    results = rows_of(target, Kind.RESULT)
    # The evaluation's 满意度 changes the result row: an update of the same row.
    assert [r["_op"] for r in results] in (["I", "U"], ["I"])
    assert results[-1]["satisfaction"] == "4" and results[-1]["result_type"] == CODES["result_type"]["denied"]
    process = rows_of(target, Kind.PROCESS)
    assert [p["process_name"] for p in process][:2] == ["申报", "受理"]
    assert {p["event_name"] for p in process} >= {"01", "02", "09", "10", "11"}


def test_items_and_certificates_have_their_catalogue_rows(cast, people, licence, recorder):
    target = make_target()
    from yimen.catalog import events as catalog_events
    from yimen.catalog import services as catalog

    with transaction.atomic():
        events.emit(
            catalog_events.ITEM_PUBLISHED,
            catalog_events.ItemPublished(impl_code=licence.impl_code, version=licence.current.number),
        )
    work_off()
    [task] = rows_of(target, Kind.TASK)
    assert task["task_name"] == "食品经营许可证核发" and task["task_state"] == "1"
    push.push(target)
    catalog.retire_item(item=licence, by=people.base.admin, reason="并入其他事项")
    work_off()
    tasks = rows_of(target, Kind.TASK)
    assert [t["_op"] for t in tasks] == ["I", "U"] and tasks[-1]["task_state"] == "3"


def test_a_revoked_certificate_is_deleted_from_the_catalogue(cast, food, licence, recorder):
    from tests.certificates.conftest import concluded
    from yimen.certificates import services as certificates
    from yimen.certificates.models import Certificate

    target = make_target()
    concluded(cast, licence)
    work_off()
    push.push(target)
    certificate = Certificate.objects.get()
    [licence_row] = [r for r in recorder.sent if r.table == "up_lic_data"]
    assert licence_row.row["certificate_number"] == certificate.number
    assert licence_row.row["certificate_holder_code"] == COMPANY.uscc
    certificates.change_state(certificate=certificate, by=cast.reviewer, action="revoke", reason="违法经营")
    work_off()
    assert [r["_op"] for r in rows_of(target, Kind.LICENCE)] == ["I", "D"]


def test_a_department_target_gets_only_its_organisations_rows(cast, licence, recorder):
    own = make_target("market", role="department", organisation=cast.market)
    other = make_target("police", role="department", organisation=cast.police)
    steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    assert Delivery.objects.filter(target=own).exists()
    assert not Delivery.objects.filter(target=other).exists()


def test_a_row_changed_twice_before_the_push_is_sent_once_as_it_is_now(cast, licence, recorder):
    target = make_target(kinds=[Kind.ACCEPT])
    case = steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    correct_applicant(
        case=case, changes={"applicant_name": "新名称有限公司"}, by=cast.reviewer, reason="更正"
    )
    work_off()
    statuses = list(Delivery.objects.filter(target=target).order_by("id").values_list("status", flat=True))
    assert statuses == [Status.SUPERSEDED, Status.PENDING]
    push.push(target)
    [sent] = recorder.sent
    assert sent.row["applyer_name"] == "新名称有限公司" and sent.row["cd_operation"] == "I"


def test_the_payload_is_sealed_at_rest(cast, licence, recorder):
    from django.db import connection

    make_target()
    steps.accept(case=file(licence, cast, APPLICANT), by=cast.clerk)
    work_off()
    with connection.cursor() as cursor:
        cursor.execute("SELECT payload FROM exchange_revision")
        stored = " ".join(row[0] for row in cursor.fetchall())
    assert APPLICANT.id_number not in stored and APPLICANT.phone not in stored
    assert stored.startswith("sm4:")
