"""gzip when asked: pages and documents are compressed, dumps never re-compressed."""

from __future__ import annotations

import gzip

import pytest


@pytest.mark.parametrize(
    "path",
    [
        "/page/person/wang-ping",
        "/data/person/wang-ping.ttl",
        "/data/person/wang-ping.jsonld",
        "/",
        "/dataset.ttl",
    ],
)
def test_gzip_when_asked(client, path) -> None:
    plain = client.get(path)
    zipped = client.get(path, headers={"Accept-Encoding": "gzip, deflate"})
    assert zipped.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.vary and "Accept-Encoding" in plain.vary
    assert "Content-Encoding" not in plain.headers
    assert gzip.decompress(zipped.get_data()) == plain.get_data()
    assert int(zipped.headers["Content-Length"]) == len(zipped.get_data())


def test_conditional_get_works_with_gzip(client) -> None:
    """The gzipped answer's ETag is weak; sending it back still gets 304."""
    first = client.get("/data/person/wang-ping.ttl", headers={"Accept-Encoding": "gzip"})
    etag = first.headers["ETag"]
    assert etag.startswith('W/"')
    again = client.get(
        "/data/person/wang-ping.ttl", headers={"Accept-Encoding": "gzip", "If-None-Match": etag}
    )
    assert again.status_code == 304


@pytest.mark.parametrize("name", ["dataset.nt.gz", "dataset.ttl"])
def test_dumps_are_not_recompressed(client, name) -> None:
    with client.get(f"/dumps/{name}", headers={"Accept-Encoding": "gzip"}) as response:
        assert "Content-Encoding" not in response.headers
        data = response.get_data()
    if name.endswith(".gz"):
        assert gzip.decompress(data).startswith(b"<")
    else:
        assert data.startswith(b"@prefix") or data[:1] in (b"<", b"#", b"@")


def test_no_gzip_for_identity_clients(client) -> None:
    response = client.get("/page/person/wang-ping", headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
