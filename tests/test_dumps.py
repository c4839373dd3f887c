"""``/dumps/``: the listing (HTML and JSON) and the files: checksums, ranges, a round trip."""

from __future__ import annotations

import gzip
import hashlib
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from kg.build import CURRENT

# rdflib 7 deprecates parts of its own Dataset.parse; they are not ours to fix
pytestmark = [
    pytest.mark.filterwarnings("ignore:Dataset.*is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

EXPECTED_FILES = {"dataset.ttl", "dataset.nt.gz", "dataset.nq.gz", "dataset.trig"}


@pytest.fixture(scope="module")
def listing(app) -> list[dict]:
    response = app.test_client().get("/dumps/", headers={"Accept": "application/json"})
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    return response.get_json()["dumps"]


@pytest.fixture(scope="module")
def dumps_dir(seed_settings) -> Path:
    return seed_settings.build_dir / CURRENT / "dumps"


def download(client, filename: str) -> bytes:
    with client.get(f"/dumps/{filename}") as response:  # closes the served file
        assert response.status_code == 200, filename
        return response.get_data()


def count(filename: str, data: bytes) -> int:
    """Triples (or quads, for dataset formats) in a dump's bytes, as rdflib reads them."""
    if filename.endswith(".gz"):
        data = gzip.decompress(data)
    if filename.startswith("dataset.nq") or filename.endswith(".trig"):
        dataset = Dataset()
        dataset.parse(data=data, format="nquads" if ".nq" in filename else "trig")
        return len(list(dataset.quads((None, None, None, None))))
    return len(Graph().parse(data=data, format="nt" if ".nt" in filename else "turtle"))


def test_json_listing_names_every_dump(listing, dumps_dir) -> None:
    """The JSON listing has every dump file there is, and nothing else."""
    names = {d["filename"] for d in listing}
    assert names == EXPECTED_FILES
    assert names == {p.name for p in dumps_dir.iterdir() if p.is_file()}


def test_listing_sizes_and_checksums_match_files(listing, dumps_dir) -> None:
    """Each listed size and SHA-256 is the size and SHA-256 of the file on disk."""
    for dump in listing:
        path = dumps_dir / dump["filename"]
        assert dump["bytes"] == path.stat().st_size
        assert dump["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_downloads_match_listing(client, listing) -> None:
    """Downloaded bytes have the listed size and SHA-256, and the listed triple count."""
    for dump in listing:
        data = download(client, dump["filename"])
        assert len(data) == dump["bytes"]
        assert hashlib.sha256(data).hexdigest() == dump["sha256"]
        assert count(dump["filename"], data) == dump["triples"], dump["filename"]


def test_html_listing_matches_json(client, listing) -> None:
    """The HTML table shows, per dump, a download link, size, triple count and SHA-256."""
    response = client.get("/dumps/", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    soup = BeautifulSoup(response.get_data(as_text=True), "html.parser")
    rows = soup.select("table.dumps:not(.releases) tbody tr")
    assert len(rows) == len(listing)
    by_name = {d["filename"]: d for d in listing}
    for row in rows:
        cells = row.find_all("td")
        link = cells[0].find("a")
        dump = by_name[link.get_text(strip=True)]
        assert link["href"] == f"/dumps/{dump['filename']}"
        assert int(cells[2].get_text(strip=True).split()[0].replace(",", "")) == dump["bytes"]
        assert int(cells[3].get_text(strip=True).replace(",", "")) == dump["triples"]
        assert cells[4].get_text(strip=True) == dump["sha256"]


def test_turtle_dump_headers(client, listing) -> None:
    """dataset.ttl is served as text/turtle with Content-Length, ETag and Accept-Ranges."""
    with client.get("/dumps/dataset.ttl") as response:
        assert response.status_code == 200
        assert response.mimetype == "text/turtle"
        entry = next(d for d in listing if d["filename"] == "dataset.ttl")
        assert int(response.headers["Content-Length"]) == entry["bytes"]
        assert response.headers["ETag"]
        assert response.headers["Accept-Ranges"] == "bytes"
        assert "attachment" in response.headers["Content-Disposition"]


def test_gzipped_dump_is_served_as_gzip(client) -> None:
    """A .gz dump is application/gzip and gunzips to N-Triples."""
    with client.get("/dumps/dataset.nt.gz") as response:
        assert response.mimetype == "application/gzip"
        assert gzip.decompress(response.get_data()).startswith(b"<")


def test_range_request(client) -> None:
    """A Range request gets 206 with exactly the bytes asked for and a Content-Range."""
    whole = download(client, "dataset.ttl")
    with client.get("/dumps/dataset.ttl", headers={"Range": "bytes=100-199"}) as response:
        assert response.status_code == 206
        assert response.get_data() == whole[100:200]
        assert response.headers["Content-Range"] == f"bytes 100-199/{len(whole)}"


def test_suffix_range_request(client) -> None:
    """A suffix range (the last 50 bytes) works too, for resuming downloads."""
    whole = download(client, "dataset.ttl")
    with client.get("/dumps/dataset.ttl", headers={"Range": "bytes=-50"}) as response:
        assert response.status_code == 206
        assert response.get_data() == whole[-50:]


def test_conditional_download(client) -> None:
    """If-None-Match with the dump's ETag is 304 (no re-download of an unchanged dump)."""
    with client.get("/dumps/dataset.ttl") as response:
        etag = response.headers["ETag"]
    with client.get("/dumps/dataset.ttl", headers={"If-None-Match": etag}) as response:
        assert response.status_code == 304


@pytest.mark.parametrize("name", ["nope.ttl", "manifest.json", "..%2Fmanifest.json",
                                  "dataset.ttl.bak"])
def test_unknown_dump_is_404(client, name) -> None:
    """A file that is not a listed dump is 404 (and nothing outside the dumps is served)."""
    response = client.get(f"/dumps/{name}", headers={"Accept": "application/json"})
    assert response.status_code == 404
    assert response.get_json()["error"] == "not_found"


def test_turtle_dump_round_trips_through_the_endpoint(client) -> None:
    """The Turtle dump holds exactly the triples of the dataset's graphs, as the endpoint
    returns them merged (FROM each graph: a remote store may hold graphs of its own too)."""
    dump = Graph().parse(data=download(client, "dataset.ttl"), format="turtle")
    dataset = Dataset()
    dataset.parse(data=gzip.decompress(download(client, "dataset.nq.gz")), format="nquads")
    graphs = sorted(str(g.identifier) for g in dataset.graphs() if len(g))
    froms = " ".join(f"FROM <{g}>" for g in graphs)
    everything = f"CONSTRUCT {{ ?s ?p ?o }} {froms} WHERE {{ ?s ?p ?o }}"
    response = client.get("/sparql", query_string={"query": everything},
                          headers={"Accept": "application/n-triples"})
    assert response.status_code == 200
    endpoint = Graph().parse(data=response.get_data(as_text=True), format="nt")
    assert len(dump) == len(endpoint) > 0
    assert isomorphic(dump, endpoint)


def test_quad_dump_keeps_one_graph_per_release(client, seed_settings) -> None:
    """The N-Quads dump has the seed release's named graph and the ontology graph."""
    dataset = Dataset()
    dataset.parse(data=gzip.decompress(download(client, "dataset.nq.gz")), format="nquads")
    graphs = {str(g.identifier) for g in dataset.graphs() if len(g)}
    base = seed_settings.base_uri
    assert {base + "graph/000-634751f1f0fbc018", base + "graph/ontology"} <= graphs


def test_per_release_dumps_are_listed_and_served(client, listing) -> None:
    """Each release graph has a Turtle dump in the listing (JSON and HTML) with its checksum."""
    response = client.get("/dumps/", headers={"Accept": "application/json"})
    per_release = response.get_json()["release_dumps"]
    assert [d["filename"] for d in per_release] == ["releases/000-634751f1f0fbc018.ttl"]
    dump = per_release[0]
    data = download(client, dump["filename"])
    assert hashlib.sha256(data).hexdigest() == dump["sha256"] and len(data) == dump["bytes"]
    assert len(Graph().parse(data=data, format="turtle")) == dump["triples"] > 0
    html = client.get("/dumps/", headers={"Accept": "text/html"}).get_data(as_text=True)
    assert 'href="/dumps/releases/000-634751f1f0fbc018.ttl"' in html
    with client.get("/dumps/releases/000-634751f1f0fbc018.ttl") as served:
        assert served.mimetype == "text/turtle"
        assert int(served.headers["Content-Length"]) == dump["bytes"]
    missing = client.get("/dumps/releases/nope.ttl", headers={"Accept": "application/json"})
    assert missing.status_code == 404
