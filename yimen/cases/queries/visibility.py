"""Who may see which case, and what they may do with it: the one rule the office's case pages, the
notices, the file downloads and the API all ask, so a case answers the same way everywhere.

- **See** (`cases_visible_to`): a role with case work (`case.view`: 受理, 审批, 监察) over the case's
  organisation or above it; the 综合窗口 that took the case (一窗受理); a 联办 organisation's reviewers,
  for the cases their organisation reviews. Roles without case work (法制审核, 审改审核, 事项编辑) see none.
  A case one may not see does not exist for them: 404, exactly as an unknown number, and before any
  check of the case's state or version, so neither betrays it.
- **Handle** (`cases_handled_by`): 受理 or 审批 over the case (or its window, or its 联办 review). Only
  those who handle a case see its applicant's ID number, phone and address in full and download its
  materials (they hold copies of identity papers); others who see it (监察) read them masked and
  unmask one case on demand, with a reason that is audited (`privacy.reveal_applicant`).
- **Act** (`may_take`): the role a step needs (`transitions.ACTION_PERMISSIONS`); 403 for a person who
  sees the case but lacks it.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404

from yimen.cases import transitions
from yimen.cases.models import Case, CaseFile, Review
from yimen.core.errors import NotPermitted
from yimen.core.identity import normalize
from yimen.org.models import Staff
from yimen.org.permissions import organisations_for, organisations_for_any

CASE_VIEW = "case.view"
CASE_WORK = ("case.intake", "case.review")
NOT_FOUND = "没有该办件编号的办件"
NO_FILE = "没有这个文件"


def _cases(staff: Staff, actions: tuple[str, ...]) -> QuerySet[Case]:
    """The cases of the organisations where `staff` holds one of `actions`, those their 综合窗口 took and
    the 联办 cases their organisation reviews; none when they hold none of the actions anywhere."""
    reach = organisations_for_any(staff, actions)
    if reach is None:  # a superuser
        return Case.objects.all()
    if not reach:
        return Case.objects.none()
    seen = Q(organisation_id__in=reach)
    window = staff.window
    if window is not None and window.is_comprehensive:
        seen |= Q(window_id=window.pk)
    reviewing = organisations_for(staff, "case.review") or set()
    if reviewing:  # 联办: a participating organisation's reviewers read the case they review
        seen |= Q(pk__in=Review.objects.filter(organisation_id__in=reviewing).values("case_id"))
    return Case.objects.filter(seen)


def cases_visible_to(staff: Staff) -> QuerySet[Case]:
    """The cases `staff` may open: the case list, a case's page, its notices, its API steps."""
    return _cases(staff, (CASE_VIEW,))


def cases_handled_by(staff: Staff) -> QuerySet[Case]:
    """The cases `staff` works on, whose applicant they see in full and whose materials they download."""
    return _cases(staff, CASE_WORK)


def handles(staff: Staff, case: Case) -> bool:
    return cases_handled_by(staff).filter(pk=case.pk).exists()


def may_take(staff: Staff, step: str, case: Case) -> bool:
    """Whether `staff` holds the role the step needs over `case` (撤件 is taken at the window; a 即办件 is
    concluded on the spot by the window that accepted it). The service decides the state."""
    needed = transitions.ACTION_PERMISSIONS.get(step, "case.intake")
    if transitions.may_act(staff, needed, case):
        return True
    return (
        step == "conclude" and case.version.is_immediate and transitions.may_act(staff, "case.intake", case)
    )


def case_for(staff: Staff, key: int | str, *, step: str = "") -> Case:
    """The case with primary key `key` (an int) or 办件编号 `key` (a str), if `staff` may see it, else
    Http404 — the same for an unknown case. With `step`, NotPermitted (403) unless they may take it."""
    cases = cases_visible_to(staff).select_related("item", "version", "organisation", "window")
    found = cases.filter(pk=key) if isinstance(key, int) else cases.filter(number=normalize(key))
    case = found.first()
    if case is None:
        raise Http404(NOT_FOUND)
    if step and not may_take(staff, step, case):
        raise NotPermitted("您无权办理该办件")
    return case


def file_for(staff: Staff, pk: int) -> CaseFile:
    """A material file of a case `staff` may see (else Http404), for those who handle the case (else
    NotPermitted: a 监察 reads the case, not the applicant's papers)."""
    stored = CaseFile.objects.select_related("case").filter(pk=pk, case__in=cases_visible_to(staff)).first()
    if stored is None:
        raise Http404(NO_FILE)
    if not handles(staff, stored.case):
        raise NotPermitted("申请材料含身份证件等个人信息，仅办理该办件的工作人员可以下载")
    return stored
