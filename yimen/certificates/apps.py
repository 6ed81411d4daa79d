from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "yimen.certificates"
    label = "certificates"
    verbose_name = "电子证照"

    def ready(self) -> None:
        from yimen.cases import issuers
        from yimen.certificates.queries import issues_for_item
        from yimen.certificates.signing import backup_keys
        from yimen.core import backup

        issuers.register(issues_for_item)
        backup.register_key_source(backup_keys)
