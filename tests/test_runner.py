"""The row cap of kg.runner.emit: the first rows exactly as the whole answer has them, whatever
the terms hold, and a true report of whether the answer was cut; and a failure while a capped
answer is written, through the worker pool."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from kg.errors import QueryRejected
from kg.runner import Job, QueryPool, emit
from kg.store import OxigraphStore

EX = "http://example.org/"
AWKWARD = [
    ox.Literal("two\nlines\tand a tab"),
    ox.Literal('quotes " and \\ backslash'),
    ox.Literal("مرحبا", language="ar"),
    ox.Literal("1.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
    ox.Literal("line\r\nbreak\u2028sep"),
    ox.NamedNode(EX + "é?q=1#frag"),
    ox.BlankNode("b1"),
]


def _store() -> ox.Store:
    store = ox.Store()
    for index, value in enumerate(AWKWARD):
        subject = ox.NamedNode(f"{EX}s{index}")
        store.add(ox.Quad(subject, ox.NamedNode(EX + "v"), value))
        store.add(ox.Quad(subject, ox.NamedNode(EX + "i"), ox.Literal(str(index),
                  datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer"))))
    return store


def _run(store: ox.Store, query: str, cap: int, output: str = "JSON") -> tuple[list[Any], bytes]:
    head: list[Any] = []
    out = io.BytesIO()
    emit(store.query(query), Job("", query, output, cap), lambda *h: head.extend(h), out, {})
    return head, out.getvalue()


def _rows(body: bytes, fmt: ox.QueryResultsFormat) -> list[list[str | None]]:
    if fmt == ox.QueryResultsFormat.CSV:  # lossy, so Oxigraph does not read it: the records
        return [list(record) for record in csv.reader(io.StringIO(body.decode("utf-8")))][1:]
    solutions = ox.parse_query_results(body, fmt)
    names = [v.value for v in solutions.variables]
    return [[None if s[n] is None else str(s[n]) for n in names] for s in solutions]


QUERY = (f"SELECT ?s ?v ?none WHERE {{ ?s <{EX}v> ?v ; <{EX}i> ?i "
         f"OPTIONAL {{ ?s <{EX}missing> ?none }} }} ORDER BY ?i")


@pytest.mark.parametrize("cap", [1, 3, len(AWKWARD) - 1, len(AWKWARD), len(AWKWARD) + 5])
@pytest.mark.parametrize("output", ["JSON", "XML", "CSV", "TSV"])
def test_a_capped_answer_is_the_head_of_the_whole_answer(cap: int, output: str) -> None:
    store = _store()
    fmt = getattr(ox.QueryResultsFormat, output)
    whole = _rows(store.query(QUERY).serialize(format=fmt), fmt)  # type: ignore[union-attr]
    head, body = _run(store, QUERY, cap, output)
    assert _rows(body, fmt) == whole[:cap]
    assert head == ["solutions", min(cap, len(AWKWARD)), cap < len(AWKWARD)]


def test_no_rows_and_no_variables() -> None:
    store = _store()
    head, body = _run(store, f"SELECT ?s WHERE {{ ?s <{EX}absent> ?o }}", 5)
    assert head == ["solutions", 0, False] and _rows(body, ox.QueryResultsFormat.JSON) == []
    head, body = _run(store, "SELECT * WHERE { }", 5)  # one solution that binds nothing
    assert head == ["solutions", 1, False]
    assert _rows(body, ox.QueryResultsFormat.JSON) == [[]]


def test_a_huge_answer_is_not_written_whole_to_cut_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """Oxigraph stops writing once the cap is passed: the TSV it wrote is a sliver of the whole."""
    import kg.runner

    store = ox.Store()
    store.extend(ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal("x" * 50))
                 for i in range(20_000))
    written: list[int] = []
    real = kg.runner._FirstLines.write
    monkeypatch.setattr(kg.runner._FirstLines, "write",
                        lambda self, data: (written.append(len(data)), real(self, data))[1])
    head, body = _run(store, "SELECT * WHERE { ?s ?p ?o }", 10)
    whole = len(store.query("SELECT * WHERE { ?s ?p ?o }").serialize(  # type: ignore[union-attr]
        format=ox.QueryResultsFormat.TSV))
    assert head == ["solutions", 10, True] and len(body) < 5_000
    assert 0 < sum(written) < whole // 10


def test_a_failure_while_a_capped_answer_is_written_is_reported_and_frees_the_worker(
        tmp_path: Path) -> None:
    """The worker writes a capped answer whole before sending it, so a failure while it
    writes (here a format it does not know) sends nothing but the error, and the same
    worker then answers the next query."""
    path = tmp_path / "store"
    built = OxigraphStore.create(path, {})
    built.extend([ox.Quad(ox.NamedNode("http://example.org/s"), ox.NamedNode("http://example.org/p"),
                          ox.Literal("o"))])
    built.flush()
    del built
    pool = QueryPool(1, 60, {})
    try:
        with pytest.raises(QueryRejected) as failed:
            pool.run(Job(str(path), "SELECT ?o WHERE { ?s ?p ?o }", "NO_SUCH_FORMAT", 10))
        assert (failed.value.status, failed.value.code) == (500, "internal")
        worker = next(iter(pool._all))
        answer = pool.run(Job(str(path), "SELECT ?o WHERE { ?s ?p ?o }", "JSON", 10))
        assert (answer.kind, answer.rows, answer.truncated) == ("solutions", 1, False)
        assert json.loads(b"".join(answer.chunks))["results"]["bindings"][0]["o"]["value"] == "o"
        assert pool._all == {worker}  # kept, not replaced
    finally:
        pool.close()
