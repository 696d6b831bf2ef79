"""DICOMweb rendered resources, checked with dicomweb-client and by decoding the images."""

from __future__ import annotations

import io
import warnings

import numpy as np
import pytest
import requests
from dicomweb_client.api import DICOMwebClient
from PIL import Image
from pydicom.data import get_testdata_file
from pydicom.uid import RLELossless, generate_uid

from portal.communities import create_community
from tests.dicom_factory import StudySpec, make_ct_dataset
from tests.portal.seed import seed_study

CORPUS = ["CT_small.dcm", "JPEG2000.dcm", "SC_rgb_rle.dcm", "MR_small_jpeg_ls_lossless.dcm",
          "SC_rgb_jpeg_dcmtk.dcm", "MR_small_RLE.dcm"]


def corpus_files() -> list[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return [p for p in (get_testdata_file(n) for n in CORPUS) if p]


@pytest.fixture
def member(portal, make_user):
    create_community(portal.engine, "Radiologie Klinikum Saarbrücken", "bM1X")
    return make_user(community="bM1X")


def client_for(portal, user) -> DICOMwebClient:
    return DICOMwebClient(url=f"{portal.url}/dicomweb", headers=user.headers)


def image(data: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)))


def rendered(portal, user, path, frame: str = "") -> requests.Response:
    """Seed the one-instance study at PATH and ask for its rendered image (FRAME: "/frames/N")."""
    study = seed_study(portal.engine, portal.data_dir, "bM1X", files=[path])
    series_uid, sops = next(iter(study.series.items()))
    return requests.get(f"{portal.url}/dicomweb/studies/{study.uid}/series/{series_uid}/"
                        f"instances/{sops[0]}{frame}/rendered", headers=user.headers)


def multiframe_file(tmp_path, frames: int = 5):
    ds = make_ct_dataset(StudySpec(), series_uid=generate_uid(), rows=32, columns=32)
    ds.NumberOfFrames = frames
    stack = np.stack([np.full((32, 32), 1024 + 200 * k, dtype=np.uint16) for k in range(frames)])
    ds.PixelData = stack.tobytes()
    ds.compress(RLELossless)
    path = tmp_path / "multiframe.dcm"
    ds.save_as(path, enforce_file_format=True)
    return path


@pytest.mark.parametrize("name", CORPUS)
def test_every_decodable_corpus_file_renders_with_dicomweb_client(portal, member, name):
    path = dict(zip(CORPUS, [get_testdata_file(n) for n in CORPUS])).get(name)
    if not path:
        pytest.skip(f"{name} is not in this pydicom's test data")
    from pathlib import Path
    study = seed_study(portal.engine, portal.data_dir, "bM1X", files=[Path(path)])
    series_uid, sops = next(iter(study.series.items()))
    client = client_for(portal, member)
    jpeg = client.retrieve_instance_rendered(study.uid, series_uid, sops[0],
                                             media_types=("image/jpeg",))
    assert jpeg[:2] == b"\xff\xd8"
    pixels = image(jpeg)
    assert pixels.size and pixels.std() > 0, "a flat image"
    png = client.retrieve_instance_frames_rendered(study.uid, series_uid, sops[0], [1],
                                                   media_types=("image/png",))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_multiframe_frames_differ_and_past_the_end_is_404(portal, member, tmp_path):
    study = seed_study(portal.engine, portal.data_dir, "bM1X", files=[multiframe_file(tmp_path)])
    series_uid, sops = next(iter(study.series.items()))
    client = client_for(portal, member)
    means = []
    for n in range(1, 6):
        data = client.retrieve_instance_frames_rendered(
            study.uid, series_uid, sops[0], [n], media_types=("image/png",),
            params={"window": "400,1000,linear"})
        means.append(float(image(data).mean()))
    assert means == sorted(means) and len(set(means)) == 5
    base = f"{portal.url}/dicomweb/studies/{study.uid}/series/{series_uid}/instances/{sops[0]}"
    assert requests.get(f"{base}/frames/6/rendered", headers=member.headers).status_code == 404


