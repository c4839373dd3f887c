"""A remote SPARQL 1.1 store (Virtuoso, Fuseki, Oxigraph server, GraphDB …), spoken to by the standards.

Queries go out with SPARQLWrapper under the SPARQL 1.1 Protocol; loading uses
SPARQL 1.1 Update. Answers come back as pyoxigraph terms, the same as from the
embedded store, so code above the store cannot tell which one answers.
Values are bound the same way as for the embedded store: never formatted into
the query text, but placed with a VALUES clause built from terms' N-Triples form.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import pyoxigraph as ox
import requests
from requests.auth import HTTPDigestAuth
from SPARQLWrapper import DIGEST, JSON, POST, TURTLE, SPARQLWrapper
from SPARQLWrapper.SPARQLExceptions import QueryBadFormed, SPARQLWrapperException

from kg.errors import KgError, QueryRejected, QueryTimeout
from kg.runner import Answer, Job, emit
from kg.sparql import bind, blank_out, check, deep_check
from kg.store import Answers, Term

MAX_REMOTE_QUERY = 100_000  # characters; rdflib's parser runs in the web process
DEADLOCK_RETRIES = 8  # a store that picks our update as a deadlock victim rolled it back: send it again


class RemoteStoreError(KgError):
    """The remote store could not be reached or refused a request."""

    exit_code = 2
    code = "remote_store"


@dataclass(frozen=True)
class Endpoint:
    """Where the remote store answers, and with which credentials (from the environment)."""

    query_url: str
    update_url: str | None = None
    user: str | None = None
    password: str | None = None
    timeout: float = 30.0


def _safe_blank_nodes(body: bytes) -> bytes:
    """SPARQL JSON results with blank-node labels made valid (Virtuoso sends 'nodeID://b1').

    >>> body = b'{"results":{"bindings":[{"o":{"type":"bnode","value":"nodeID://b1"}}]}}'
    >>> _safe_blank_nodes(body)
    b'{"results": {"bindings": [{"o": {"type": "bnode", "value": "bd4c5fcb32af942c3"}}]}}'
    """
    if b'"bnode"' not in body:
        return body
    document = json.loads(body)
    for binding in document.get("results", {}).get("bindings", []):
        for value in binding.values():
            if value.get("type") == "bnode":
                value["value"] = "b" + hashlib.sha1(value["value"].encode("utf-8")).hexdigest()[:16]
    return json.dumps(document).encode("utf-8")


def set_query(wrapper: SPARQLWrapper, query: str) -> None:
    """Give SPARQLWrapper the query with its form as our own reading of it says.

    SPARQLWrapper guesses the form from the first of its keywords it finds, anywhere in a word
    ('task' reads as ASK), after removing only every other line of a block of comments; a
    SELECT whose comments say CONSTRUCT was then sent asking for any format (``*/*``) and its
    answer failed to parse.
    """
    wrapper.setQuery(query)
    form = check(query).form
    if form in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        wrapper.queryType = form


def _short(err: Exception, limit: int = 400) -> str:
    """An error in a sentence, not the whole request echoed back by the store."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[:limit] + " …"


class RemoteStore(Answers):
    """The Store protocol over HTTP to a SPARQL 1.1 endpoint."""

    stable_order = False  # no promise about the order of answers: pages need ORDER BY

    def __init__(self, endpoint: Endpoint, prefixes: Mapping[str, str] | None = None) -> None:
        self.endpoint = endpoint
        self.prefixes = dict(prefixes or {})
        self._local = threading.local()  # one HTTP session per loading thread

    def _prologue(self, query: str = "") -> str:
        """PREFIX lines for our prefixes that the query does not declare itself.

        The embedded store predeclares them; a remote store must be told.
        """
        declared = {m.lower() for m in re.findall(r"PREFIX\s+([\w.-]*)\s*:", blank_out(query),
                                                   re.IGNORECASE)}
        return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in self.prefixes.items()
                       if p.lower() not in declared)

    def _wrapper(self, url: str, authenticate: bool = False) -> SPARQLWrapper:
        """Credentials go only with updates: public queries never carry the loading account."""
        wrapper = SPARQLWrapper(url)
        wrapper.setTimeout(int(self.endpoint.timeout))
        if authenticate and self.endpoint.user:
            wrapper.setHTTPAuth(DIGEST)
            wrapper.setCredentials(self.endpoint.user, self.endpoint.password or "")
        return wrapper

    def _ask_remote(self, query: str, return_format: str) -> bytes:
        wrapper = self._wrapper(self.endpoint.query_url)
        set_query(wrapper, self._prologue(query) + query)
        wrapper.setMethod(POST)
        wrapper.setReturnFormat(return_format)
        try:
            return bytes(wrapper.query().response.read())
        except QueryBadFormed as err:
            raise QueryRejected(f"the remote store refused the query: {_short(err)}") from None
        except (SPARQLWrapperException, OSError) as err:
            raise RemoteStoreError(f"{self.endpoint.query_url}: {_short(err)}") from None

    def run(self, query: str, bindings: Mapping[str, Term] | None = None
            ) -> ox.QuerySolutions | ox.QueryTriples | ox.QueryBoolean | list[ox.Triple]:
        text = bind(query, bindings)
        if check(text).returns_graph:
            body = self._ask_remote(text, TURTLE)
            return [ox.Triple(q.subject, q.predicate, q.object)
                    for q in ox.parse(body, ox.RdfFormat.TURTLE)]
        body = _safe_blank_nodes(self._ask_remote(text, JSON))
        return ox.parse_query_results(body, ox.QueryResultsFormat.JSON)

    def update(self, update: str) -> None:
        """Run a SPARQL 1.1 Update on the store's update endpoint (loading only).

        The request goes out with ``requests`` rather than SPARQLWrapper: SPARQLWrapper scans
        the whole text with regular expressions to guess the query type (a third of a publish's
        time on the client), and urllib's digest handler sends every body twice (first without
        credentials, then again after the 401). A session per thread keeps the connection open
        and answers the digest challenge pre-emptively after the first request.
        A deadlock (SQLSTATE 40001: the store rolled the request back) is retried.
        """
        self._post_update(data=update.encode("utf-8"),
                          headers={"Content-Type": "application/sparql-update; charset=utf-8"})

    def update_with_file(self, update: str, name: str, content: bytes, media_type: str) -> None:
        """Run an update sent as an HTML form (``multipart/form-data``) with a file beside it.

        For Virtuoso's loader path (``KG_PUBLISH_METHOD=virtuoso``): the update reads the file
        with ``bif:http_param(name)``, so megabytes of data are never lexed as a SPARQL
        literal (Virtuoso's SPARQL compiler is slower than its INSERT DATA on a long literal).
        This is Virtuoso's, not the SPARQL 1.1 Protocol's (which knows urlencoded forms only):
        it reads ``update=`` from a multipart form too, which spares encoding the file.
        """
        self._post_update(files={"update": (None, update.encode("utf-8"), "application/sparql-update"),
                                 name: (None, content, media_type)})

    def _post_update(self, **request: Any) -> None:
        """POST one update request; a deadlock victim (rolled back whole) is sent again."""
        if not self.endpoint.update_url:
            raise RemoteStoreError("no update endpoint: set KG_SPARQL_UPDATE_URL")
        for attempt in range(DEADLOCK_RETRIES + 1):
            try:
                answer = self._session().post(
                    self.endpoint.update_url, timeout=self.endpoint.timeout, **request)
            except requests.RequestException as err:
                raise RemoteStoreError(
                    f"{self.endpoint.update_url}: update failed: {_short(err)}") from None
            if answer.ok:
                return
            if _deadlocked(answer) and attempt < DEADLOCK_RETRIES:
                time.sleep(0.05 * (attempt + 1))
                continue
            raise RemoteStoreError(f"{self.endpoint.update_url}: update failed: HTTP "
                                   f"{answer.status_code}: {_short(Exception(answer.text))}")

    def _session(self) -> requests.Session:
        """This thread's HTTP session to the update endpoint (requests sessions are not
        shared between threads), with the loading account's digest credentials."""
        session: requests.Session | None = getattr(self._local, "session", None)
        if session is None:
            session = requests.Session()
            if self.endpoint.user:
                session.auth = HTTPDigestAuth(self.endpoint.user, self.endpoint.password or "")
            self._local.session = session
        return session


def _deadlocked(answer: requests.Response) -> bool:
    """True when the store rolled the request back as a deadlock victim (Virtuoso: 40001)."""
    return answer.status_code in (409, 500, 503) and (
        "40001" in answer.text[:2000] or "deadlock" in answer.text[:2000].lower())


def _answer(body: bytes, graph: bool, job: Job, prefixes: dict[str, str]) -> Answer:
    """The remote answer parsed and written again by :func:`kg.runner.emit`.

    A function of its own so that the parsed answer (a pyoxigraph object that must be freed
    on the thread that made it) lives in no frame of ``RemoteRunner.run``: the local parse
    (rdflib's pyparsing) leaves reference cycles that hold that frame until the garbage
    collector frees them, on whichever thread it then runs.
    """
    result: Any
    if graph:
        result = (ox.Triple(q.subject, q.predicate, q.object)
                  for q in ox.parse(body, ox.RdfFormat.TURTLE))
    else:
        result = ox.parse_query_results(_safe_blank_nodes(body), ox.QueryResultsFormat.JSON)
    head: list[Any] = []
    out = io.BytesIO()
    emit(result, job, lambda *h: head.extend(h), out, prefixes)
    kind, rows, truncated = head
    return Answer(kind, rows, truncated, iter([out.getvalue()]))


class RemoteRunner:
    """Runs endpoint queries on the remote store, with the same answers as the worker pool.

    The remote answer is parsed and written again by :func:`kg.runner.emit`, so the row cap,
    its report and the output formats are exactly those of the embedded store. The time
    limit is the HTTP timeout; the remote store stops its own work by its own settings.
    """

    def __init__(self, store: RemoteStore, timeout: float) -> None:
        self.store = store
        self.timeout = timeout

    def run(self, job: Job) -> Answer:
        graph = check(job.query).returns_graph
        self._parse_locally(job.query)
        wrapper = self.store._wrapper(self.store.endpoint.query_url)
        wrapper.setTimeout(max(1, int(self.timeout)))
        set_query(wrapper, self.store._prologue(job.query) + job.query)
        wrapper.setMethod(POST)
        wrapper.setReturnFormat(TURTLE if graph else JSON)
        for name in job.default_graphs or ():
            wrapper.addDefaultGraph(name)
        for name in job.named_graphs or ():
            wrapper.addNamedGraph(name)
        try:
            body = wrapper.query().response.read()
        except QueryBadFormed as err:
            raise QueryRejected(f"the remote store refused the query: {_short(err)}") from None
        except TimeoutError:
            raise QueryTimeout(f"the query ran longer than the limit of {self.timeout:g} s "
                               "(KG_QUERY_TIMEOUT) and was stopped") from None
        except (SPARQLWrapperException, OSError) as err:
            raise RemoteStoreError(f"{self.store.endpoint.query_url}: {_short(err)}") from None
        return _answer(body, graph, job, self.store.prefixes)

    def _parse_locally(self, query: str) -> None:
        """Parse (never evaluate) the query here: the remote store would do any SERVICE fetch,
        so a SERVICE anywhere in the parse tree is refused; syntax errors say where."""
        if len(query) > MAX_REMOTE_QUERY:
            raise QueryRejected(f"queries for the remote store are limited to {MAX_REMOTE_QUERY} "
                                "characters", status=413, code="query_too_large")
        deep_check(query, self.store._prologue(query))

    def close(self) -> None:
        """Nothing to stop: the remote store runs by itself."""
