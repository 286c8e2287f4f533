"""Data tables (1.3.1): every header cell must be a header for at least one other cell (ACT d0f69e).

The table model follows HTML's table processing model: the grid is formed from rows and cells with colspan and
rowspan (rowspan=0 and spans past the row group clipped to the group), header cells are th (or any cell with
role=columnheader/rowheader, minus th with role=cell/gridcell), their scope comes from the scope attribute, the
role, or HTML's auto rules (a column header when its rows hold no data cell, a row header when its columns hold no
data cell), and cells are assigned to headers with the headers attribute or HTML's scanning algorithm (header
blocks and opaque headers included). ARIA tables (role=table/grid/treegrid built from role=row and
role=cell/gridcell/columnheader/rowheader) use rows and column positions. Layout tables (role=presentation/none)
are not data tables; header cells without text are left to other rules.
"""

from __future__ import annotations

from bs4 import Tag

from ..rules.model import CANT_TELL, FAILED, PASSED
from ..rules.registry import Verdict, check
from .semantics import accessible_name, explicit_role
from .semantics import collapse as norm

TABLE_ROLES = frozenset({"table", "grid", "treegrid"})
LAYOUT_ROLES = frozenset({"presentation", "none"})
CELL_ROLES = frozenset({"cell", "gridcell", "columnheader", "rowheader"})
MAX_SLOTS = 20000           # larger tables are skipped (scanning would be slow; they are rarely hand-made)
_VIRTUAL_ATTRS = ("aria-colindex", "aria-rowindex", "aria-colcount", "aria-rowcount", "aria-owns")


class Cell:
    __slots__ = ("el", "x", "y", "w", "h", "header", "scope", "group")

    def __init__(self, el: Tag, x: int, y: int, w: int, h: int, header: bool, scope: str, group: int):
        self.el, self.x, self.y, self.w, self.h = el, x, y, w, h
        self.header, self.scope, self.group = header, scope, group


def _span(el: Tag, attr: str, default: int, low: int, high: int) -> int:
    raw = str(el.get(attr) or "").strip()
    if not raw.isdigit():
        return default
    return max(low, min(high, int(raw)))


def _cell_kind(el: Tag) -> tuple[bool, str] | None:
    """(is a header cell, scope) for a table cell element, None when it is not a cell at all."""
    role = explicit_role(el)
    if role in ("columnheader", "rowheader"):
        scope = (el.get("scope") or "").strip().lower()
        if scope not in ("col", "row", "colgroup", "rowgroup"):
            scope = "col" if role == "columnheader" else "row"
        return True, scope
    if role in ("cell", "gridcell"):
        return False, ""
    if el.name == "th" and role not in LAYOUT_ROLES:
        scope = (el.get("scope") or "").strip().lower()
        return True, scope if scope in ("col", "row", "colgroup", "rowgroup") else "auto"
    if el.name in ("td", "th"):
        return False, ""
    if role in CELL_ROLES:
        return False, ""
    return None


