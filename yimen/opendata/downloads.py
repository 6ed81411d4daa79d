"""A data set's file handed out: streamed from storage as an attachment under the data set's name, and
counted once."""

from __future__ import annotations

from django.http import FileResponse, Http404

from yimen.core.files import download_name
from yimen.opendata import services
from yimen.opendata.models import Dataset, Distribution

CHARSET = {"csv": "; charset=utf-8", "json": "; charset=utf-8"}
GONE = "数据文件已不存在，请联系数据维护方重新生成"


def download(dataset: Dataset, distribution: Distribution) -> FileResponse:
    """The file as a download, counted when it is found (a missing file is a 404 and no download)."""
    try:
        handle = distribution.file.open("rb")
    except FileNotFoundError:
        raise Http404(GONE) from None
    services.count_download(distribution)
    stem = f"{dataset.title}-{dataset.identifier.replace('/', '-')}"
    response = FileResponse(
        handle,
        content_type=distribution.media_type + CHARSET.get(distribution.format, ""),
        as_attachment=True,
        filename=download_name(stem, distribution.format),
    )
    response["X-Content-Type-Options"] = "nosniff"
    # Every download reaches the server and is counted; a shared cache would hand out uncounted copies.
    response["Cache-Control"] = "private, no-store"
    return response
