"""Columns and tables as the schema declares them: their DDL and their documentation."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    doc: str
    constraint: str = ""

    def ddl(self) -> str:
        return " ".join(part for part in (f"[{self.name}]", self.type, self.constraint) if part)


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    extra: tuple[str, ...] = ()
    indexes: tuple[str, ...] = field(default=())
    public: bool = True

    def ddl(self) -> list[str]:
        body = ",\n  ".join([c.ddl() for c in self.columns] + list(self.extra))
        stmts = [f"CREATE TABLE IF NOT EXISTS [{self.name}] (\n  {body}\n)"]
        stmts += [ix for ix in self.indexes]
        return stmts
