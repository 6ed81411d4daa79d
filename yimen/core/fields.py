"""Model fields for personal data at rest (GB/T 22239-2019 8.1.4.7, 8.1.4.8; core/crypto.py).

`SealedCharField` stores its text SM4-GCM-sealed and reads it back as plain text, so forms, templates,
exports and the API use the attribute as before. The database can only compare ciphertexts, and each
sealing uses a fresh nonce, so the field refuses lookups other than "is empty": an exact lookup goes
through the `BlindIndexField` beside it (`matching`), which `save()`, `bulk_create()` and
`core.batch.insert` fill from the field it indexes. A queryset `update()` or `save(update_fields=…)`
that changes a sealed value must name its index too, with `index_of(Case, "phone", p)` as its value.

`reseal(model)` brings every row of a model to the newest key: plain rows (before the migration that
sealed them) and rows under an older key are sealed again and their indexes recomputed, in batches, each
locked and committed in its own transaction, so an interrupted run picks up where it stopped.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import nullcontext
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import FieldError
from django.db import connection, models, transaction
from django.db.models import Q
from django.db.models.functions import Cast
from django.db.models.lookups import Exact, IsNull

from yimen.core import crypto, identity

__all__ = [
    "BlindIndexField",
    "Resealed",
    "SealedCharField",
    "index_of",
    "matching",
    "reseal",
    "sealed_models",
    "stored_values",
    "unseal",
    "write_stored",
]


class SealedCharField(models.CharField):
    """Text kept SM4-GCM-sealed in a text column; `max_length` bounds the plain text. An empty value is
    stored empty. The column is named in the associated data (`app.model.field`), so renaming the model
    or the field needs its rows resealed under the new name."""

    description = "Text sealed with SM4-GCM"

    def get_internal_type(self) -> str:
        return "TextField"  # the sealed form is about 1.4 × the text plus 48 characters

    @property
    def context(self) -> str:
        return f"{self.model._meta.label_lower}.{self.name}"

    def seal(self, value: str) -> str:
        """The stored form of `value` (also for rows written without the ORM, as the demo does)."""
        return crypto.encrypt(value, self.context) if value else value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        return self.seal(value) if isinstance(value, str) else value

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        return crypto.decrypt(value, self.context) if value else value

    def get_lookup(self, lookup_name: str) -> Any:
        if lookup_name not in ("exact", "isnull"):
            return None  # Django answers "Unsupported lookup … for SealedCharField"
        return _EmptyOnly if lookup_name == "exact" else IsNull


class _EmptyOnly(Exact):
    """`phone=""` still works (an unset value is stored empty); comparing a value needs the index."""

    def get_prep_lookup(self) -> Any:
        if self.rhs not in ("", None):
            field = self.lhs.output_field
            raise FieldError(
                f"{field.model._meta.label_lower}.{field.name} 是加密字段，不能按值查找；"
                f"请用 fields.matching({field.model.__name__}, {field.name!r}, …) 经盲索引查找"
            )
        return super().get_prep_lookup()


class BlindIndexField(models.CharField):
    """The HMAC-SM3 blind index of the sealed field `of`, normalised as identity numbers are (spaces
    dropped, full-width to half-width, upper case); computed at every save, never edited."""

    description = "Blind index (HMAC-SM3) of a sealed field"

    def __init__(self, *args: Any, of: str, **kwargs: Any) -> None:
        self.of = of
        kwargs.update(max_length=2 * crypto.INDEX_BYTES, blank=True, editable=False, default="")
        super().__init__(*args, **kwargs)

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        for fixed in ("max_length", "blank", "editable", "default"):
            kwargs.pop(fixed, None)
        return name, path, args, {**kwargs, "of": self.of}

    def pre_save(self, model_instance: models.Model, add: bool) -> str:
        value = crypto.blind_index(identity.normalize(getattr(model_instance, self.of) or ""), self.of)
        setattr(model_instance, self.attname, value)
        return value


# Fields whose stored value is not the attribute as it is: core.batch prepares them as Django does.
COMPUTED = (SealedCharField, BlindIndexField)


def _index_field(model: type[models.Model], name: str) -> BlindIndexField:
    for field in model._meta.concrete_fields:
        if isinstance(field, BlindIndexField) and field.of == name:
            return field
    raise FieldError(f"{model._meta.label_lower}.{name} 没有盲索引，不能按值查找")


def index_of(model: type[models.Model], name: str, value: str) -> str:
    """The blind index to store beside the sealed field `name` holding `value`."""
    index = _index_field(model, name)
    return crypto.blind_index(identity.normalize(value), index.of)


def matching(model: type[models.Model], name: str, value: str) -> Q:
    """Rows whose sealed field `name` holds `value` (exact, after normalising), through its blind index
    under every key of the ring."""
    index = _index_field(model, name)
    return Q(**{f"{index.name}__in": crypto.blind_indexes(identity.normalize(value), index.of)})


def sealed_models() -> list[type[models.Model]]:
    """Every installed model with a sealed field."""
    from django.apps import apps

    return [
        m for m in apps.get_models() if any(isinstance(f, SealedCharField) for f in m._meta.concrete_fields)
    ]


@dataclass
class Resealed:
    model: str
    rows: int = 0  # rows read
    sealed: int = 0  # rows written under the newest key


def _raw(field: models.Field[Any, Any]) -> str:
    return f"raw_{field.attname}"


def stored_values(
    model: type[models.Model], batch_size: int, *, lock: bool = False
) -> Iterator[list[tuple[Any, ...]]]:
    """The rows' ids and stored (unopened) sealed values, in id order, `batch_size` at a time; with
    `lock`, each batch is read and handed over inside its own transaction, its rows locked (FOR UPDATE)
    so that no one changes them before the caller writes."""
    sealed = [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]
    raw = {_raw(f): Cast(f.attname, models.TextField()) for f in sealed}
    last: Any = None
    while True:
        with transaction.atomic() if lock else nullcontext():
            rows = model._base_manager.order_by("pk").annotate(**raw)
            if last is not None:
                rows = rows.filter(pk__gt=last)
            if lock:
                rows = rows.select_for_update()
            batch = list(rows.values_list("pk", *raw)[:batch_size])
            if not batch:
                return
            yield batch
        last = batch[-1][0]


def write_stored(
    model: type[models.Model], fields: list[models.Field[Any, Any]], rows: list[list[Any]]
) -> None:
    """UPDATE … SET the fields' columns to each row's stored values (already prepared) WHERE id = its
    last item, in one executemany."""
    quote = connection.ops.quote_name
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    assert model._meta.pk is not None
    sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(model._meta.pk.column)} = %s"  # nosec B608  # identifiers are the model's own table and column names; every value is a bound parameter
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(sql, rows)


def _plain(field: SealedCharField, stored: str) -> str:
    """A stored value opened; a plain one (before the sealing migration) as it is."""
    return crypto.decrypt(stored, field.context) if crypto.key_id_of(stored) is not None else stored


def reseal(model: type[models.Model], *, batch_size: int = 1000) -> Resealed:
    """Seal every row of `model` under the newest key and recompute its blind indexes; rows already
    under it are left alone. Each batch is locked, rewritten and committed on its own."""
    sealed = [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]
    indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
    current = crypto.keyring().current.id
    done = Resealed(model._meta.label_lower)
    for batch in stored_values(model, batch_size, lock=True):
        done.rows += len(batch)
        rows = []
        for pk, *stored in batch:
            if all(not s or crypto.key_id_of(s) == current for s in stored):
                continue
            plain = {f.name: _plain(f, s) if s else "" for f, s in zip(sealed, stored, strict=True)}
            rows.append(
                [f.seal(plain[f.name]) for f in sealed]
                + [crypto.blind_index(identity.normalize(plain[i.of]), i.of) for i in indexes]
                + [pk]
            )
        write_stored(model, [*sealed, *indexes], rows)
        done.sealed += len(rows)
    return done


def unseal(model: type[models.Model], *, batch_size: int = 1000) -> int:
    """Write every sealed value back as plain text and empty the indexes: the reverse of the migration
    that sealed them, for going back to a release without encryption. Returns the rows written."""
    sealed = [f for f in model._meta.concrete_fields if isinstance(f, SealedCharField)]
    indexes = [f for f in model._meta.concrete_fields if isinstance(f, BlindIndexField)]
    written = 0
    for batch in stored_values(model, batch_size, lock=True):
        rows = [
            [_plain(f, s) if s else s for f, s in zip(sealed, stored, strict=True)]
            + [""] * len(indexes)
            + [pk]
            for pk, *stored in batch
        ]
        write_stored(model, [*sealed, *indexes], rows)
        written += len(rows)
    return written
