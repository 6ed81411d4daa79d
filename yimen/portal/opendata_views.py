"""政务数据开放 on the portal: the catalogue of published data sets (by theme and openness, searched by title
and keyword), a data set's page with its metadata, a preview of its first rows and its files with their
download counts, the public downloads of 无条件开放 data, the application to 有条件开放 data, and the
catalogue as DCAT-AP JSON-LD.

A 有条件开放 data set's files are not downloaded here: the page names the API address, which takes the
key an approved application issues (X-API-Key). Applications are budgeted per address as other public
forms are (core.throttle.SUBMISSIONS), and the receipt is shown only to the browser that filed it.
"""

from __future__ import annotations

import json
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from yimen.core.errors import ApplicationError
from yimen.core.throttle import SUBMISSIONS
from yimen.opendata import dcat, downloads, queries, services
from yimen.opendata.forms import ApplicationForm
from yimen.opendata.models import AccessApplication, Dataset, Openness, Theme
from yimen.opendata.sources import source_of
from yimen.org.queries import centre

PAGE_SIZE = 20
FILED = "opendata_filed"
JSONLD = "application/ld+json; charset=utf-8"


def _base(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """开放数据目录: published data sets, filtered by 主题分类 and 开放属性, searched by words."""
    f = queries.DatasetFilter(
        theme=request.GET.get("theme", ""),
        openness=request.GET.get("openness", ""),
        q=request.GET.get("q", ""),
    ).cleaned()
    page = Paginator(queries.public_datasets(f), PAGE_SIZE).get_page(request.GET.get("page"))
    counts = queries.theme_counts()
    chosen = {
        key: value for key, value in (("theme", f.theme), ("openness", f.openness), ("q", f.q)) if value
    }
    context = {
        "page": page,
        "f": f,
        "themes": [(code, label, counts.get(code, 0)) for code, label in Theme.choices],
        "openness": Openness.choices,
        "query": urlencode(chosen),
        "filtered": bool(chosen),
    }
    return render(request, "portal/opendata/index.html", context)


def _dataset_page(
    request: HttpRequest, dataset: Dataset, form: ApplicationForm | None = None, status: int = 200
) -> HttpResponse:
    if form is None and dataset.conditional:
        form = ApplicationForm(dataset=dataset)
    context = {
        "d": dataset,
        # Each file with where it is fetched: the public link, or for 有条件开放 the API's address.
        "files": [(d, dcat.download_url(_base(request), d, dataset)) for d in queries.files_of(dataset)],
        "source": source_of(dataset.source),
        "form": form,
    }
    return render(request, "portal/opendata/dataset.html", context, status=status)


@require_GET
def dataset(request: HttpRequest, pk: int) -> HttpResponse:
    return _dataset_page(request, queries.public_dataset(pk))


@never_cache
@require_http_methods(["POST"])
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """申请使用有条件开放数据: counted against the address's hourly budget only when filed."""
    found = queries.public_dataset(pk)
    if not found.conditional:
        raise Http404("该数据集无条件开放，无需申请")
    form = ApplicationForm(request.POST, dataset=found)
    if not form.is_valid():
        return _dataset_page(request, found, form, 422)
    with SUBMISSIONS.spending(request) as submission:
        if submission is None:
            form.add_error(None, SUBMISSIONS.message)
            return _dataset_page(request, found, form, 429)
        try:
            filed = services.file_application(
                datasets=list(form.cleaned_data["datasets"]),
                applicant=form.applicant(),
                purpose=form.cleaned_data["purpose"],
            )
        except ApplicationError as exc:
            submission.give_back()
            form.show(exc)
            return _dataset_page(request, found, form, 422)
    request.session[FILED] = filed.pk
    return redirect("opendata:applied", pk=found.pk)


@never_cache
@require_GET
def applied(request: HttpRequest, pk: int) -> HttpResponse:
    """The receipt, for the browser that filed the application."""
    filed = AccessApplication.objects.filter(pk=int(request.session.get(FILED, 0))).first()
    if filed is None:
        return redirect("opendata:dataset", pk=pk)
    return render(
        request,
        "portal/opendata/applied.html",
        {"a": filed, "datasets": filed.datasets.order_by("identifier"), "back": pk},
    )


@require_GET
def download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse | FileResponse:
    """A 无条件开放 file, counted once; a 有条件开放 one only through the API with an approved key."""
    found = queries.public_dataset(pk)
    distribution = queries.distribution_of(found, fmt)
    if found.conditional:
        context = {"d": found, "api_url": dcat.download_url(_base(request), distribution, found)}
        return render(request, "portal/opendata/restricted.html", context, status=403)
    return downloads.download(found, distribution)


@require_GET
def catalog_jsonld(request: HttpRequest) -> HttpResponse:
    """The catalogue as DCAT-AP JSON-LD, for harvesters (the provincial platform, data portals)."""
    holder = centre()
    name = holder.name if holder is not None else "政务服务中心"
    document = dcat.catalog(
        _base(request),
        title=f"{name}政务数据开放目录",
        publisher=name,
        datasets=queries.public_datasets(),
    )
    return HttpResponse(json.dumps(document, ensure_ascii=False, indent=1), content_type=JSONLD)
