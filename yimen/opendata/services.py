"""政务数据开放's use cases: a data set kept (created, changed, published, withdrawn) by the administrator of
its data provider, its files generated from its source, downloads counted, and the applications to
有条件开放 data sets filed on the portal and approved (an API key issued for the approved data sets) or
refused with a reason.

Files are generated when a data set is published, by hand, and by the daily refresh as its 更新频率 says, and
kept in the default storage: a download then streams the very file the catalogue describes (its size,
record count and SHA-256 in the DCAT export), and the cost of reading the records is paid once per
generation, not once per download.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from yimen.core import audit, batch, events, identity
from yimen.core.errors import ApplicationError, NotPermitted, TransitionError
from yimen.core.people import ERASED_NAME
from yimen.core.workflow import Workflow
from yimen.opendata import formats, queries
from yimen.opendata.events import (
    APPLICATION_DECIDED,
    APPLICATION_FILED,
    PUBLISHED,
    REGENERATED,
    WITHDRAWN,
    ApplicationStep,
    DatasetStep,
)
from yimen.opendata.models import (
    IDENTIFIER_PATTERN,
    IDENTIFIER_RULE,
    AccessApplication,
    ApplicationState,
    Dataset,
    Distribution,
    Format,
    Frequency,
    Openness,
    SecurityLevel,
    SourceCode,
    Theme,
)
from yimen.opendata.sources import source_of
from yimen.org import services as org_services
from yimen.org.models import Organisation, Staff
from yimen.org.permissions import can

MANAGE = queries.MANAGE
PREVIEW_ROWS = 10
KEYWORDS_MAX = 10
KEYWORD_LENGTH = 20
PURPOSE_LIMIT = 1000
REASON_LIMIT = 500
KEY_DAYS = 365  # an approval's key is good for a year unless the approver says otherwise
_PHONE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")

S = ApplicationState
APPLICATION = Workflow(
    states=ApplicationState,
    transitions={
        "approve": ((S.SUBMITTED,), S.APPROVED),
        "refuse": ((S.SUBMITTED,), S.REFUSED),
    },
    labels={"approve": "批准", "refuse": "不予批准"},
    refusal="申请当前为“{state}”，不能{action}",
)


# --- data sets ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetFields:
    """What the office's form gives for a data set (checked here, not there)."""

    identifier: str
    title: str
    description: str
    publisher: Organisation
    maintainer: str
    contact: str
    openness: str
    frequency: str
    theme: str
    keywords: Sequence[str]
    security_level: str
    source: str
    license: str


def _step(dataset: Dataset) -> DatasetStep:
    return DatasetStep(
        id=dataset.pk,
        identifier=dataset.identifier,
        publisher_id=dataset.publisher_id,
        openness=dataset.openness,
        is_published=dataset.is_published,
    )


def _require(errors: dict[str, list[str]], name: str, value: str, label: str, limit: int) -> str:
    value = value.strip()
    if not value:
        errors[name] = [f"{label}：必填"]
    elif len(value) > limit:
        errors[name] = [f"{label}：不能超过{limit}个字"]
    return value


def _keywords(words: Sequence[str], errors: dict[str, list[str]]) -> list[str]:
    found: list[str] = []
    for word in words:
        word = word.strip()
        if word and word not in found:
            found.append(word)
    if len(found) > KEYWORDS_MAX:
        errors["keywords"] = [f"关键字：最多{KEYWORDS_MAX}个"]
    elif any(len(word) > KEYWORD_LENGTH for word in found):
        errors["keywords"] = [f"关键字：每个不超过{KEYWORD_LENGTH}个字"]
    return found


