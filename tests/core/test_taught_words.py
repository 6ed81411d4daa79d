"""core.text's taught words: the apps feed names through a registered source, read again when it changes."""

from __future__ import annotations

import itertools

import pytest

from yimen.core import memo, text


def test_a_sources_names_stay_whole_and_bring_their_other_names(monkeypatch: pytest.MonkeyPatch) -> None:
    changes = [0]
    groups = [["咸宁市星河测绘管理局", "星河测绘局", "星河测绘管理局"]]
    text.register_words("test-bureaus", signature=lambda: changes[0], names=lambda: groups)
    hours = itertools.count(step=3600.0)
    monkeypatch.setattr(memo, "clock", lambda: next(hours))  # every call is past the recheck
    before = text.teach("test-bureaus")
    assert "咸宁市星河测绘管理局" in text.query_terms("咸宁市星河测绘管理局通知")
    assert text.aliases["咸宁市星河测绘管理局"] == ("星河测绘局", "星河测绘管理局")
    assert text.teach("test-bureaus") == before  # same signature: nothing read, nothing changed

    groups.append(["咸宁市云梦勘察服务中心"])
    changes[0] += 1
    assert text.teach("test-bureaus") != before
    assert "咸宁市云梦勘察服务中心" in text.query_terms("咸宁市云梦勘察服务中心")


def test_a_source_is_not_read_again_before_the_recheck(monkeypatch: pytest.MonkeyPatch) -> None:
    reads: list[int] = []
    text.register_words("test-recheck", signature=lambda: reads.append(1) or len(reads), names=lambda: [])
    monkeypatch.setattr(memo, "clock", lambda: 0.0)  # no recheck falls due
    text.teach("test-recheck")
    text.teach("test-recheck")
    assert len(reads) == 1
    text.forget_taught()
    text.teach("test-recheck")
    assert len(reads) == 2


def test_a_source_no_app_registered_is_an_error() -> None:
    with pytest.raises(LookupError, match="no app registered the taught words 'nobody'"):
        text.teach("nobody")


def test_org_feeds_each_organisations_names_for_the_searches(cast) -> None:
    text.teach(text.ORGANISATION_NAMES, text.ITEM_NAMES)  # both registered when their apps were ready
    assert "咸宁市市场监督管理局" in text.query_terms("咸宁市市场监督管理局公告")
    assert "市场监督管理局" in text.aliases["咸宁市市场监督管理局"]