class Grid:
    def __init__(self, table: Tag):
        self.table = table
        self.cells: list[Cell] = []
        self.slots: dict[tuple[int, int], list[Cell]] = {}
        self.too_big = False
        self.virtual = False          # ARIA table that may not have all its rows/cells in the DOM

    def place(self, el: Tag, x: int, y: int, w: int, h: int, group: int) -> Cell | None:
        kind = _cell_kind(el)
        if kind is None:
            return None
        cell = Cell(el, x, y, w, h, kind[0], kind[1], group)
        self.cells.append(cell)
        for yy in range(y, y + h):
            for xx in range(x, x + w):
                self.slots.setdefault((xx, yy), []).append(cell)
        if len(self.slots) > MAX_SLOTS:
            self.too_big = True
        return cell

    def at(self, x: int, y: int) -> Cell | None:
        found = self.slots.get((x, y))
        return found[0] if found and len(found) == 1 else None

    # -- HTML scope rules

    def prepare(self) -> None:
        """Which rows and which columns hold at least one data cell."""
        self._rows_exact: dict[int, bool] = {}
        self._cols_exact: dict[int, bool] = {}
        for (x, y), cs in self.slots.items():
            data = any(not c.header for c in cs)
            self._rows_exact[y] = self._rows_exact.get(y, False) or data
            self._cols_exact[x] = self._cols_exact.get(x, False) or data

    def header_role(self, cell: Cell) -> str | None:
        """col | row | colgroup | rowgroup, or None for an auto header cell that is neither (HTML: not a header for
        anything unless named by a headers attribute)."""
        if cell.scope in ("col", "row", "colgroup", "rowgroup"):
            return cell.scope
        rows_data = any(self._rows_exact.get(yy, False) for yy in range(cell.y, cell.y + cell.h))
        if not rows_data:
            return "col"
        cols_data = any(self._cols_exact.get(xx, False) for xx in range(cell.x, cell.x + cell.w))
        if not cols_data:
            return "row"
        return None

    # -- HTML "forming relationships between data cells and header cells"

    def _scan(self, principal: Cell, roles: dict, found: list[Cell], x: int, y: int, dx: int, dy: int) -> None:
        opaque: list[Cell] = []
        if principal.header:
            in_block, block = True, [principal]
        else:
            in_block, block = False, []
        while True:
            x += dx
            y += dy
            if x < 0 or y < 0:
                return
            cur = self.at(x, y)
            if cur is None or cur is principal:
                continue
            if cur.header:
                in_block = True
                block.append(cur)
                role = roles.get(id(cur))
                if dx == 0:
                    blocked = role != "col" or any(o.x == cur.x and o.w == cur.w for o in opaque)
                else:
                    blocked = role != "row" or any(o.y == cur.y and o.h == cur.h for o in opaque)
                if not blocked:
                    found.append(cur)
            elif in_block:
                in_block = False
                opaque.extend(block)
                block = []

    def assigned_headers(self) -> dict[int, set[int]]:
        """id(header cell) → ids of the cells it is assigned to (HTML tables)."""
        roles = {id(c): self.header_role(c) for c in self.cells if c.header}
        ids = id_map_table(self)
        out: dict[int, set[int]] = {id(c): set() for c in self.cells if c.header}
        for p in self.cells:
            found: list[Cell] = []
            raw = p.el.get("headers") or ""
            tokens = raw if isinstance(raw, list) else str(raw).split()   # bs4 parses headers as a token list
            if tokens:
                for tok in tokens:
                    ref = ids.get(tok)
                    if ref is not None and ref is not p:
                        found.append(ref)
            else:
                for yy in range(p.y, p.y + p.h):
                    self._scan(p, roles, found, p.x, yy, -1, 0)
                for xx in range(p.x, p.x + p.w):
                    self._scan(p, roles, found, xx, p.y, 0, -1)
            for h in found:
                if h.header and h is not p:
                    out[id(h)].add(id(p))
        return out


def id_map_table(grid: Grid) -> dict[str, Cell]:
    return {c.el.get("id"): c for c in reversed(grid.cells) if c.el.get("id")}


def _nearest_table(el: Tag) -> Tag | None:
    node = el.parent
    while isinstance(node, Tag):
        if node.name == "table" or explicit_role(node) in TABLE_ROLES:
            return node
        node = node.parent
    return None


def html_grid(table: Tag) -> Grid:
    grid = Grid(table)
    groups: list[list[Tag]] = []
    footers: list[list[Tag]] = []
    loose: list[Tag] = []
    for child in table.find_all(True, recursive=False):
        if child.name == "tr":
            loose.append(child)
            continue
        if loose:
            groups.append(loose)
            loose = []
        if child.name in ("thead", "tbody"):
            groups.append(child.find_all("tr", recursive=False))
        elif child.name == "tfoot":
            footers.append(child.find_all("tr", recursive=False))
    if loose:
        groups.append(loose)
    y = 0
    for g, rows in enumerate(groups + footers):
        end = y + len(rows)
        for row in rows:
            x = 0
            for el in row.find_all(True, recursive=False):
                if el.name not in ("td", "th"):
                    continue
                while (x, y) in grid.slots:
                    x += 1
                w = _span(el, "colspan", 1, 1, 1000)
                h = _span(el, "rowspan", 1, 0, 65534)
                h = end - y if h == 0 else min(h, end - y)
                grid.place(el, x, y, w, max(1, h), g)
                if grid.too_big:
                    return grid
                x += w
            y += 1
    return grid


