"""申请人: who applies for a case (办件) or asks for government information (依申请公开), as the forms, the
API and the imports hand it to the services. Each app checks it by its own rules
(cases/services/intake.py, disclosure/services/intake.py) and stores the normalised values on its
own rows."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

# What an applicant's or requester's name becomes when their personal data is removed (个人信息保护法
# 第四十七条): on a rights request, or past the record's retention (privacy.retention). Every app writes this.
ERASED_NAME = "（已删除）"


@dataclass(frozen=True)
class Applicant:
    kind: str  # the app's choices: cases.ApplicantKind (自然人/法人), disclosure.ApplicantType (自然人, 商业企业 …)
    name: str
    phone: str
    id_number: str = ""  # 公民身份号码 of a natural person
    uscc: str = ""  # 统一社会信用代码 of an organisation
    legal_representative: str = ""
    contact_person: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    business_type: str = ""  # 业务类型 of a case: one of those the item's guide lists (初次申领、变更 …)


def tail_matches(*, phone: str, id_number: str, given: str | None) -> bool:
    """The second factor of a lookup that has failed often (core/throttle.py): the last four digits of the
    phone registered with the record, or of its ID number when no phone was registered. Compared in
    constant time; `None` (no second factor asked for) always matches."""
    if given is None:
        return True
    digits = "".join(c for c in phone if c.isdigit())
    expected = (digits or id_number.strip().upper())[-4:]
    return len(expected) == 4 and secrets.compare_digest(expected.encode(), given.strip().upper().encode())
