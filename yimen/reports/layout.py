"""How each table is drawn: a grid of cells with row and column spans, the merged headings of the statutory
template. The web page, the PDF and the Word document all draw from this one grid."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import urlencode

from yimen.reports.document import Block, Number, Table

# Columns of row labels in table 三: 三、本年度办理结果 · （三）不予公开 · 1.属于国家秘密.
REQUEST_LABEL_COLUMNS = 3
# The caption separator of table 四's groups: 行政诉讼：未经复议直接起诉 is 行政诉讼 over 未经复议直接起诉.
CAPTION_SEPARATOR = "："


@dataclass(frozen=True)
class CellRef:
    """Which figure a cell shows: enough to list the records it counts."""

    table: str
    row: str
    column: str
    caption: str = ""

    @property
    def query(self) -> str:
        return urlencode(
            {"table": self.table, "row": self.row, "column": self.column, "caption": self.caption}
        )


@dataclass(frozen=True)
class Cell:
    text: str
    header: bool = False
    rowspan: int = 1
    colspan: int = 1
    ref: CellRef | None = None
    numeric: bool = False


@dataclass(frozen=True)
class Grid:
    key: str
    width: int
    head: tuple[tuple[Cell, ...], ...]
    body: tuple[tuple[Cell, ...], ...]
    note: str = ""

    @property
    def rows(self) -> tuple[tuple[Cell, ...], ...]:
        return self.head + self.body


def number_text(value: Number) -> str:
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    return str(value)


def _value(value: Number, ref: CellRef, colspan: int = 1) -> Cell:
    return Cell(number_text(value), colspan=colspan, ref=ref, numeric=True)


def grid(table: Table) -> Grid:
    if table.spec.key == "requests":
        return _requests(table)
    if table.spec.key == "appeals":
        return _appeals(table)
    return _proactive(table)


def _proactive(table: Table) -> Grid:
    """Four groups, each a caption across the table, its column headings, then its rows; a group with
    one column lets it span the width (as the template prints 本年处理决定数量)."""
    width = 1 + max(len(b.columns) for b in table.blocks)
    rows: list[tuple[Cell, ...]] = []
    for block in table.blocks:
        span = width - len(block.columns)  # the last column takes what is left
        rows.append((Cell(block.caption, header=True, colspan=width),))
        rows.append(
            (
                Cell("", header=True),
                *(
                    Cell(c, header=True, colspan=span if i == len(block.columns) - 1 else 1)
                    for i, c in enumerate(block.columns)
                ),
            )
        )
        for row in block.rows:
            cells = [Cell(row.label, header=True)]
            for i, (column, value) in enumerate(zip(block.columns, row.values, strict=True)):
                ref = CellRef(table.spec.key, row.key, column, block.caption)
                cells.append(_value(value, ref, span if i == len(block.columns) - 1 else 1))
            rows.append(tuple(cells))
    return Grid(key=table.spec.key, width=width, head=(), body=tuple(rows))


def _requests(table: Table) -> Grid:
    block = table.blocks[0]
    spec = table.spec
    grouped = {column for _, columns in spec.column_groups for column in columns}
    group_of = {column: caption for caption, columns in spec.column_groups for column in columns}
    first: list[Cell] = [Cell(spec.note, header=True, rowspan=3, colspan=REQUEST_LABEL_COLUMNS)]
    first.append(Cell(block.caption, header=True, colspan=len(block.columns)))
    second: list[Cell] = []
    third: list[Cell] = []
    seen: set[str] = set()
    for column in block.columns:
        if column not in grouped:
            second.append(Cell(column, header=True, rowspan=2))
        elif group_of[column] not in seen:
            seen.add(group_of[column])
            members = [c for c in block.columns if group_of.get(c) == group_of[column]]
            second.append(Cell(group_of[column], header=True, colspan=len(members)))
        if column in grouped:
            third.append(Cell(column, header=True))
    body = [
        tuple(_request_labels(block, i)) + _request_values(table, block, i) for i in range(len(block.rows))
    ]
    return Grid(
        key=spec.key,
        width=REQUEST_LABEL_COLUMNS + len(block.columns),
        head=(tuple(first), tuple(second), tuple(third)),
        body=tuple(body),
    )


def _request_labels(block: Block, index: int) -> list[Cell]:
    """The label cells of row `index`: a row outside the outcome groups spans all three label columns;
    the outcome heading spans its rows down the first column; a sub-group spans its rows down the second."""
    rows = block.rows
    row = rows[index]
    if not row.group:
        return [Cell(row.label, header=True, colspan=REQUEST_LABEL_COLUMNS)]
    top = next(r.group for r in rows if r.group)
    cells: list[Cell] = []
    in_top = [i for i, r in enumerate(rows) if r.group]
    if index == in_top[0]:
        cells.append(Cell(top, header=True, rowspan=len(in_top)))
    if row.group == top:
        cells.append(Cell(row.label, header=True, colspan=REQUEST_LABEL_COLUMNS - 1))
        return cells
    members = [i for i, r in enumerate(rows) if r.group == row.group]
    if index == members[0]:
        cells.append(Cell(row.group, header=True, rowspan=len(members)))
    cells.append(Cell(row.label, header=True))
    return cells


def _request_values(table: Table, block: Block, index: int) -> tuple[Cell, ...]:
    row = block.rows[index]
    return tuple(
        _value(value, CellRef(table.spec.key, row.key, column))
        for column, value in zip(block.columns, row.values, strict=True)
    )


def _appeals(table: Table) -> Grid:
    """Groups whose captions share a prefix (行政诉讼：…) sit under one heading; a group without one has
    its column headings span both heading rows."""
    tops: list[tuple[str, list[Block]]] = []
    for block in table.blocks:
        top = block.caption.split(CAPTION_SEPARATOR)[0]
        if tops and tops[-1][0] == top:
            tops[-1][1].append(block)
        else:
            tops.append((top, [block]))
    first: list[Cell] = []
    second: list[Cell] = []
    third: list[Cell] = []
    for top, blocks in tops:
        first.append(Cell(top, header=True, colspan=sum(len(b.columns) for b in blocks)))
        for block in blocks:
            if CAPTION_SEPARATOR not in block.caption:
                second.extend(Cell(c, header=True, rowspan=2) for c in block.columns)
            else:
                sub = block.caption.split(CAPTION_SEPARATOR, 1)[1]
                second.append(Cell(sub, header=True, colspan=len(block.columns)))
                third.extend(Cell(c, header=True) for c in block.columns)
    values = tuple(
        _value(value, CellRef(table.spec.key, block.rows[0].key, column, block.caption))
        for block in table.blocks
        for column, value in zip(block.columns, block.rows[0].values, strict=True)
    )
    width = sum(len(b.columns) for b in table.blocks)
    return Grid(
        key=table.spec.key, width=width, head=(tuple(first), tuple(second), tuple(third)), body=(values,)
    )


def placed(g: Grid) -> list[tuple[int, int, Cell]]:
    """Each cell with the (row, column) of its top-left corner, as a browser lays out spans: a cell goes
    to the first column of its row that no cell above still covers."""
    covered: set[tuple[int, int]] = set()
    found: list[tuple[int, int, Cell]] = []
    for r, row in enumerate(g.rows):
        c = 0
        for cell in row:
            while (r, c) in covered:
                c += 1
            found.append((r, c, cell))
            covered |= {(r + dr, c + dc) for dr in range(cell.rowspan) for dc in range(cell.colspan)}
            c += cell.colspan
    return found
