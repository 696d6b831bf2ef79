"""The tus client against a third-party server: @tus/server with its file store (npm)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from downloadmanager.core.transfers.bundle import VirtualBundle, build_manifest
from downloadmanager.core.transfers.errors import JobControlInterrupt
from downloadmanager.core.transfers.model import JobItem
from downloadmanager.core.transfers.tus_client import TusClient
from tests.tcp_proxy import TcpProxy
from tests.upload.conftest import MemoryUrlStore, items_of, study_source

KIB = 1024


@pytest.fixture
def bundle(tmp_path):
    study = study_source(tmp_path / "medium", series=2, per_series=5, rows=256, columns=256)
    items = []
    for item in items_of(study):
        data = Path(item.source_path).read_bytes()
        items.append(JobItem(**{**item.__dict__, "sha256": hashlib.sha256(data).hexdigest()}))
    manifest = build_manifest(study_instance_uid=study.study_instance_uid, note=None, items=items)
    return VirtualBundle.for_items(manifest, items)


def _stored(directory: Path, url: str) -> bytes:
    return (directory / urlsplit(url).path.rsplit("/", 1)[-1]).read_bytes()


def _no_sleep(seconds):
    pass


def test_upload_arrives_byte_for_byte_in_chunks(node_tus, bundle):
    endpoint, directory = node_tus
    client = TusClient(endpoint, chunk_size=200 * KIB, piece_size=32 * KIB)
    store = MemoryUrlStore()
    seen = []
    url = client.upload(bundle, store, {"community": "bM1X"}, on_progress=seen.append)
    assert store.saved == [url]
    assert _stored(directory, url) == bundle.read(0, len(bundle))
    assert seen[-1] == len(bundle)
    assert len(seen) >= len(bundle) // (200 * KIB)
    assert client.bytes_sent == len(bundle)
    assert client.capabilities().checksum is None  # @tus/server has no checksum extension


def test_resume_after_stop_sends_nothing_twice(node_tus, bundle):
    endpoint, directory = node_tus
    store = MemoryUrlStore()
    chunks = []

    def stop_after_three():
        chunks.append(1)
        if len(chunks) == 4:
            raise JobControlInterrupt("paused")

    first = TusClient(endpoint, chunk_size=100 * KIB)
    with pytest.raises(JobControlInterrupt):
        first.upload(bundle, store, {"community": "bM1X"}, between_chunks=stop_after_three)
    assert first.bytes_sent == 300 * KIB
    second = TusClient(endpoint, chunk_size=100 * KIB)  # e.g. after a restart
    url = second.upload(bundle, store, {"community": "bM1X"})
    assert store.saved == [url]
    assert second.bytes_sent == len(bundle) - 300 * KIB
    assert _stored(directory, url) == bundle.read(0, len(bundle))


def test_connections_cut_every_few_hundred_kib(node_tus, bundle):
    endpoint, directory = node_tus
    port = urlsplit(endpoint).port
    chunk = 128 * KIB
    with TcpProxy(("127.0.0.1", port), cut_every=300 * KIB, delay_up=0.002) as proxy:
        client = TusClient(f"http://127.0.0.1:{proxy.port}/uploads/", chunk_size=chunk,
                           sleep=_no_sleep)
        store = MemoryUrlStore()
        url = client.upload(bundle, store, {"community": "bM1X"})
        assert proxy.cuts >= 2
    assert _stored(directory, url.replace(str(proxy.port), str(port))) == \
        bundle.read(0, len(bundle))
    # Every cut loses at most the chunk in flight.
    assert client.bytes_sent <= len(bundle) + proxy.cuts * chunk


def test_unknown_upload_url_starts_a_new_upload(node_tus, bundle):
    endpoint, directory = node_tus
    store = MemoryUrlStore(endpoint + "0123456789abcdef")
    url = TusClient(endpoint, chunk_size=512 * KIB).upload(bundle, store, {"community": "bM1X"})
    assert url != endpoint + "0123456789abcdef"
    assert store.saved == [url]
    assert _stored(directory, url) == bundle.read(0, len(bundle))


def test_terminate_removes_the_upload(node_tus, bundle):
    endpoint, _ = node_tus
    client = TusClient(endpoint)
    url = client.create(len(bundle), {"community": "bM1X"})
    assert client.server_offset(url) == 0
    assert client.terminate(url)
    head = requests.head(url, headers={"Tus-Resumable": "1.0.0"})
    assert head.status_code in (404, 410)


def test_a_small_rest_goes_with_the_last_chunk(node_tus, bundle):
    """Fixed chunks of C with a rest of at most C/4 (within the largest chunk): no extra
    request for the rest; a fixed chunk size is never exceeded."""
    endpoint, directory = node_tus
    length = len(bundle)
    chunk = (length - 20 * KIB) // 3 // (4 * KIB) * (4 * KIB)  # three chunks and a small rest
    rest = length - 3 * chunk
    assert 0 < rest <= chunk // 4
    offsets: list[int] = []
    grown = TusClient(endpoint, chunk_size=chunk, max_chunk_size=2 * chunk)
    grown._after_success = lambda *args: None  # keep the chunk size fixed at CHUNK
    url = grown.upload(bundle, MemoryUrlStore(), {"community": "bM1X"},
                       on_progress=offsets.append)
    assert offsets == [0, chunk, 2 * chunk, length]  # the rest went with the third chunk
    assert _stored(directory, url) == bundle.read(0, length)

    offsets.clear()
    fixed = TusClient(endpoint, chunk_size=chunk)  # max = chunk: never larger
    fixed.upload(bundle, MemoryUrlStore(), {"community": "bM1X"}, on_progress=offsets.append)
    assert offsets == [0, chunk, 2 * chunk, 3 * chunk, length]
