"""DICOMweb (QIDO-RS search, WADO-RS retrieve) over the studies a token may see.

Mounted under ``/dicomweb/``. Works with standard clients such as
``dicomweb-client``; details and deviations in ``docs/portal.md``.
"""

from __future__ import annotations

from fastapi import APIRouter

from portal.dicomweb import qido, rendered, wado

router = APIRouter()
router.include_router(qido.router)
router.include_router(wado.router)
router.include_router(rendered.router)
