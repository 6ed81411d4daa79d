from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "yimen.privacy"
    label = "privacy"
    verbose_name = "个人信息权利申请"
