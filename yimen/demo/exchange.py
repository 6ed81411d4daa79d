"""The demo's data exchange: the provincial 一体化政务服务平台 through its 前置库 and the market regulator's
own system over HTTP, and a year of what went to them — every row the demo's cases, certificates and items
owe, with each delivery as the worker would have left it.

The rows are the real ones (`rows.rows_of_cases` …), kept under the digests `sync` computes, so a later
event of a demo case finds nothing changed. They are written in bulk rather than through `sync.sync` one
case at a time (20,000 cases would add minutes to the demo). The fates are invented, of the size a centre
reports (「及时性和准确性均达到99%以上」): almost every row written to the 前置库 within a minute and
confirmed an hour later, or taken by the department's system within seconds; a few hundredths of a percent
retried through a brief network fault; Yimen's worker stopped for 75 minutes one morning (the rows of its
first 45 minutes first pushed late); two 前置库 outages of a few hours (rows retried); the department's
system down for maintenance over a weekend (Monday morning's rows retried until it was back); two rows in a thousand that the
department's system fails on (HTTP 500) until the schedule is spent (dead letters); about three rows in a
thousand rejected by the province's 汇聚区 (the department answers 422 to the same rows) —
most corrected by staff and accepted as a second revision under the same `row_guid`, a few still waiting —
and a week of daily reconciliations.

Neither peer needs to exist for the demo: both targets are active, and while MariaDB or the department's
receiver does not answer, new rows are retried on the schedule (the office shows them waiting with the
last error) and go through once it does.
"""

from __future__ import annotations

import json
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.core.management.color import no_style
from django.db import connection, transaction
from django.db.models import Max
from django.utils import timezone

from yimen.cases.models import Case
from yimen.catalog.models import ServiceItem
from yimen.certificates.models import Certificate
from yimen.core import audit, calendar
from yimen.core.fields import SealedCharField
from yimen.demo import cases as cases_demo
from yimen.exchange import push, rows, stats, sync
from yimen.exchange.models import (
    Delivery,
    Kind,
    Operation,
    Reconciliation,
    Record,
    Revision,
    Role,
    Status,
    Target,
    Transport,
)
from yimen.exchange.rows import Row
from yimen.org.models import Organisation

# The department's signing key, the demo's own (as its passwords are): README shows how to start a receiver
# with it, so that the demo's new rows reach it.
DEPARTMENT_SECRET = "whsec_eWltZW4gZGVtbzogbWFya2V0IHJlZ3VsYXRvciAzMmI="
CASE_KINDS = [Kind.ACCEPT, Kind.PROCESS, Kind.RESULT, Kind.SPECIAL, Kind.MATERIAL, Kind.EVALUATION]
CHUNK = 2000  # cases read and written together
YEAR = timedelta(days=365)

REJECTED_SHARE = 0.0028  # 受理 and 结果 rows sent with a defect, rejected and (mostly) corrected
STANDING_SHARE = 0.0003  # rows rejected for what the province lacks (关联数据缺失), not corrected yet
FAULT_SHARE = 0.0008  # rows retried once or twice through a brief network fault
# Yimen's worker stopped one morning and started again 75 minutes later: days before today, start, length.
WORKER_PAUSE = (45, time(10, 5), timedelta(minutes=75))
# 前置库 outages: days before today (moved to the working day before), start, length.
PROVINCE_OUTAGES = (
    (210, time(9, 40), timedelta(hours=2, minutes=40)),
    (80, time(14, 10), timedelta(hours=1, minutes=50)),
)
# The department's system down for maintenance from a Friday evening to Monday 11:30.
DEPARTMENT_OUTAGE = (120, time(18, 0), timedelta(hours=65, minutes=30))
BROKEN_SHARE = 0.002  # department rows its system answers 500 to, every time

DEFECTS: dict[
    str, tuple[tuple[str, str, str], ...]
] = {  # kind: the field sent wrong, as the 汇聚区 reports it (err_type, remark)
    Kind.ACCEPT: (
        ("contact_mobile", "必填项为空", "contact_mobile（联系人手机号码）为空"),
        (
            "applyer_page_code",
            "编码不符合规范",
            "applyer_page_code（申请人证件号码）不符合 GB 11643 校验规则",
        ),
    ),
    Kind.RESULT: (("result_cetr_no", "必填项为空", "result_cetr_no（结果证照编号）为空，办结结果为出证"),),
}
FRONT_DB_DOWN = "OperationalError: (2003, \"Can't connect to MySQL server on '127.0.0.1' ([Errno 111] Connection refused)\")"
BROKEN = 'HTTP 500: {"code":500,"message":"数据入库失败：办件编号已存在于归档库"}'
STANDING: dict[str, str] = {
    Kind.ACCEPT: "实施编码 {task_code} 未在省级事项库登记，请先同步事项目录",
    Kind.RESULT: "未找到办件编号 {project_no} 对应的受理信息（up_pro_accept）",
    Kind.EVALUATION: "未找到办件编号 {project_no} 对应的办结信息（up_pro_result）",
}


