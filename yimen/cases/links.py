"""Links that reach an applicant outside the portal: in an SMS, on a printed notice's QR code."""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from yimen.cases.models import Case

_SALT = "yimen.cases.evaluate"


def evaluation_token(case: Case) -> str:
    """A signed token naming the case: the invitation cannot be forged or pointed at another case."""
    return signing.dumps(case.number, salt=_SALT, compress=True)


def case_from_evaluation_token(token: str) -> Case | None:
    try:
        number = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    return Case.objects.filter(number=number).first()


def evaluation_path(case: Case) -> str:
    """The portal path of the case's 好差评 page (served by the evaluation views)."""
    return reverse("evaluate:case", args=[evaluation_token(case)])
