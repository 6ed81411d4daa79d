"""加密批量文件: one SM4-GCM-encrypted ZIP per batch in the drop directory, its SM3 beside it, every entry's
digest in the manifest; receipts in feedback/ mark rows accepted or rejected."""

from __future__ import annotations

import io
import json
import os
import zipfile
from pathlib import Path

import pytest

from tests.cases.conftest import APPLICANT, COMPANY, file
from tests.exchange.conftest import make_target, work_off
from yimen.cases.models import Result
from yimen.cases.services import steps
from yimen.core.crypto import sm3
from yimen.exchange import push
from yimen.exchange.models import Delivery, Kind, Status
from yimen.exchange.transports import files
from yimen.exchange.transports.files import BatchError, open_batch

KEY = "0123456789abcdef0123456789abcdef"
BOOKKEEPING = {"row_guid", "cd_batch", "cd_operation", "cd_time", "data_source"}


@pytest.fixture
def drop(tmp_path: Path) -> Path:
    return tmp_path / "drop"


def files_target(drop: Path, **fields):
    drop.mkdir(exist_ok=True)
    return make_target(
        "province-files", transport="files", endpoint=str(drop), secret=KEY, data_source="42", **fields
    )


def concluded_case(cast, licence, applicant=COMPANY):
    case = steps.accept(case=file(licence, cast, applicant), by=cast.clerk)
    return steps.conclude(case=case, by=cast.reviewer, result=Result.ISSUED, certificate_no="SP-0001")


@pytest.fixture
def owed(cast, licence, drop):
    """A files target owed a concluded case's rows (not yet pushed)."""
    target = files_target(drop)
    concluded_case(cast, licence)
    work_off()
    return target


@pytest.fixture
def sealed(owed, drop) -> Path:
    """The encrypted file of the target's first push."""
    push.push(owed)
    return only(drop, ".zip.sm4")


def only(drop: Path, suffix: str) -> Path:
    found = sorted(p for p in drop.iterdir() if p.name.endswith(suffix))
    assert len(found) == 1, found
    return found[0]


def test_a_batch_round_trips_through_the_encrypted_file(cast, licence, drop):
    target = files_target(drop)
    case = concluded_case(cast, licence, APPLICANT)
    work_off()
    owed = {
        d.record.row_guid: (d.kind, json.loads(d.revision.payload))
        for d in Delivery.objects.filter(target=target).select_related("record", "revision")
    }
    assert {Kind.ACCEPT, Kind.PROCESS, Kind.RESULT} <= {kind for kind, _ in owed.values()}

    pushed = push.push(target)

    assert pushed.sent == len(owed) and not Delivery.objects.exclude(status=Status.SENT).exists()
    sealed = only(drop, ".zip.sm4")
    batch_id = sealed.name.removesuffix(".zip.sm4")
    assert len(batch_id) == 32 and (drop / f"{batch_id}.sm3").read_text().split() == [
        sm3(sealed.read_bytes()).hex(),
        sealed.name,
    ]
    assert b"PK" not in sealed.read_bytes()[:64] and "张三".encode() not in sealed.read_bytes()
    assert not [p for p in drop.iterdir() if p.name.startswith(".")]  # no temporary file left behind

    batch = open_batch(sealed, KEY)

    assert batch.batch == batch_id and batch.data_source == "42"
    assert sorted(e["name"] for e in batch.manifest["entries"]) == sorted(f"{t}.json" for t in batch.tables)
    got = {row["row_guid"]: row for row in batch.rows}
    assert got.keys() == owed.keys()
    for guid, (kind, fields) in owed.items():
        row = got[guid]
        assert row in batch.tables[kind]
        assert {k: v for k, v in row.items() if k not in BOOKKEEPING} == fields
        assert row["cd_batch"] == batch_id and row["cd_operation"] == "I" and row["data_source"] == "42"
    accept = batch.tables[Kind.ACCEPT][0]
    assert accept["project_no"] == case.number and accept["applyer_page_code"] == APPLICANT.id_number


def test_each_manifest_entry_carries_the_sm3_of_its_bytes(sealed):
    archive = zipfile.ZipFile(io.BytesIO(files.decrypt(sealed.read_bytes(), bytes.fromhex(KEY))))
    manifest = json.loads(archive.read("manifest.json"))
    assert manifest["entries"]
    for entry in manifest["entries"]:
        data = archive.read(entry["name"])
        assert entry["sm3"] == sm3(data).hex() and len(entry["sm3"]) == 64
        assert entry["rows"] == len(data.decode().splitlines())


def test_a_tampered_file_fails_verification(sealed, drop):
    data = bytearray(sealed.read_bytes())
    data[40] ^= 0x01
    sealed.write_bytes(bytes(data))

    with pytest.raises(BatchError, match="SM3 摘要不符"):
        open_batch(sealed, KEY)
    # Recomputing the sidecar's digest does not help: the GCM tag still refuses the change.
    sidecar = only(drop, ".sm3")
    sidecar.write_text(f"{sm3(bytes(data)).hex()}  {sealed.name}\n")
    with pytest.raises(BatchError, match="完整性校验不通过"):
        open_batch(sealed, KEY)


def test_a_wrong_key_fails(sealed):
    with pytest.raises(BatchError, match="密钥不对"):
        open_batch(sealed, "f" * 32)
    with pytest.raises(BatchError, match="32位十六进制"):
        open_batch(sealed, "not a key")