def _checked(fields: DatasetFields, dataset: Dataset | None) -> dict[str, object]:
    errors: dict[str, list[str]] = {}
    values: dict[str, object] = {
        "title": _require(errors, "title", fields.title, "数据集名称", 200),
        "description": _require(errors, "description", fields.description, "数据摘要", 2000),
        "maintainer": _require(errors, "maintainer", fields.maintainer, "数据维护方", 100),
        "license": _require(errors, "license", fields.license, "开放许可", 300),
        "contact": fields.contact.strip()[:100],
        "keywords": _keywords(fields.keywords, errors),
        "publisher": fields.publisher,
    }
    identifier = fields.identifier.strip()
    if not re.match(IDENTIFIER_PATTERN, identifier):
        errors["identifier"] = [IDENTIFIER_RULE]
    elif Dataset.objects.filter(identifier=identifier).exclude(pk=dataset.pk if dataset else 0).exists():
        errors["identifier"] = [f"信息资源标识符：{identifier} 已被其他数据集使用"]
    elif dataset is not None and dataset.issued_on is not None and identifier != dataset.identifier:
        errors["identifier"] = ["信息资源标识符：已发布过的数据集不能修改标识符"]
    values["identifier"] = identifier
    for name, value, choices, rule in (
        ("openness", fields.openness, Openness, "开放属性：无条件开放或有条件开放"),
        ("frequency", fields.frequency, Frequency, "更新频率：请从列表中选择"),
        ("theme", fields.theme, Theme, "主题分类：请从列表中选择"),
        ("security_level", fields.security_level, SecurityLevel, "安全等级：一级或二级"),
        ("source", fields.source, SourceCode, "数据来源：请从列表中选择"),
    ):
        if value not in choices.values:
            errors[name] = [rule]
        values[name] = value
    if fields.openness == Openness.OPEN and fields.security_level != SecurityLevel.ONE:
        errors["security_level"] = ["安全等级：无条件开放的数据集须为一级（二级数据只能有条件开放）"]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    return values


AUDITED = ("identifier", "title", "openness", "frequency", "theme", "security_level", "source", "keywords")


@batch.atomic
def save_dataset(*, dataset: Dataset | None, fields: DatasetFields, by: Staff) -> Dataset:
    """A data set created, or changed, by the administrator of its data provider. A published data set
    whose source or provider changed has its files generated again at once."""
    for target in (fields.publisher, dataset):
        if target is not None and not can(by, MANAGE, target):
            raise NotPermitted("您无权维护该单位的开放数据集")
    values = _checked(fields, dataset)
    before = None if dataset is None else {name: getattr(dataset, name) for name in AUDITED}
    rebuild = (
        dataset is not None
        and dataset.is_published
        and (dataset.source != values["source"] or dataset.publisher_id != fields.publisher.pk)
    )
    saved = dataset or Dataset(created_by=by)
    for name, value in values.items():
        setattr(saved, name, value)
    saved.save()
    audit.record(
        "opendata.dataset_saved",
        saved,
        actor=by,
        before=before,
        after={name: getattr(saved, name) for name in AUDITED} | {"publisher": fields.publisher.code},
    )
    if rebuild:
        regenerate(dataset=saved, by=by)
    return saved


def _remove_later(names: list[str]) -> None:
    """Files replaced by a generation go once it commits (a rolled-back one keeps them)."""

    def remove() -> None:
        for name in names:
            default_storage.delete(name)

    if names:
        transaction.on_commit(remove)