def _targets(start: datetime) -> tuple[Target, Target]:
    market = Organisation.objects.filter(name="咸宁市市场监督管理局").first()
    province = Target.objects.create(
        code="hubei-province",
        name="湖北省一体化政务服务平台",
        role=Role.PROVINCE,
        transport=Transport.FRONT_DB,
        endpoint="mysql://root@127.0.0.1:3306/yimen_demo_province",
        kinds=[*CASE_KINDS, Kind.TASK, Kind.LICENCE],
        limit_minutes=30,
        limits={Kind.TASK: 1440, Kind.LICENCE: 1440},
        batch_size=500,
        interval_seconds=60,
        ack_minutes=60,
        data_source="421200",
        alert_phone="13907150016",
        created_at=start,
    )
    department = Target.objects.create(
        code="xn-market",
        name="市市场监管局业务系统",
        role=Role.DEPARTMENT,
        transport=Transport.HTTP,
        endpoint="http://127.0.0.1:8765/hook",
        secret=DEPARTMENT_SECRET,
        kinds=[Kind.ACCEPT, Kind.PROCESS, Kind.RESULT, Kind.LICENCE],
        limit_minutes=30,
        batch_size=100,
        data_source="421200",
        organisation=market,
        alert_phone="13907150016",
        created_at=start,
    )
    return province, department


def _working_day_before(day: date) -> date:
    while not calendar.is_workday(day):
        day -= timedelta(days=1)
    return day


def _friday_before(day: date) -> date:
    return day - timedelta(days=(day.weekday() - 4) % 7)


def _window(day: date, at: time, length: timedelta) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, at))
    return start, start + length


@dataclass
class Fate:
    """What became of one delivery, as the worker's bookkeeping records it."""

    status: str
    attempts: int
    first_sent_at: datetime | None
    cd_time: datetime | None
    accepted_at: datetime | None = None
    rejected_at: datetime | None = None
    err_type: str = ""
    remark: str = ""
    last_error: str = ""


@dataclass
class Peer:
    """A target and how it behaves: when rows are pushed, when it answers, when it was down."""

    target: Target
    outages: list[tuple[datetime, datetime]]
    error: str  # what a push during an outage reports
    paused: tuple[datetime, datetime]  # when Yimen's worker was not running
    batches: dict[datetime, str] = field(default_factory=dict)

    @property
    def front_db(self) -> bool:
        return self.target.transport == Transport.FRONT_DB

    def pushed(self, moment: datetime, rng: random.Random) -> datetime:
        """When the worker's next pass pushes a row due at `moment`: the 前置库 each minute, HTTP at once;
        while the worker was stopped, when it started again."""
        if self.paused[0] <= moment < self.paused[1]:
            moment = self.paused[1]
        if self.front_db:
            return moment.replace(second=3, microsecond=0) + timedelta(minutes=1)
        return moment + timedelta(seconds=1 + rng.random() * 6)

    def batch(self, at: datetime) -> str:
        """批次号: the 前置库 writes a minute's rows in one batch; HTTP sends each row on its own."""
        if not self.front_db:
            return push.new_batch(at)
        if at not in self.batches:
            self.batches[at] = push.new_batch(at)
        return self.batches[at]

    def down(self, at: datetime) -> datetime | None:
        """The end of the outage `at` falls in, if any."""
        return next((end for start, end in self.outages if start <= at < end), None)

    def deliver(
        self,
        changed_at: datetime,
        now: datetime,
        rng: random.Random,
        *,
        fault: bool = False,
        broken: str = "",
    ) -> Fate:
        """Pushed, retried on the schedule while the target is down, through a brief fault or on every
        attempt (`broken`: the target's error), then accepted (the 前置库's quietly, an hour after the
        write) or, the schedule spent, dead."""
        steps = push.schedule()
        first = at = self.pushed(changed_at, rng)
        if first > now:
            return Fate(Status.PENDING, 0, None, None)
        attempts, failures = 1, (len(steps) if broken else rng.choice((1, 2)) if fault else 0)
        while self.down(at) or attempts <= failures:
            if attempts >= len(steps):
                return Fate(Status.DEAD, attempts, first, at, last_error=broken or self.error)
            at = self.pushed(at + timedelta(seconds=steps[attempts] * rng.uniform(0.9, 1.1)), rng)
            attempts += 1
        return self.answered(Fate(Status.ACCEPTED, attempts, first, at), now)

    def answered(self, fate: Fate, now: datetime) -> Fate:
        assert fate.cd_time is not None
        if self.front_db:
            fate.accepted_at = fate.cd_time + timedelta(minutes=self.target.ack_minutes, seconds=20)
        else:
            fate.accepted_at = fate.cd_time
        if fate.accepted_at > now:
            fate.status, fate.accepted_at = Status.SENT, None
        return fate

    def reject(self, changed_at: datetime, rng: random.Random, err_type: str, remark: str) -> Fate:
        """The 汇聚区 reports a rejected row some minutes after the write; HTTP answers 422 at once."""
        at = self.pushed(changed_at, rng)
        if self.front_db:
            return Fate(
                Status.REJECTED, 1, at, at, None, at + timedelta(minutes=rng.uniform(5, 40)), err_type, remark
            )
        body = json.dumps({"error": err_type, "detail": remark}, ensure_ascii=False)
        return Fate(Status.REJECTED, 1, at, at, None, at, "HTTP 422", body, body)


