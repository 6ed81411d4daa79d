from django.apps import AppConfig

# The portal's pages that the domain apps link to (core.pages), under the domain's names for them.
PAGES = {
    "case.lookup": "cases:lookup",
    "case.evaluation": "evaluate:case",
    "item.guide": "catalog:item",
    "item.form_file": "catalog:form_file",
    "publication.detail": "publishing:detail",
    "publication.attachment": "publishing:attachment",
    "publication.search": "publishing:search",
    "request.tracking": "disclosure:track",
    "certificate.verify": "certificates:verify",
    "opendata.catalogue": "opendata:index",
    "opendata.dcat": "opendata:dcat",
    "opendata.dataset": "opendata:dataset",
    "opendata.download": "opendata:download",
}


class PortalConfig(AppConfig):
    name = "yimen.portal"
    label = "portal"
    verbose_name = "门户网站"

    def ready(self) -> None:
        from yimen.core import pages

        for page, route in PAGES.items():
            pages.register(page, route)