def test_window_and_viewport_parameters(portal, member, tmp_path):
    from tests.web.phantom import write_ct_series
    files = write_ct_series(tmp_path / "ct", StudySpec(), count=2, size=128)
    study = seed_study(portal.engine, portal.data_dir, "bM1X", files=files)
    series_uid, sops = next(iter(study.series.items()))
    base = f"{portal.url}/dicomweb/studies/{study.uid}/series/{series_uid}/instances/{sops[0]}"
    h = member.headers
    own = requests.get(f"{base}/rendered", headers={**h, "Accept": "image/png"})
    assert own.headers["X-Window"] == "40,400"  # the file's own window
    lung = requests.get(f"{base}/rendered?window=-600,1500,linear", headers={**h, "Accept": "image/png"})
    assert lung.headers["X-Window"] == "-600,1500"
    assert not np.array_equal(image(own.content), image(lung.content))
    small = requests.get(f"{base}/rendered?viewport=64,32", headers=h)
    assert Image.open(io.BytesIO(small.content)).size == (32, 32)  # fits inside, keeps aspect
    thumb = requests.get(f"{portal.url}/dicomweb/studies/{study.uid}/series/{series_uid}/thumbnail",
                         headers=h)
    assert thumb.status_code == 200 and max(Image.open(io.BytesIO(thumb.content)).size) <= 128
    for bad in ("window=1,0,linear", "window=abc", "window=1,2,sigmoid", "viewport=0,0",
                "viewport=99999,1", "quality=0"):
        assert requests.get(f"{base}/rendered?{bad}", headers=h).status_code == 400, bad
    assert requests.get(f"{base}/rendered", headers={**h, "Accept": "image/gif"}).status_code == 406


def test_rendered_follows_the_access_rules(portal, member, make_user, tmp_path):
    from tests.web.phantom import write_ct_series
    files = write_ct_series(tmp_path / "ct", StudySpec(), count=1, size=32)
    study = seed_study(portal.engine, portal.data_dir, "bM1X", files=files)
    series_uid, sops = next(iter(study.series.items()))
    url = (f"{portal.url}/dicomweb/studies/{study.uid}/series/{series_uid}/instances/"
           f"{sops[0]}/rendered")
    create_community(portal.engine, "Andere Praxis", "zZ9Y")
    outsider = make_user(community="zZ9Y")
    assert requests.get(url).status_code == 401
    assert requests.get(url, headers=outsider.headers).status_code == 404
    assert requests.get(url, headers=member.headers).status_code == 200


def test_pixel_data_that_cannot_be_decoded_is_422_not_500(portal, member, tmp_path):
    ds = make_ct_dataset(StudySpec(), series_uid=generate_uid(), rows=64, columns=64)
    ds.PixelData = b"\x00" * 100  # far too short for 64 x 64 x 2 bytes
    path = tmp_path / "broken.dcm"
    ds.save_as(path, enforce_file_format=True)
    answer = rendered(portal, member, path)
    assert answer.status_code == 422 and answer.json()["error"] == "not_renderable"


def test_damaged_rle_pixel_data_is_422_not_500(portal, member, tmp_path):
    """RLE goes to pydicom's own decoder (pylibjpeg-rle can panic on damaged segments)."""
    import struct

    from pydicom.encaps import encapsulate, get_frame

    ds = make_ct_dataset(StudySpec(), series_uid=generate_uid(), rows=32, columns=32)
    ds.PixelData = np.arange(1024, dtype=np.uint16).reshape(32, 32).tobytes()
    ds.compress(RLELossless)
    frame = bytearray(get_frame(ds.PixelData, 0, number_of_frames=1))
    struct.pack_into("<I", frame, 8, len(frame) + 5000)  # the second segment starts past the end
    ds.PixelData = encapsulate([bytes(frame)])
    path = tmp_path / "damaged-rle.dcm"
    ds.save_as(path, enforce_file_format=True)
    answer = rendered(portal, member, path)
    assert answer.status_code == 422 and answer.json()["error"] == "not_renderable"
    # The portal goes on: an intact image of the same kind still renders.
    answer = rendered(portal, member, multiframe_file(tmp_path, frames=2), "/frames/1")
    assert answer.status_code == 200 and image(answer.content).size > 0