def _defective(row: Row, rng: random.Random) -> tuple[dict[str, str], str, str] | None:
    """The row as first sent with one field wrong, and the rejection it earned; None if it has no such field."""
    choices = [d for d in DEFECTS.get(row.kind, ()) if row.fields.get(d[0])]
    if not choices:
        return None
    name, err_type, remark = rng.choice(choices)
    value = str(row.fields[name])
    if name == "applyer_page_code":  # an 18-digit number sent in the old 15-digit form, or cut short
        wrong = value[:6] + value[8:17] if len(value) == 18 and value[:17].isdigit() else value[:-1]
    else:
        wrong = ""
    return {**row.fields, name: wrong}, err_type, remark


@dataclass
class Tally:
    records: int = 0
    # (target, day): (kind, source, status) of each row owed that day, for the reconciliations
    by_day: dict[tuple[int, date], list[tuple[str, str, str]]] = field(
        default_factory=lambda: defaultdict(list)
    )


RECORD_COLUMNS = ("id", "kind", "source", "group", "row_guid", "organisation_id", "version", "digest", "deleted",
                  "changed_at")  # fmt: skip
REVISION_COLUMNS = ("id", "record_id", "version", "operation", "payload", "changed_at", "created_at")
DELIVERY_COLUMNS = (
    "target_id", "record_id", "revision_id", "kind", "status", "operation", "changed_at", "due_by", "next_at",
    "lease_until", "attempts", "cd_batch", "cd_time", "first_sent_at", "accepted_at", "rejected_at", "correction",
    "err_type", "remark", "last_error",
)  # fmt: skip


