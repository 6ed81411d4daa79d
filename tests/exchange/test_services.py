"""周管理 the administrator keeps the targets: bad settings are refused in Chinese naming the field, the key
is never shown or logged; a rejected row is re-queued under its own row_guid, and the figures keep the
rejection and count the correction."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.utils import timezone

from tests.cases.conftest import COMPANY, file
from tests.conftest import make_staff
from tests.exchange.conftest import make_target, work_off
from yimen.cases.services import steps
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.models import AuditEntry
from yimen.exchange import push, services, stats
from yimen.exchange.models import Delivery, Kind, Record, Revision, Status, Target
from yimen.exchange.transports import Outcome
from yimen.org.models import Role

pytestmark = pytest.mark.django_db

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
GOOD: dict[str, Any] = {
    "code": "province",
    "name": "省一体化政务服务平台",
    "role": "province",
    "transport": "http",
    "endpoint": "https://exchange.example.gov.cn/push",
    "secret": SECRET,
    "kinds": [Kind.ACCEPT, Kind.RESULT],
    "limit_minutes": "30",
    "batch_size": "200",
    "alert_phone": "13812345678",
}


def refusal(cast, **changes: Any) -> ApplicationError:
    with pytest.raises(ApplicationError) as refused:
        services.save_target(by=cast.admin, **{**GOOD, **changes})
    assert not Target.objects.exists()
    return refused.value


# --- targets ----------------------------------------------------------------------------------------


def test_the_administrator_saves_a_target_and_the_log_never_holds_its_key(cast) -> None:
    target = services.save_target(by=cast.admin, **GOOD, mapping='{"up_pro_accept": {"table": "ex_accept"}}')
    assert target.code == "province" and target.kinds == [Kind.ACCEPT, Kind.RESULT]
    assert target.secret == SECRET and target.limit_minutes == 30 and target.mapping["up_pro_accept"]
    entry = AuditEntry.objects.get(action="exchange.target_saved")
    logged = json.dumps(entry.summary, ensure_ascii=False)
    assert SECRET not in logged and "13812345678" not in logged
    assert "已设置新密钥" in logged and "138****5678" in logged and "省一体化政务服务平台" in logged


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"code": "省平台"}, "code", "代码：2至40位小写字母"),
        ({"name": " "}, "name", "名称：必填"),
        ({"role": "king"}, "role", "类别：应为"),
        ({"transport": "frontdb", "endpoint": "https://x.example"}, "endpoint", "地址：前置库应为 mysql://"),
        (
            {"transport": "frontdb", "endpoint": "mysql://root:pw@127.0.0.1:3306/front"},
            "endpoint",
            "地址：数据库口令请填在“密钥”中",
        ),
        ({"endpoint": "mysql://root@127.0.0.1/front"}, "endpoint", "地址：HTTP 推送应为 http:// 或 https://"),
        ({"transport": "files", "endpoint": "drop/here"}, "endpoint", "地址：批量文件应为投放目录的绝对路径"),
        ({"kinds": []}, "kinds", "接收的数据类别：至少选择一类"),
        ({"kinds": ["up_pro_accept", "up_secret"]}, "kinds", "没有“up_secret”这一类"),
        ({"mapping": "[1, 2]"}, "mapping", "字段映射：应为以数据类别为键的 JSON 对象"),
        ({"mapping": "{bad json"}, "mapping", "字段映射：不是有效的 JSON（第1行"),
        (
            {"mapping": {"up_pro_accept": {"table": "t; DROP TABLE x"}}},
            "mapping",
            "table 应为字母、数字和下划线",
        ),
        ({"mapping": {"up_pro_accept": {"fields": {"project_no": "a b"}}}}, "mapping", "fields 应为"),
        ({"mapping": {"up_pro_accept": {"rename": {}}}}, "mapping", "不认识的规则“rename”"),
        ({"limit_minutes": "0"}, "limit_minutes", "及时性时限（分钟）：应为1至10080之间的整数"),
        ({"limit_minutes": "10081"}, "limit_minutes", "及时性时限（分钟）：应为1至10080之间的整数"),
        ({"limit_minutes": "半小时"}, "limit_minutes", "及时性时限（分钟）：应为1至10080之间的整数"),
        ({"limits": '{"up_pro_result": 0}'}, "limits", "分类时限（分钟） up_pro_result：应为1至10080"),
        ({"limits": '{"up_nothing": 5}'}, "limits", "没有“up_nothing”这一数据类别"),
        ({"batch_size": "5001"}, "batch_size", "每批条数：应为1至5000之间的整数"),
        ({"secret": ""}, "secret", "密钥：HTTP 推送和加密批量文件须填写"),
        ({"secret": "short"}, "secret", "密钥：至少16个字符"),
        ({"alert_phone": "12345"}, "alert_phone", "告警手机：应为11位中国大陆手机号码"),
    ],
)
def test_bad_settings_are_refused_naming_the_field_and_the_rule(cast, changes, field, message) -> None:
    refused = refusal(cast, **changes)
    assert field in refused.fields, refused.fields
    assert any(message in text for text in refused.fields[field]), refused.fields[field]


def test_the_code_is_unique(cast) -> None:
    services.save_target(by=cast.admin, **GOOD)
    with pytest.raises(ApplicationError) as refused:
        services.save_target(by=cast.admin, **{**GOOD, "name": "另一个"})
    assert refused.value.fields["code"] == ["代码：province 已被其他交换目标使用"]
    assert Target.objects.count() == 1


def test_a_blank_key_on_edit_keeps_the_key(cast) -> None:
    target = services.save_target(by=cast.admin, **GOOD)
    services.save_target(
        by=cast.admin, target=target, secret="", name="省政务服务平台", limits={"up_pro_result": 60}
    )
    target.refresh_from_db()
    assert target.secret == SECRET and target.name == "省政务服务平台"
    assert target.limit_for(Kind.RESULT) == 60 and target.limit_for(Kind.ACCEPT) == 30
    edited = AuditEntry.objects.filter(action="exchange.target_saved").order_by("pk").last()
    assert edited is not None and edited.summary["before"] == {"name": "省一体化政务服务平台", "limits": {}}
    assert "secret" not in edited.summary["after"]


def test_only_the_administrator_keeps_targets(cast) -> None:
    for outsider in (cast.supervisor, cast.reviewer, cast.clerk):
        with pytest.raises(NotPermitted):
            services.save_target(by=outsider, **GOOD)
    target = make_target()
    with pytest.raises(NotPermitted):
        services.disable_target(target=target, by=cast.supervisor, reason="维护")


def test_disabling_needs_a_reason_and_enabling_clears_it(cast) -> None:
    target = make_target()
    with pytest.raises(ApplicationError) as refused:
        services.disable_target(target=target, by=cast.admin, reason="  ")
    assert refused.value.fields == {"reason": ["停用原因：必填，不超过300字"]}
    services.disable_target(target=target, by=cast.admin, reason="省平台接口升级")
    target.refresh_from_db()
    assert not target.active and target.disabled_reason == "省平台接口升级"
    with pytest.raises(TransitionError):
        services.disable_target(target=target, by=cast.admin, reason="再停")
    services.enable_target(target=target, by=cast.admin)
    target.refresh_from_db()
    assert target.active and target.disabled_reason == "" and target.disabled_at is None
    actions = list(
        AuditEntry.objects.filter(action__startswith="exchange.target_")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["exchange.target_disabled", "exchange.target_enabled"]


# --- re-queueing ------------------------------------------------------------------------------------


def reject_accept_rows(row) -> Outcome:
    if row.kind == Kind.ACCEPT:
        return Outcome(row.delivery, "rejected", err_type="字段校验", remark="受理文书编号格式错误")
    return Outcome(row.delivery, "accepted")


@pytest.fixture
def rejected(cast, licence, recorder) -> Delivery:
    """The market bureau's accepted case, whose 受理 row the province rejected."""
    target = make_target()
    steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    recorder.answer = reject_accept_rows
    push.push(target)
    return Delivery.objects.select_related("record", "target").get(status=Status.REJECTED)


