"""Links that reach an applicant outside the portal: in an SMS, on a printed notice's QR code."""

from __future__ import annotations

import functools

from django.conf import settings
from django.core import signing
from django.urls import get_urlconf

from yimen.cases.models import Case
from yimen.core import pages

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


_TOKEN = "--token--"


@functools.cache
def _evaluation_path_around(urlconf: str) -> tuple[str, str]:
    """The page's path before and after the token: resolved once, not for every SMS."""
    before, _, after = pages.path("case.evaluation", _TOKEN).partition(_TOKEN)
    return before, after


def evaluation_path(case: Case) -> str:
    """The portal path of the case's 好差评 page (registered by the portal as "case.evaluation")."""
    before, after = _evaluation_path_around(str(get_urlconf() or settings.ROOT_URLCONF))
    return f"{before}{evaluation_token(case)}{after}"
