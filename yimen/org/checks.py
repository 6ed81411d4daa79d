"""Deployment checks on the accounts themselves (`yimen check --deploy --database default`)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, Tags, register

DEFAULT_NAMES = ("admin", "administrator", "root", "test", "demo", "guest", "sa")


@register(Tags.security, Tags.database, deploy=True)
def no_default_accounts(app_configs: Any = None, databases: Any = None, **kwargs: Any) -> list[Error]:
    """GB/T 22239-2019 8.1.4.2 b (应重命名或删除默认账户): a deployment holds no account under a name an
    attacker tries first. The demo city has one (`admin`), so this check fails on a demo database — as it
    should, since the demo's accounts share a published password."""
    if not databases:
        return []
    from yimen.org.models import Staff

    found = sorted(
        Staff.objects.filter(is_active=True, username__in=DEFAULT_NAMES).values_list("username", flat=True)
    )
    return (
        [
            Error(
                f"存在默认用户名的账户：{'、'.join(found)}",
                hint="重命名或停用这些账户（等保2.0 8.1.4.2 b）",
                id="yimen.E101",
            )
        ]
        if found
        else []
    )
