"""Readable Chinese headers for every cell path, in template order, from `gongkai.vocabulary`.

`依申请公开｜（七）总计｜商业企业` is `requests.total.commercial`. Both templates' rows are listed
(2021 first, then what only 2019 has), so one wide table holds reports of either.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from .. import vocabulary as v
from . import words


@dataclass(frozen=True)
class Label:
    path: str
    table_key: str
    row_key: str
    field_key: str
    table_label: str
    row_label: str
    field_label: str
    header: str
    order: int
    money: bool = False
    templates: str = "2021,2019"
    common_path: str | None = None  # its path in the common 2019/2021 view; None: template-specific


def _trim(label: str) -> str:
    return words.LABEL_TRIM_RE.sub("", label)


@lru_cache(maxsize=1)
def labels() -> tuple[Label, ...]:
    out: list[Label] = []
    seen: set[str] = set()

    active_2021 = {f"active.{s.key}.{f}" for s in v.ACTIVE_ROWS_2021 for f in s.fields}
    active_2019 = {f"active.{s.key}.{f}" for s in v.ACTIVE_ROWS_2019 for f in s.fields}

    def add(table: str, row: str, field: str, row_label: str, field_label: str, *, money: bool = False,
            templates: str = "2021,2019") -> None:
        path = f"{table}.{row}.{field}"
        if path in seen:
            return
        seen.add(path)
        table_label = words.TABLE_LABELS[table]
        header = words.HEADER_SEPARATOR.join((table_label, _trim(row_label), field_label))
        # the common view keeps what both templates print with one meaning, under one path
        common = path if templates == "2021,2019" else None
        out.append(Label(path, table, row, field, table_label, _trim(row_label), field_label, header, len(out),
                         money, templates, common))

    for spec in v.ACTIVE_ROWS_2021 + v.ACTIVE_ROWS_2019:
        for field in spec.fields:
            path = f"active.{spec.key}.{field}"
            both = path in active_2021 and path in active_2019
            add("active", spec.key, field, spec.label, v.ACTIVE_FIELD_LABELS[field],
                money=field in spec.decimal_fields,
                templates="2021,2019" if both else ("2021" if path in active_2021 else "2019"))
    for spec in v.REQUEST_ROWS_HEAD + v.REQUEST_ROWS_OTHER_2021 + (v.REQUEST_ROW_OTHER_SINGLE,) + v.REQUEST_ROWS_TAIL:
        # （六）其他处理: one row in 2019 (and in 2021 reports that print it so), three in 2021; the
        # three are kept apart, never summed: the store derives no figure the report does not print
        templates = "2021" if spec in v.REQUEST_ROWS_OTHER_2021 else "2021,2019"
        for field in v.APPLICANT_COLUMNS:
            add("requests", spec.key, field, spec.label, v.APPLICANT_COLUMN_LABELS[field], templates=templates)
    for group in v.APPEAL_GROUPS:
        for field in v.APPEAL_FIELDS:
            add("appeals", group, field, v.APPEAL_GROUP_LABELS[group], v.APPEAL_FIELD_LABELS[field])
    return tuple(out)


@lru_cache(maxsize=1)
def by_path() -> dict[str, Label]:
    return {label.path: label for label in labels()}


def header(path: str) -> str:
    """The column header of a cell path; paths the vocabulary does not know keep their path."""
    label = by_path().get(path)
    return label.header if label is not None else path


def is_money(path: str) -> bool:
    label = by_path().get(path)
    return label.money if label is not None else False


def order(path: str) -> int:
    label = by_path().get(path)
    return label.order if label is not None else len(labels()) + hash(path) % 1000
