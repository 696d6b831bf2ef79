"""Every decodable pixel-data file of pydicom's corpus gets a thumbnail (all common compressions)."""

from __future__ import annotations

import numpy as np

from downloadmanager.core.pixels import can_decode, decoder_status
from downloadmanager.core.thumbnails import thumbnail_from_source
from tests.codecs.corpus import REQUIRED_SYNTAXES, decodable_files


def test_every_common_compression_has_a_decoder():
    status = decoder_status()
    assert all(status[ts] for ts in REQUIRED_SYNTAXES), status


def test_corpus_covers_the_cd_syntaxes():
    syntaxes = {f.transfer_syntax for f in decodable_files()}
    assert REQUIRED_SYNTAXES <= syntaxes, REQUIRED_SYNTAXES - syntaxes


def test_every_decodable_corpus_file_gets_a_thumbnail():
    files = decodable_files()
    assert len(files) >= 60
    missing = []
    for f in files:
        assert can_decode(f.transfer_syntax)
        thumb = thumbnail_from_source(f.path, 64)
        if thumb is None:
            missing.append(f.path.name)
            continue
        assert thumb.dtype == np.uint8 and max(thumb.shape[:2]) == 64
    assert not missing, missing


def test_decoder_failure_is_one_debug_line_not_a_traceback(caplog):
    """pydicom logs a traceback at ERROR for a failing plugin; the client turns it into DEBUG."""
    import logging

    from pydicom.data import get_testdata_file

    import downloadmanager.core.pixels  # noqa: F401 - installs the filter

    broken = get_testdata_file("JPEG-lossy.dcm")  # known-broken 12-bit JPEG in pydicom's corpus
    caplog.set_level(logging.DEBUG)
    assert thumbnail_from_source(broken) is None
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [r for r in caplog.records if r.name.startswith("pydicom") and r.exc_info]
