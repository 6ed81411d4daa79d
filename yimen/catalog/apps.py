from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "yimen.catalog"
    label = "catalog"
    verbose_name = "事项目录与办事指南"