def test_a_requeued_row_is_a_new_revision_under_the_same_guid_and_counted_as_a_correction(
    cast, rejected, recorder
) -> None:
    record = rejected.record
    before = Revision.objects.get(record=record, version=record.version)
    made = services.requeue(delivery=rejected, by=cast.reviewer)
    record.refresh_from_db()
    again = Revision.objects.get(record=record, version=record.version)
    assert record.version == before.version + 1 and again.payload == before.payload
    assert again.operation == "U" and made.revision_id == again.pk
    # The target refused the row, so it holds nothing under that guid: the re-sent row is new to it.
    assert made.status == Status.PENDING and made.correction and made.operation == "I"
    assert Delivery.objects.filter(record=record).count() == 2  # the rejection stays
    assert AuditEntry.objects.filter(action="exchange.requeued", actor_id=cast.reviewer.pk).exists()

    recorder.answer, recorder.sent = None, []
    push.push(rejected.target)
    (sent,) = [row for row in recorder.sent if row.kind == Kind.ACCEPT]
    assert sent.row_guid == record.row_guid and sent.row["row_guid"] == record.row_guid
    assert sent.row["cd_operation"] == "I" and sent.message_id == f"{record.row_guid}.{record.version}"
    days = timezone.localdate(rejected.changed_at), timezone.localdate(made.changed_at)
    figures = stats.by_target(Delivery.objects.all(), *days)
    today = figures[rejected.target_id]
    assert today.rejected == 1 and today.corrected == 1
    assert (
        today.first_try == today.judged - 1
    )  # the rejected row lowers 准确率; its correction does not count


