"""What a reply says and what a fee counts: the letter text of a decision, and the n-th request of an
applicant in a calendar month (国办函〔2020〕109号第四条)."""

from __future__ import annotations

from django.conf import settings
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import NoReverseMatch

from yimen.core.documents import day
from yimen.core.fields import matching
from yimen.disclosure import letter_texts
from yimen.disclosure.models import DisclosureRequest, FeeMethod
from yimen.org.queries import review_body


def publication_link(request: DisclosureRequest) -> str:
    """The proactively published information a reply points to: its title and public address."""
    publication = request.publication
    if publication is None:
        return ""
    try:
        path = publication.get_absolute_url()
    except NoReverseMatch:
        path = ""
    base = str(settings.YIMEN["PUBLIC_BASE_URL"]).rstrip("/")
    where = f"{base}{path}" if path else (publication.index_number or "")
    title = f"《{publication.title}》"
    return f"{title}（{where}）" if where else title


def reply_text(
    request: DisclosureRequest, outcome: str, *, reasons: str = "", how_to_obtain: str = "", pages: int = 0
) -> str:
    """The letter's body for `outcome`, from the office's template (or the default), remedies included."""
    _, body = letter_texts.template_for(outcome)
    clarification = request.clarifications.order_by("notified_on").first()
    fee = getattr(request, "fee_notice", None)
    context: dict[str, object] = {
        "applicant": request.applicant_name,
        "number": request.number,
        "received": day(request.received_on),
        "description": request.description,
        "organisation": request.organisation.name,
        "basis": letter_texts.basis(outcome),
        "reasons": reasons,
        "how_to_obtain": how_to_obtain,
        "publication": publication_link(request),
        "pages": pages,
        "clarification_notified": day(clarification.notified_on) if clarification else "",
        "clarification_deadline": day(clarification.deadline_on) if clarification else "",
        "fee_notified": day(fee.issued_on) if fee else "",
        "fee": f"金额{fee.amount}元，缴费期限至{day(fee.pay_by)}" if fee else "",
        "review_body": review_body(request.organisation),
    }
    return letter_texts.render(body, context)


def same_applicant(request: DisclosureRequest) -> Q:
    """The same applicant: by 公民身份号码 or 统一社会信用代码, else by name and phone."""
    if request.id_number:
        return matching(DisclosureRequest, "id_number", request.id_number)
    if request.uscc:
        return Q(uscc=request.uscc)
    return Q(applicant_name=request.applicant_name) & matching(DisclosureRequest, "phone", request.phone)


def nth_in_month(request: DisclosureRequest) -> int:
    """Which request (件) this is of its applicant's at this organisation in the calendar month of its
    receipt: earlier requests count once each, or for the 件 their per-request fee notice split them into."""
    earlier = DisclosureRequest.objects.filter(
        same_applicant(request),
        organisation_id=request.organisation_id,
        received_on__year=request.received_on.year,
        received_on__month=request.received_on.month,
    ).filter(Q(received_on__lt=request.received_on) | Q(received_on=request.received_on, pk__lt=request.pk))
    counted = earlier.aggregate(
        requests=Count("id"),
        split=Coalesce(
            Sum(F("fee_notice__quantity") - 1, filter=Q(fee_notice__method=FeeMethod.PER_REQUEST)), 0
        ),
    )
    return int(counted["requests"]) + int(counted["split"]) + 1
