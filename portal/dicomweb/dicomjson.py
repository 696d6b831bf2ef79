"""Building ``application/dicom+json`` attributes (PS3.18 Annex F) from stored rows."""

from __future__ import annotations

from fastapi.responses import JSONResponse

DICOM_JSON = "application/dicom+json"

# Attribute keywords -> (tag, VR) for everything QIDO answers with or matches on.
ATTRIBUTES = {
    "SpecificCharacterSet": ("00080005", "CS"),
    "SOPClassUID": ("00080016", "UI"),
    "SOPInstanceUID": ("00080018", "UI"),
    "StudyDate": ("00080020", "DA"),
    "StudyTime": ("00080030", "TM"),
    "AccessionNumber": ("00080050", "SH"),
    "Modality": ("00080060", "CS"),
    "ModalitiesInStudy": ("00080061", "CS"),
    "ReferringPhysicianName": ("00080090", "PN"),
    "RetrieveURL": ("00081190", "UR"),
    "StudyDescription": ("00081030", "LO"),
    "SeriesDescription": ("0008103E", "LO"),
    "AvailableTransferSyntaxUID": ("00083002", "UI"),
    "PatientName": ("00100010", "PN"),
    "PatientID": ("00100020", "LO"),
    "PatientBirthDate": ("00100030", "DA"),
    "PatientSex": ("00100040", "CS"),
    "StudyInstanceUID": ("0020000D", "UI"),
    "SeriesInstanceUID": ("0020000E", "UI"),
    "StudyID": ("00200010", "SH"),
    "SeriesNumber": ("00200011", "IS"),
    "InstanceNumber": ("00200013", "IS"),
    "NumberOfStudyRelatedSeries": ("00201206", "IS"),
    "NumberOfStudyRelatedInstances": ("00201208", "IS"),
    "NumberOfSeriesRelatedInstances": ("00201209", "IS"),
}
TAG_TO_KEYWORD = {tag: keyword for keyword, (tag, _vr) in ATTRIBUTES.items()}


def element(keyword: str, *values) -> tuple[str, dict]:
    """One DICOM JSON attribute; empty/None values give an attribute without Value."""
    tag, vr = ATTRIBUTES[keyword]
    kept = [v for v in values if v not in (None, "")]
    if not kept:
        return tag, {"vr": vr}
    if vr == "PN":
        kept = [{"Alphabetic": str(v)} for v in kept]
    elif vr == "IS":
        kept = [int(v) for v in kept]
    else:
        kept = [str(v) for v in kept]
    return tag, {"vr": vr, "Value": kept}


def dataset(**attributes) -> dict:
    """A DICOM JSON dataset from keyword arguments (value or list of values)."""
    out = {}
    for keyword, value in attributes.items():
        values = value if isinstance(value, (list, tuple)) else [value]
        tag, attr = element(keyword, *values)
        out[tag] = attr
    return dict(sorted(out.items()))


def dicom_json_response(items: list[dict], headers: dict | None = None) -> JSONResponse:
    """A QIDO/metadata answer with the DICOM JSON media type."""
    return JSONResponse(items, media_type=DICOM_JSON, headers=headers)
