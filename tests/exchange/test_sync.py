"""Events become exchange rows, once per target, with a stable row_guid."""

from __future__ import annotations

import json

from tests.cases.conftest import COMPANY, file
from tests.exchange.conftest import make_target, work_off
from yimen.cases.models import Result
from yimen.cases.services import steps
from yimen.cases.services.privacy import correct_applicant
from yimen.core import events
from yimen.core.models import OutboxMessage, OutboxStatus
from yimen.exchange import push
from yimen.exchange.models import Delivery, Kind, Record, Status


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