@batch.atomic
def regenerate(*, dataset: Dataset, by: Staff | None, today: date | None = None) -> Dataset:
    """The data set's CSV, JSON and XLSX built again from its source, with their record count, size and
    SHA-256, and its first rows kept for the page's preview. `by` None: the daily refresh."""
    if by is not None and not can(by, MANAGE, dataset):
        raise NotPermitted("您无权维护该单位的开放数据集")
    source = source_of(dataset.source)
    now = timezone.now()
    rows = list(source.rows(dataset.publisher, today or timezone.localdate()))
    heading = formats.Heading(dataset.identifier, dataset.title, dataset.publisher.name, now)
    existing = {d.format: d for d in Distribution.objects.filter(dataset=dataset)}
    replaced: list[str] = []
    sizes: dict[str, int] = {}
    for fmt in Format.values:
        content = formats.write(fmt, heading, source.columns, rows)
        name = default_storage.save(
            f"opendata/{dataset.pk}/{dataset.identifier.replace('/', '-')}-{now:%Y%m%d%H%M%S}.{fmt}",
            ContentFile(content),
        )
        distribution = existing.get(fmt) or Distribution(dataset=dataset, format=fmt)
        if distribution.file:
            replaced.append(distribution.file.name)
        distribution.file.name = name
        distribution.record_count = len(rows)
        distribution.byte_size = len(content)
        distribution.sha256 = hashlib.sha256(content).hexdigest()
        distribution.generated_at = now
        distribution.save()
        sizes[fmt] = len(content)
    _remove_later(replaced)
    dataset.columns = list(source.columns)
    dataset.preview = [[row[column] for column in source.columns] for row in rows[:PREVIEW_ROWS]]
    dataset.modified_at = now
    dataset.save(update_fields=["columns", "preview", "modified_at"])
    audit.record(
        "opendata.dataset_regenerated",
        dataset,
        actor=by,
        after={"records": len(rows), "bytes": sizes, "source": dataset.source},
    )
    events.emit(REGENERATED, _step(dataset))
    return dataset


def _locked(dataset: Dataset, by: Staff) -> Dataset:
    if not can(by, MANAGE, dataset):
        raise NotPermitted("您无权维护该单位的开放数据集")
    return Dataset.objects.select_for_update().select_related("publisher").get(pk=dataset.pk)


@batch.atomic
def publish(*, dataset: Dataset, by: Staff) -> Dataset:
    """发布: the files generated from the data as it is now, then the data set listed in the catalogue; its
    发布日期 is the first publication's."""
    current = _locked(dataset, by)
    if current.is_published:
        raise TransitionError("数据集已发布，不能重复发布")
    regenerate(dataset=current, by=by)
    current.is_published = True
    current.issued_on = current.issued_on or timezone.localdate()
    current.save(update_fields=["is_published", "issued_on"])
    audit.record("opendata.dataset_published", current, actor=by, after={"issued_on": current.issued_on})
    events.emit(PUBLISHED, _step(current))
    return current


@batch.atomic
def unpublish(*, dataset: Dataset, by: Staff) -> Dataset:
    """撤下: out of the catalogue and its downloads; approved keys no longer reach it until it is back."""
    current = _locked(dataset, by)
    if not current.is_published:
        raise TransitionError("数据集尚未发布，不能撤下")
    current.is_published = False
    current.save(update_fields=["is_published"])
    audit.record("opendata.dataset_withdrawn", current, actor=by, after={"is_published": False})
    events.emit(WITHDRAWN, _step(current))
    return current


def count_download(distribution: Distribution) -> None:
    """One download counted in the database (UPDATE … SET n = n + 1): concurrent downloads are all counted,
    whatever copy of the row each request read. Not audited: a download reads public data and changes no
    record; a keyed download is audited as the key's use (apikey.used)."""
    Distribution.objects.filter(pk=distribution.pk).update(download_count=F("download_count") + 1)


def _period_start(frequency: str, today: date) -> date:
    """The first day of the period of `frequency` that holds `today` (realtime and daily: today)."""
    if frequency == Frequency.WEEKLY:
        return today - timedelta(days=today.weekday())
    if frequency == Frequency.MONTHLY:
        return today.replace(day=1)
    if frequency == Frequency.QUARTERLY:
        return today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    if frequency == Frequency.YEARLY:
        return today.replace(month=1, day=1)
    return today


def is_due(dataset: Dataset, today: date) -> bool:
    """Due for generation: never generated, or last generated before the current period of its 更新频率
    began (a 实时 data set is generated daily here, and at any moment by hand)."""
    if dataset.modified_at is None:
        return True
    return timezone.localtime(dataset.modified_at).date() < _period_start(dataset.frequency, today)


