"""政务数据开放 over HTTP: /api/v1/opendata.

- `GET /datasets/{pk}/{fmt}` — a data set's file (fmt: csv, json or xlsx) for a machine client whose key
  holds the scope `opendata.read`. A 有条件开放 data set is served only to the key its approved application
  was issued (and only for the data sets approved); a 无条件开放 one, public on the portal anyway, to any
  key of the scope. Each call is audited as the key's use and counted as one download.
"""

from __future__ import annotations

from django.http import FileResponse, Http404, HttpRequest
from ninja import Path, Router
from ninja.errors import HttpError

from yimen.core.api_auth import ClientKey
from yimen.core.api_schema import ErrorOut
from yimen.core.validation import label_fields
from yimen.opendata import downloads, queries
from yimen.org.models import ApiKey, ApiScope

router = Router(tags=["政务数据开放"])
label_fields(prefix="/api/v1/opendata", pk="数据集", fmt="文件格式")

NOT_APPROVED = "该接口密钥无权下载此数据集：有条件开放的数据集须经数据开放申请批准，密钥只能下载批准的数据集"


@router.get(
    "/datasets/{pk}/{fmt}",
    response={200: None, 403: ErrorOut},
    auth=ClientKey(ApiScope.OPENDATA_READ),
    url_name="opendata_download",
    summary="下载开放数据集文件（接口密钥；有条件开放的须为申请批准的数据集；fmt 为 csv、json 或 xlsx）",
)
def download(
    request: HttpRequest,
    pk: int = Path(..., ge=1, le=2**31 - 1, description="数据集编号（数据集页面地址中的数字）"),
    fmt: str = Path(..., max_length=4, description="文件格式：csv、json 或 xlsx"),
) -> FileResponse:
    """An unknown or unpublished data set, or a format it does not have, is 404; a 有条件开放 data set the
    key's approval does not name is 403."""
    try:
        dataset = queries.public_dataset(pk)
        distribution = queries.distribution_of(dataset, fmt)
    except Http404 as missing:
        raise HttpError(404, str(missing)) from None
    key: ApiKey = request.api_key  # type: ignore[attr-defined]  # set by org.api_keys.check_key
    if dataset.conditional and not queries.key_opens(key, dataset):
        raise HttpError(403, NOT_APPROVED)
    try:
        return downloads.download(dataset, distribution)
    except Http404 as gone:
        raise HttpError(404, str(gone)) from None