class History:
    """Writes the records, revisions and deliveries of groups of rows, a chunk at a time, as plain rows
    (cases_demo.insert_rows: COPY or executemany; model instances would cost most of the time)."""

    def __init__(self, peers: list[Peer], now: datetime, rng: random.Random) -> None:
        self.peers, self.now, self.rng = peers, now, rng
        self.tally = Tally()
        midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
        self.recent = midnight - timedelta(days=7)  # the days reconciled
        self.record_id = (Record.objects.aggregate(n=Max("id"))["n"] or 0) + 1
        self.revision_id = (Revision.objects.aggregate(n=Max("id"))["n"] or 0) + 1
        self.payload = Revision._meta.get_field("payload")
        assert isinstance(self.payload, SealedCharField)
        self._takes: dict[tuple[int, str, int | None], bool] = {}
        self.records: list[cases_demo.Row] = []
        self.revisions: list[cases_demo.Row] = []
        self.deliveries: list[cases_demo.Row] = []

    def takes(self, peer: Peer, row: Row) -> bool:
        key = (peer.target.pk, row.kind, row.organisation)
        if key not in self._takes:
            self._takes[key] = sync.takes(peer.target, row.kind, row.organisation)
        return self._takes[key]

    def write(self, groups: list[tuple[str, list[Row]]]) -> None:
        for group, found in groups:
            for row in found:
                peers = [peer for peer in self.peers if self.takes(peer, row)]
                if peers:
                    self._record(group, row, peers)
        for model, columns, written in (
            (Record, RECORD_COLUMNS, self.records),
            (Revision, REVISION_COLUMNS, self.revisions),
            (Delivery, DELIVERY_COLUMNS, self.deliveries),
        ):
            cases_demo.insert_rows(model, columns, written)
            written.clear()

    def _revision(self, record: int, version: int, operation: str, text: str, at: datetime) -> int:
        revision, self.revision_id = self.revision_id, self.revision_id + 1
        self.revisions.append((revision, record, version, operation, self.payload.seal(text), at, at))
        return revision

    def _record(self, group: str, row: Row, peers: list[Peer]) -> None:
        """The record, its revisions (one; two when a rejected row was corrected) and their deliveries."""
        record, self.record_id = self.record_id, self.record_id + 1
        text = sync.canonical(row.fields)
        r = self.rng.random()
        settled = row.changed_at < self.now - timedelta(days=3)
        defect = _defective(row, self.rng) if settled and r < REJECTED_SHARE else None
        version, changed_at = 1, row.changed_at
        if defect is None:
            first = self._revision(record, 1, Operation.INSERT, text, row.changed_at)
            standing = settled and row.kind in STANDING and r > 1 - STANDING_SHARE
            for peer in peers:
                owed_from = max(row.changed_at, peer.target.created_at)
                if standing and peer.front_db:
                    remark = STANDING[row.kind].format(**row.fields)
                    fate = peer.reject(owed_from, self.rng, "关联数据缺失", remark)
                elif not peer.front_db and self.rng.random() < BROKEN_SHARE:
                    fate = peer.deliver(owed_from, self.now, self.rng, broken=BROKEN)
                else:
                    fate = peer.deliver(owed_from, self.now, self.rng, fault=self.rng.random() < FAULT_SHARE)
                self._deliver(peer, row, record, first, Operation.INSERT, owed_from, fate, current=True)
        else:
            version, changed_at = 2, self._corrected(row, record, text, peers, defect)
        self.records.append((record, row.kind, row.source, group, f"{self.rng.getrandbits(128):032x}",
                             row.organisation, version, sync.digest(text), False, changed_at))  # fmt: skip
        self.tally.records += 1

    def _corrected(
        self, row: Row, record: int, text: str, peers: list[Peer], defect: tuple[dict[str, str], str, str]
    ) -> datetime:
        """Sent with a defect and rejected; corrected by staff within two days (the row is three days old or
        more) and sent again under the same row_guid — as new, since no target took the refused row — its
        clock started when it was made, as sync does. Returns the moment of the correction."""
        fields, err_type, remark = defect
        first = self._revision(record, 1, Operation.INSERT, sync.canonical(fields), row.changed_at)
        fates = [(peer, peer.reject(row.changed_at, self.rng, err_type, remark)) for peer in peers]
        for peer, fate in fates:  # a case's rows are younger than the targets: owed from their change
            self._deliver(peer, row, record, first, Operation.INSERT, row.changed_at, fate, current=False)
        fixed = max(fate.rejected_at for _, fate in fates if fate.rejected_at is not None)
        fixed += timedelta(minutes=self.rng.uniform(40, 2880))
        second = self._revision(record, 2, Operation.UPDATE, text, fixed)
        for peer, _ in fates:
            fate = peer.deliver(fixed, self.now, self.rng)
            self._deliver(
                peer, row, record, second, Operation.INSERT, fixed, fate, current=True, correction=True
            )
        return fixed

    def _deliver(
        self,
        peer: Peer,
        row: Row,
        record: int,
        revision: int,
        operation: str,
        changed_at: datetime,
        fate: Fate,
        *,
        current: bool,
        correction: bool = False,
    ) -> None:
        """One delivery; `changed_at` is when it became owed (a row older than the target: the target's start)."""
        target = peer.target
        due_by = changed_at + timedelta(minutes=target.limit_for(row.kind))
        if current and changed_at >= self.recent:
            day = timezone.localtime(changed_at).date()
            self.tally.by_day[(target.pk, day)].append((row.kind, row.source, fate.status))
        self.deliveries.append((
            target.pk, record, revision, row.kind, fate.status, operation, changed_at, due_by,
            fate.cd_time or changed_at, None, fate.attempts, peer.batch(fate.cd_time) if fate.cd_time else "",
            fate.cd_time, fate.first_sent_at, fate.accepted_at, fate.rejected_at, correction, fate.err_type,
            fate.remark, fate.last_error,
        ))  # fmt: skip