def refresh_due(*, today: date) -> list[Dataset]:
    """The daily refresh: every published data set that is due, generated again, each in its own
    transaction (one that fails leaves the others done and is tried again with the message)."""
    refreshed = []
    for dataset in Dataset.objects.filter(is_published=True).select_related("publisher"):
        if is_due(dataset, today):
            refreshed.append(regenerate(dataset=dataset, by=None, today=today))
    return refreshed


# --- applications to 有条件开放 data sets -----------------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    organisation: str  # 申请单位
    uscc: str
    contact_person: str
    phone: str
    email: str


def _application_step(application: AccessApplication, datasets: Sequence[Dataset]) -> ApplicationStep:
    return ApplicationStep(
        id=application.pk,
        number=application.number,
        publisher_id=application.publisher_id,
        state=application.state,
        datasets=sorted(d.identifier for d in datasets),
    )


def _checked_applicant(applicant: Applicant, purpose: str, errors: dict[str, list[str]]) -> dict[str, str]:
    values = {
        "applicant": _require(errors, "organisation", applicant.organisation, "申请单位", 100),
        "contact_person": _require(errors, "contact_person", applicant.contact_person, "联系人", 50),
        "purpose": _require(errors, "purpose", purpose, "数据用途", PURPOSE_LIMIT),
        "phone": identity.normalize(applicant.phone),
        "uscc": "",
        "email": applicant.email.strip(),
    }
    if applicant.uscc.strip():
        try:
            values["uscc"] = identity.validate_uscc(applicant.uscc)
        except identity.IdentityError as exc:
            errors["uscc"] = [str(exc)]
    if not _PHONE.match(values["phone"]):
        errors["phone"] = ["联系电话：应为11位手机号码或带区号的固定电话"]
    if values["email"]:
        try:
            validate_email(values["email"])
        except ValidationError:
            errors["email"] = ["电子邮箱：格式不正确"]
        if len(values["email"]) > 100:
            errors["email"] = ["电子邮箱：不能超过100个字符"]
    return values


@batch.atomic
def file_application(*, datasets: Sequence[Dataset], applicant: Applicant, purpose: str) -> AccessApplication:
    """申请使用有条件开放数据: published 有条件开放 data sets of one data provider, who decides."""
    errors: dict[str, list[str]] = {}
    values = _checked_applicant(applicant, purpose, errors)
    chosen = list({d.pk: d for d in datasets}.values())
    if not chosen or any(not d.is_published or d.openness != Openness.CONDITIONAL for d in chosen):
        errors["datasets"] = ["申请的数据集：请选择已发布的有条件开放数据集"]
    elif len({d.publisher_id for d in chosen}) > 1:
        errors["datasets"] = ["申请的数据集：一次申请只能选择同一数据提供方的数据集"]
    if errors:
        raise ApplicationError(next(iter(errors.values()))[0], fields=errors)
    application = AccessApplication.objects.create(publisher_id=chosen[0].publisher_id, **values)
    application.datasets.set(chosen)
    audit.record(
        "opendata.application_filed",
        application,
        actor="申请人",
        after={"applicant": values["applicant"], "datasets": sorted(d.identifier for d in chosen)},
    )
    events.emit(
        APPLICATION_FILED, _application_step(application, chosen), key=f"opendata:{application.pk}:filed"
    )
    return application


def _locked_application(application: AccessApplication, action: str, by: Staff) -> AccessApplication:
    if not can(by, MANAGE, application):
        raise NotPermitted("您无权审核该单位的数据开放申请")
    current = (
        AccessApplication.objects.select_for_update(of=("self",))
        .select_related("publisher")
        .get(pk=application.pk)
    )
    APPLICATION.check(current.state, action)
    return current


def _decided(current: AccessApplication, by: Staff, action: str) -> None:
    current.state = APPLICATION.target(current.state, action)
    current.decided_at, current.decided_by = timezone.now(), by


