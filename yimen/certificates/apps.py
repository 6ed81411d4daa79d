from django.apps import AppConfig


class CertificatesConfig(AppConfig):
    name = "yimen.certificates"
    label = "certificates"
    verbose_name = "电子证照"
