from django.apps import AppConfig


class OrgConfig(AppConfig):
    name = "yimen.org"
    label = "org"
    verbose_name = "机构与人员"

    def ready(self) -> None:
        from yimen.core import text
        from yimen.org import checks, names  # noqa: F401 (checks register themselves)

        text.register_words(text.ORGANISATION_NAMES, signature=names.signature, names=names.taught_names)
