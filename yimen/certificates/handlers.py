"""What 电子证照 does when a case concludes: 出证办结 issues the item's certificates."""

from __future__ import annotations

from yimen.cases.events import CONCLUDED, CaseConcluded
from yimen.cases.models import Result
from yimen.certificates.events import ISSUED, CertificateStep
from yimen.core import events


@events.handles(CONCLUDED)
def issue_certificates(message: events.Message[CaseConcluded]) -> None:
    """出证办结 → the certificates of the case's item, once however often the event is delivered."""
    if message.payload.result != Result.ISSUED:
        return
    from yimen.certificates import services

    def issue() -> None:
        services.issue_for_case(case_id=message.payload.case)

    events.handle_once(message, "certificates.issue", issue)


@events.handles(ISSUED)
def render_the_pdf(message: events.Message[CertificateStep]) -> None:
    """The PDF copy of a newly issued certificate, made after the issue (its OFD was made with it)."""
    from yimen.certificates import services
    from yimen.certificates.models import Certificate

    certificate = Certificate.objects.filter(pk=message.payload.certificate).first()
    if certificate is not None and not certificate.pdf:
        services.ensure_files(certificate=certificate)
