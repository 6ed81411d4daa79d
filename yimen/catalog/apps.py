from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "yimen.catalog"
    label = "catalog"
    verbose_name = "事项目录与办事指南"

    def ready(self) -> None:
        from yimen.catalog import search
        from yimen.core import text

        text.register_words(text.ITEM_NAMES, signature=search.item_names_signature, names=search.item_names)
