"""The events of 电子证照: a certificate issued, its state changed (注销, 吊销, 失效 by a new version), and a
use (用证). The data exchange pushes them to the provincial 电子证照库 (up_lic_data)."""

from __future__ import annotations

from dataclasses import dataclass

from yimen.core.events import define


@dataclass(frozen=True)
class CertificateStep:
    certificate: int  # the Certificate's id
    identifier: str  # 电子证照标识
    type_code: str  # 证照类型代码
    state: str  # CertificateState code after the step
    case: int | None  # the case it came from, if any


@dataclass(frozen=True)
class CertificateUsed:
    use: int  # the CertificateUse's id
    certificate: int
    identifier: str
    case: int | None
    purpose: str


ISSUED = define(
    "certificate.issued",
    CertificateStep,
    """出证: a certificate was issued (a case concluded 出证办结, or a renewal, change or reissue made a new
    version) and signed (certificates.services.issue).""",
)
STATE_CHANGED = define(
    "certificate.state_changed",
    CertificateStep,
    """注销 / 吊销 / 失效: the issuer changed a certificate's state, with the reason shown by verification
    (certificates.services.revoke, and a version replaced by a renewal or change).""",
)
USED = define(
    "certificate.used",
    CertificateUsed,
    """用证: a certificate replaced an application material (免提交) and the use was recorded
    (certificates.services.use).""",
)


@dataclass(frozen=True)
class CombinedConcluded:
    combined: int  # the CombinedCase's id
    number: str  # 一件事办件编号
    service: str  # the combined service's code
    result: str  # CombinedResult: all parts 出证办结, or 部分办结
    certificates: int  # how many certificates its sub-cases issued


COMBINED_CONCLUDED = define(
    "combined.concluded",
    CombinedConcluded,
    """一件事办结: every sub-case of a combined case has concluded (or was refused or withdrawn), and the
    applicant is told once that the certificates are ready (certificates.combined.settle).""",
)