def aria_grid(table: Tag) -> Grid:
    grid = Grid(table)
    grid.virtual = any(table.has_attr(a) for a in _VIRTUAL_ATTRS)
    rows = [r for r in table.find_all(attrs={"role": True}) if explicit_role(r) == "row" and _nearest_table(r) is table]
    for y, row in enumerate(rows):
        if any(row.has_attr(a) for a in _VIRTUAL_ATTRS):
            grid.virtual = True
        x = 0
        for el in row.find_all(True):
            if explicit_role(el) not in CELL_ROLES:
                continue
            owner = el.find_parent(lambda t: explicit_role(t) == "row" or t.name == "tr")
            if owner is not row:
                continue
            if any(el.has_attr(a) for a in _VIRTUAL_ATTRS):
                grid.virtual = True
            while (x, y) in grid.slots:
                x += 1
            w = _span(el, "aria-colspan", 1, 1, 1000)
            h = _span(el, "aria-rowspan", 1, 1, max(1, len(rows) - y))
            grid.place(el, x, y, w, h, 0)
            if grid.too_big:
                return grid
            x += w
    return grid


def aria_assigned(grid: Grid) -> dict[int, set[int]]:
    """ARIA tables: a column header is assigned to the other cells of its columns, a row header to the other cells
    of its rows."""
    out: dict[int, set[int]] = {}
    for h in grid.cells:
        if not h.header:
            continue
        got: set[int] = set()
        if h.scope in ("col", "colgroup"):
            spots = [(xx, yy) for (xx, yy) in grid.slots if h.x <= xx < h.x + h.w]
        else:
            spots = [(xx, yy) for (xx, yy) in grid.slots if h.y <= yy < h.y + h.h]
        for s in spots:
            for c in grid.slots[s]:
                if c is not h:
                    got.add(id(c))
        out[id(h)] = got
    return out


def data_tables(ctx):
    """Tables and ARIA tables/grids that are exposed as tables (not layout tables, not hidden)."""
    for el in ctx.select("table, [role]", visible=False):
        role = explicit_role(el)
        if el.name == "table":
            if role in LAYOUT_ROLES or (role and role not in TABLE_ROLES):
                continue
        elif role not in TABLE_ROLES:
            continue
        if ctx.is_hidden(el):
            continue
        yield el


def _text(ctx, el: Tag) -> str:
    return norm(accessible_name(ctx, el) or el.get_text())


@check("table_header_assigned")
def table_header_assigned(ctx, rule):
    """Each visible header cell with text must be assigned to at least one other cell of its table."""
    for table in data_tables(ctx):
        grid = html_grid(table) if table.name == "table" else aria_grid(table)
        if grid.too_big or not any(c.header for c in grid.cells):
            continue
        grid.prepare()
        assigned = grid.assigned_headers() if table.name == "table" else aria_assigned(grid)
        has_data = any(not c.header for c in grid.cells)
        for h in grid.cells:
            if not h.header or ctx.is_hidden(h.el):
                continue
            text = _text(ctx, h.el)
            if not text:
                continue                  # an empty header cell (often the top-left corner): other rules
            label = text[:40]
            if assigned.get(id(h)):
                yield Verdict(PASSED, h.el)
                continue
            role = grid.header_role(h) if table.name == "table" else h.scope
            if role is None:
                yield Verdict(CANT_TELL, h.el, text=label,
                              why="行にも列にもデータセルがあり、行見出しか列見出しか決まりません。scope 属性で指定してください",
                              why_en="it has data cells both in its row and its column, so it is neither a row nor a "
                                     "column header; set scope")
            elif role in ("colgroup", "rowgroup") or grid.virtual or not has_data:
                why = ("表にデータセルがありません（スクリプトで後から追加される可能性があります）" if not has_data
                       else "表の一部しか DOM にない可能性があります（aria-rowindex など）" if grid.virtual
                       else "列グループ・行グループの見出しです")
                why_en = ("the table has no data cells (perhaps filled in later by a script)" if not has_data
                          else "only part of the table may be in the DOM (aria-rowindex …)" if grid.virtual
                          else "it is a column or row group header")
                yield Verdict(CANT_TELL, h.el, text=label, why=why, why_en=why_en)
            else:
                where = "列" if role == "col" else "行"
                where_en = "column" if role == "col" else "row"
                yield Verdict(FAILED, h.el, text=label,
                              why=f"この{where}見出しが対応するセルが1つもありません（空の{where}、または headers 属性で"
                                  f"別の見出しだけが指定されています）",
                              why_en=f"no cell is assigned to this {where_en} header (the {where_en} is empty, or "
                                     f"the cells' headers attributes name other headers only)")
