from django.apps import AppConfig


class PublishingConfig(AppConfig):
    name = "yimen.publishing"
    label = "publishing"
    verbose_name = "主动公开"