@batch.atomic
def approve(
    *, application: AccessApplication, by: Staff, datasets: Sequence[Dataset], expires_on: date
) -> tuple[AccessApplication, str]:
    """批准: the data sets approved (some or all of those asked for) and an API key of scope opendata.read
    issued for them until `expires_on`; the key is returned once, to be handed to the applicant, and kept
    only as its digest (org.services)."""
    current = _locked_application(application, "approve", by)
    requested = {d.pk for d in current.datasets.all()}
    chosen = list({d.pk: d for d in datasets}.values())
    if not chosen or any(d.pk not in requested for d in chosen):
        message = "批准的数据集：至少选择一个，且只能从申请的数据集中选择"
        raise ApplicationError(message, fields={"datasets": [message]})
    today = timezone.localdate()
    if not today < expires_on <= today + timedelta(days=org_services.MAX_KEY_DAYS - 1):
        message = f"密钥有效期至：应晚于今天，且不超过{org_services.MAX_KEY_DAYS - 1}天"
        raise ApplicationError(message, fields={"expires_on": [message]})
    expires_at = timezone.make_aware(datetime.combine(expires_on, time.max))
    key, plain = org_services.issue_open_data_key(
        name=f"数据开放 {current.applicant}（{current.number}）",
        organisation=current.publisher,
        expires_at=expires_at,
        by=by,
    )
    _decided(current, by, "approve")
    current.api_key = key
    current.save(update_fields=["state", "decided_at", "decided_by", "api_key"])
    current.approved.set(chosen)
    audit.record(
        "opendata.application_approved",
        current,
        actor=by,
        after={"datasets": sorted(d.identifier for d in chosen), "key": key.key_id, "expires_on": expires_on},
    )
    events.emit(APPLICATION_DECIDED, _application_step(current, chosen), key=f"opendata:{current.pk}:decided")
    return current, plain


@batch.atomic
def refuse(*, application: AccessApplication, by: Staff, reason: str) -> AccessApplication:
    """不予批准, with the reason the applicant is told."""
    current = _locked_application(application, "refuse", by)
    errors: dict[str, list[str]] = {}
    reason = _require(errors, "reason", reason, "不予批准的理由", REASON_LIMIT)
    if errors:
        raise ApplicationError(errors["reason"][0], fields=errors)
    _decided(current, by, "refuse")
    current.reason = reason
    current.save(update_fields=["state", "decided_at", "decided_by", "reason"])
    audit.record("opendata.application_refused", current, actor=by, after={"reason": reason})
    events.emit(
        APPLICATION_DECIDED,
        _application_step(current, list(current.datasets.all())),
        key=f"opendata:{current.pk}:decided",
    )
    return current


def default_expiry() -> date:
    return timezone.localdate() + timedelta(days=KEY_DAYS)


def past_retention(today: date) -> date:
    """The first day still kept: an application decided before it (unless its key is still live) loses its contact person, phone and e-mail (个人信息保护法 第十九条: kept no longer than the purpose
    needs; the period is the centre's, settings RETENTION_OPENDATA_APPLICATIONS)."""
    count, unit = settings.YIMEN["RETENTION_OPENDATA_APPLICATIONS"]
    if unit == "days":
        return today - timedelta(days=int(count))
    try:
        return today.replace(year=today.year - int(count))
    except ValueError:  # 29 February
        return date(today.year - int(count), 3, 1)


def purge_applications(*, today: date) -> int:
    """Blank the contact data of applications past their retention; the application itself (who asked
    for which data, why, and the decision) stays. Returns how many were purged."""
    cutoff = timezone.make_aware(datetime.combine(past_retention(today), time.min))
    due = AccessApplication.objects.filter(decided_at__lt=cutoff).exclude(contact_person=ERASED_NAME)
    due = due.exclude(
        state=ApplicationState.APPROVED,
        api_key__revoked_at__isnull=True,
        api_key__expires_at__gte=timezone.now(),  # a live key's holder must stay reachable
    )
    purged = 0
    for application in due.iterator():
        with transaction.atomic():
            AccessApplication.objects.filter(pk=application.pk).update(
                contact_person=ERASED_NAME, phone="", email=""
            )
            audit.record("opendata.application_purged", application, actor="系统（保存期限届满）")
        purged += 1
    return purged
