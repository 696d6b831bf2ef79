"""The web page's study ZIP (DICOMDIR + files): ours against pydicom's FileSet, same run.

A portal (in this process, SQLite) holds a synthetic study of N instances
(64x64 CT, ``--series`` series). Measured, best of ``--repeat``:

* ours: ``portal.web.zip_export.write_study_zip`` (what ``GET
  /code/studies/{uid}/zip`` runs before its first byte): the DICOMDIR from
  the index with ``dicomkit.dicomdir``, then every stored file into the ZIP;
* reference: the DICOMDIR as the portal built it before (pydicom
  ``FileSet.add`` of every header, then ``FileSet.write``), alone - without
  the files, so the ratio understates what the ZIP gained.

Run: ``.venv/bin/python bench/portal_zip.py [--count 500] [--series 4] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sqlalchemy import select  # noqa: E402 - after the path setup

from portal.access import study_instances  # noqa: E402
from portal.blobstore import blob_store_for  # noqa: E402
from portal.communities import create_community  # noqa: E402
from portal.schema import studies  # noqa: E402
from portal.web.zip_export import write_study_zip  # noqa: E402
from tests.dicom_factory import StudySpec, write_study  # noqa: E402
from tests.portal.conftest import start_portal  # noqa: E402
from tests.portal.seed import seed_study  # noqa: E402


def fileset_dicomdir(data_dir: Path, items: list, scratch: Path) -> float:
    """The previous way: pydicom FileSet over every stored header; returns seconds."""
    import pydicom
    from pydicom.fileset import FileSet

    store = blob_store_for(data_dir)
    started = time.perf_counter()
    fileset = FileSet()
    fileset.ID = "DLMGR"
    for item in items:
        with store.open(item.sha256) as handle:
            fileset.add(pydicom.dcmread(handle, stop_before_pixels=True, force=True))
    fileset.write(scratch)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--series", type=int, default=4)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="dm-bench-zip-"))
    portal = None
    try:
        portal = start_portal(work / "portal")
        create_community(portal.engine, "Bench", "bM1X")
        spec = StudySpec(patient_name="Muster^Erika", birth_date="19650412")
        files = write_study(work / "cd", spec, series=args.series,
                            per_series=args.count // args.series)
        study = seed_study(portal.engine, portal.data_dir, "bM1X", spec, files=files)
        with portal.engine.connect() as conn:
            ids = list(conn.execute(select(studies.c.id).where(
                studies.c.study_instance_uid == study.uid)).scalars())
            items = study_instances(conn, ids)
        ours = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            with open(work / "study.zip", "wb") as out:
                write_study_zip(portal.data_dir, study.uid, items, [], out)
            ours.append(time.perf_counter() - started)
        reference = []
        for n in range(args.repeat):
            scratch = work / f"fileset-{n}"
            scratch.mkdir()
            reference.append(fileset_dicomdir(portal.data_dir, items, scratch))
        result = {
            "instances": len(items), "zip_bytes": (work / "study.zip").stat().st_size,
            "ours_whole_zip_s": round(min(ours), 3),
            "reference_fileset_dicomdir_only_s": round(min(reference), 3),
            "ratio_reference_over_ours": round(min(reference) / min(ours), 1),
        }
        print(json.dumps(result, indent=2))
    finally:
        if portal is not None:
            portal.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