def test_a_manifest_that_does_not_match_its_entries_fails(drop):
    """Even under the right key: an entry whose digest or row count differs from the manifest."""
    drop.mkdir()
    good = {"name": "up_pro_accept.json", "table": "up_pro_accept", "rows": 1}
    data = b'{"row_guid": "a"}\n'

    def sealed(manifest: dict, entries: dict[str, bytes], name: str = "B1") -> Path:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            for entry, content in entries.items():
                archive.writestr(entry, content)
            archive.writestr("manifest.json", json.dumps(manifest))
        path = drop / f"{name}.zip.sm4"
        path.write_bytes(files.encrypt(buffer.getvalue(), bytes.fromhex(KEY)))
        return path

    right = {"batch": "B1", "entries": [{**good, "sm3": sm3(data).hex()}]}
    assert open_batch(sealed(right, {good["name"]: data}), KEY).rows == [{"row_guid": "a"}]
    with pytest.raises(BatchError, match="SM3 摘要与清单不符"):
        open_batch(sealed(right, {good["name"]: b'{"row_guid": "b"}\n'}), KEY)
    with pytest.raises(BatchError, match="有 2 行，清单记为 1 行"):
        two = b'{"row_guid": "a"}\n{"row_guid": "b"}\n'
        open_batch(
            sealed({"batch": "B1", "entries": [{**good, "sm3": sm3(two).hex()}]}, {good["name"]: two}), KEY
        )
    with pytest.raises(BatchError, match="清单未列出的条目"):
        open_batch(sealed(right, {good["name"]: data, "extra.json": b"{}\n"}), KEY)
    with pytest.raises(BatchError, match="与文件名"):
        open_batch(sealed(right, {good["name"]: data}, name="B2"), KEY)


def test_receipts_mark_rows_accepted_and_rejected(owed, sealed, drop):
    target = owed
    sent = list(Delivery.objects.filter(target=target).select_related("record").order_by("pk"))
    batch_id = sent[0].cd_batch
    rejected, accepted = sent[0], sent[1:]
    inbox = drop / "feedback"
    inbox.mkdir()
    (inbox / "receipt-1.json").write_text(
        json.dumps(
            {
                "cd_batch": batch_id,
                "accepted": [d.record.row_guid for d in accepted],
                "rejected": [
                    {"row_guid": rejected.record.row_guid, "err_type": "格式错误", "remark": "受理时间为空"}
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    (inbox / "broken.json").write_text("{not json")

    changed = push.collect_feedback(target)

    assert changed == len(sent)
    statuses = dict(Delivery.objects.filter(target=target).values_list("pk", "status"))
    assert statuses[rejected.pk] == Status.REJECTED
    assert {statuses[d.pk] for d in accepted} == {Status.ACCEPTED}
    refused = Delivery.objects.get(pk=rejected.pk)
    assert (refused.err_type, refused.remark) == ("格式错误", "受理时间为空")
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == []
    assert [p.name for p in (inbox / "done").iterdir()] == ["receipt-1.json"]
    assert [p.name for p in (inbox / "invalid").iterdir()] == ["broken.json"]
    # Read again, nothing is there: a receipt is applied once.
    assert push.collect_feedback(target) == 0


def test_a_receipt_of_an_older_attempt_does_not_touch_the_newer_one(owed, sealed, drop):
    target = owed
    delivery = Delivery.objects.filter(target=target).select_related("record").first()
    assert delivery is not None
    inbox = drop / "feedback"
    inbox.mkdir()
    (inbox / "old.json").write_text(json.dumps({"cd_batch": "older", "accepted": [delivery.record.row_guid]}))
    push.collect_feedback(target)
    assert Delivery.objects.get(pk=delivery.pk).status == Status.SENT


def test_no_partial_file_is_ever_visible_under_the_final_name(owed, drop, monkeypatch):
    real_replace = os.replace
    seen: list[tuple[str, bool, int]] = []

    def replace(source, destination):
        source, destination = Path(source), Path(destination)
        # At the rename the final name does not exist yet and the hidden temporary file is whole.
        seen.append((destination.name, destination.exists(), source.stat().st_size))
        assert source.name.startswith(".") and source.parent == destination.parent
        return real_replace(source, destination)

    monkeypatch.setattr(files.os, "replace", replace)
    push.push(owed)
    sealed = only(drop, ".zip.sm4")
    assert [(name, exists) for name, exists, _ in seen] == [
        (sealed.name, False),
        (sealed.name.replace(".zip.sm4", ".sm3"), False),
    ]
    assert seen[0][2] == sealed.stat().st_size


def test_a_write_that_fails_leaves_nothing_and_the_rows_are_retried(owed, drop, monkeypatch):
    target = owed

    def full_disk(source, destination):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(files.os, "replace", full_disk)
    pushed = push.push(target)

    assert pushed.retried == Delivery.objects.filter(target=target).count() > 0
    assert list(drop.iterdir()) == []
    assert set(Delivery.objects.filter(target=target).values_list("status", flat=True)) == {Status.PENDING}
    assert "No space left" in Delivery.objects.filter(target=target).first().last_error


def test_a_missing_drop_directory_or_a_bad_key_is_retried_with_a_clear_error(owed, drop):
    target = owed
    drop.rmdir()
    push.push(target)
    assert "投放目录不存在" in Delivery.objects.filter(target=target).first().last_error
    drop.mkdir()
    target.secret = "short"
    target.save()
    Delivery.objects.filter(target=target).update(next_at=target.created_at)
    push.push(target)
    assert "32位十六进制" in Delivery.objects.filter(target=target).first().last_error
    assert list(drop.iterdir()) == []