def _groups(start: datetime) -> Iterator[list[tuple[str, list[Row]]]]:
    """The demo's cases of the year, its certificates and its items, a chunk at a time."""
    ids = list(Case.objects.filter(submitted_at__gte=start).order_by("pk").values_list("pk", flat=True))
    for begin in range(0, len(ids), CHUNK):
        owed = rows.rows_of_cases(ids[begin : begin + CHUNK])
        yield [
            (rows.case_group(case_id), owed[case_id])
            for case_id in ids[begin : begin + CHUNK]
            if case_id in owed
        ]
    yield [
        (rows.certificate_group(pk), rows.rows_of_certificate(pk))
        for pk in Certificate.objects.order_by("pk").values_list("pk", flat=True)
    ]
    yield [
        (rows.item_group(code), rows.rows_of_item(code))
        for code in ServiceItem.objects.order_by("impl_code").values_list("impl_code", flat=True)
    ]


def _reconciliations(tally: Tally, peers: list[Peer], now: datetime) -> int:
    """The daily reconciliation of the last seven days: rows owed that day against those accepted."""
    made = []
    for peer in peers:
        for day in sorted({d for (target, d) in tally.by_day if target == peer.target.pk}):
            if day >= now.date():
                continue
            owed = tally.by_day[(peer.target.pk, day)]
            gaps = [
                {"kind": Kind(kind).label, "source": source, "status": Status(status).label}
                for kind, source, status in owed
                if status != Status.ACCEPTED
            ]
            made.append(
                Reconciliation(
                    target=peer.target,
                    day=day,
                    expected=len(owed),
                    accepted=len(owed) - len(gaps),
                    gaps=gaps,
                    created_at=timezone.make_aware(datetime.combine(day + timedelta(days=1), time(0, 5))),
                )
            )
    Reconciliation.objects.bulk_create(made)
    return len(made)


def load(*, scale: str = "small") -> str:
    if Target.objects.exists():
        return "演示交换目标已存在，跳过"
    now = timezone.now()
    start = now - YEAR
    rng = random.Random(16)
    today = timezone.localdate()
    with transaction.atomic():
        province, department = _targets(start)
        paused = _window(_working_day_before(today - timedelta(days=WORKER_PAUSE[0])), *WORKER_PAUSE[1:])
        outages = [_window(_working_day_before(today - timedelta(days=ago)), at, length) for ago, at, length in PROVINCE_OUTAGES]  # fmt: skip
        weekend = _window(
            _friday_before(today - timedelta(days=DEPARTMENT_OUTAGE[0])), *DEPARTMENT_OUTAGE[1:]
        )
        peers = [
            Peer(province, outages, FRONT_DB_DOWN, paused),
            Peer(department, [weekend], "ConnectError: [Errno 111] Connection refused", paused),
        ]
        history = History(peers, now, rng)
        for groups in _groups(start):
            history.write(groups)
        with connection.cursor() as cursor:  # ids were given explicitly: move the sequences past them
            for sql in connection.ops.sequence_reset_sql(no_style(), [Record, Revision, Delivery]):
                cursor.execute(sql)
        for peer in peers:
            last = (
                Delivery.objects.filter(target=peer.target, cd_time__isnull=False)
                .order_by("-cd_time")
                .first()
            )
            Target.objects.filter(pk=peer.target.pk).update(last_push_at=last.cd_time if last else None)
        reconciled = _reconciliations(history.tally, peers, timezone.localtime(now))
        figures = stats.by_target(Delivery.objects.all(), start.date(), today, now=now)
        rates = "；".join(
            f"{peer.target.name}及时率 {figures[peer.target.pk].timely_text}、准确率 {figures[peer.target.pk].accuracy_text}"
            for peer in peers
        )
        every = stats.total(figures.values())
        summary = (
            f"2 个交换目标，近一年 {history.tally.records} 条记录、{every.pushed} 次推送（{rates}；"
            f"超时 {every.late}，被退回 {every.rejected}，已更正重报 {every.corrected}，推送失败 {every.dead}），"
            f"{reconciled} 份每日对账"
        )
        audit.record(
            "demo.loaded",
            actor="系统",
            object_type="exchange.target",
            object_id="*",
            object_repr="演示数据交换",
            after={"scale": scale, "summary": summary},
        )
    return summary