def test_a_row_is_requeued_once_and_only_by_its_organisation(cast, rejected) -> None:
    police = make_staff("police_reviewer", "吴审批", cast.police, (Role.REVIEWER, cast.police))
    for outsider in (police, cast.supervisor, cast.clerk):
        with pytest.raises(NotPermitted):
            services.requeue(delivery=rejected, by=outsider)
    services.requeue(delivery=rejected, by=cast.admin)
    with pytest.raises(TransitionError) as refused:
        services.requeue(delivery=rejected, by=cast.reviewer)
    assert "已重新推送" in refused.value.message
    accepted = Delivery.objects.filter(status=Status.ACCEPTED).select_related("record", "target").first()
    assert accepted is not None
    with pytest.raises(TransitionError) as refused:
        services.requeue(delivery=accepted, by=cast.reviewer)
    assert "当前为“已接收”" in refused.value.message
    assert Revision.objects.filter(record=rejected.record).count() == 2


def test_every_dead_letter_is_owed_again_by_the_administrator(cast, licence, recorder) -> None:
    target = make_target()
    steps.accept(case=file(licence, cast, COMPANY), by=cast.clerk)
    work_off()
    recorder.answer = lambda row: Outcome(row.delivery, "retry", remark="连接超时")
    push.push(target)
    owed = Delivery.objects.filter(target=target).count()
    Delivery.objects.filter(target=target).update(status=Status.DEAD)
    with pytest.raises(NotPermitted):
        services.requeue_dead(target=target, by=cast.reviewer)
    assert services.requeue_dead(target=target, by=cast.admin) == owed
    assert Delivery.objects.filter(target=target, status=Status.PENDING).count() == owed
    assert Record.objects.filter(version=2).count() == owed
    with pytest.raises(TransitionError):
        services.requeue_dead(target=target, by=cast.admin)
    entry = AuditEntry.objects.get(action="exchange.dead_requeued")
    assert entry.summary["after"]["count"] == owed
