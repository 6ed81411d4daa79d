"""The one way a disclosure request's applicant is anonymised (个人信息保护法 第十九条、第四十七条第一款第二项:
保存期限已届满), called by privacy.retention for requests closed longer ago than their retention.

The request stays with everything table 三 and table 四 count — its organisation, applicant type,
channel, dates, clock, outcome, fee and appeals — so an annual report built again gives the same figures.
"""

from __future__ import annotations

from django.db.models import F, Value
from django.db.models.functions import Replace

from yimen.core.fields import index_of
from yimen.core.people import ERASED_NAME
from yimen.disclosure.models import Clarification, DisclosureRequest, Reply

# Who asked and how to reach them; `description` (what information was asked for) is the request's
# subject, not its applicant, and is kept.
BLANKED = (
    "id_number",
    "uscc",
    "legal_representative",
    "contact_person",
    "phone",
    "email",
    "address",
    "postcode",
)


def anonymise(request: DisclosureRequest) -> None:
    """The applicant's name replaced by ERASED_NAME (in the stored reply too, which names them), their
    identity and contact fields blanked with the blind indexes, and the applicant's 补正 text removed.
    Checks nothing and audits nothing: the caller does (privacy.retention)."""
    name = request.applicant_name
    values = {field: "" for field in BLANKED}
    indexes = {f"{field}_index": index_of(DisclosureRequest, field, "") for field in ("id_number", "phone")}
    DisclosureRequest.objects.filter(pk=request.pk).update(
        applicant_name=ERASED_NAME, **values, **indexes, lock_version=F("lock_version") + 1
    )
    if name:
        Reply.objects.filter(request=request).update(body=Replace("body", Value(name), Value(ERASED_NAME)))
    Clarification.objects.filter(request=request).exclude(content="").update(content="")
