"""What 电子证照 does when a case concludes: 出证办结 issues the item's certificates; a 一件事's sub-case
ending moves its combined case on."""

from __future__ import annotations

from yimen.cases.events import CONCLUDED, REFUSED, WITHDRAWN, CaseConcluded, CaseRefused, CaseStep
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


def _carry_on(
    message: events.Message[CaseConcluded] | events.Message[CaseRefused] | events.Message[CaseStep],
) -> None:
    """A sub-case of a 一件事 ended: the parts after it go on (or are refused), and the combined case
    concludes when all have — once however often the event is delivered."""
    from yimen.certificates import combined
    from yimen.certificates.models import CombinedCasePart

    if not CombinedCasePart.objects.filter(case_id=message.payload.case).exists():
        return  # most cases are no 一件事's: nothing to record as handled

    def advance() -> None:
        combined.advance(case_id=message.payload.case)

    events.handle_once(message, "certificates.combined", advance)


@events.handles(CONCLUDED)
def carry_on_combined(message: events.Message[CaseConcluded]) -> None:
    """办结 of a sub-case (after its certificates, above): serial parts accepted, the whole settled."""
    _carry_on(message)


@events.handles(REFUSED)
def carry_on_combined_refused(message: events.Message[CaseRefused]) -> None:
    """不予受理 of a sub-case: the parts after it refused, the whole settled as 部分办结."""
    _carry_on(message)


@events.handles(WITHDRAWN)
def carry_on_combined_withdrawn(message: events.Message[CaseStep]) -> None:
    """撤件 of a sub-case: as a refusal."""
    _carry_on(message)
