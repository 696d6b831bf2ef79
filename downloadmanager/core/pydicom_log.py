"""Keep pydicom's decoder tracebacks off the terminal, without importing pydicom.

pydicom logs the full traceback of every pixel decoder that fails before it
raises; the caller reports the failure in one line anyway. The logging setup
installs this filter at start-up; :mod:`downloadmanager.core.pixels` installs
it again on import (idempotent).
"""

from __future__ import annotations

import logging


class _DecoderFailureToDebug(logging.Filter):
    """Turn pydicom's ``LOGGER.exception`` for a failing plugin into a one-line DEBUG record.

    pydicom logs the full traceback of every decoder that fails before it
    raises; the caller reports the failure anyway, so the traceback is noise
    on a terminal (and in the log file).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR and record.exc_info:
            record.levelno, record.levelname = logging.DEBUG, "DEBUG"
            record.exc_info = None
            record.exc_text = None
        return True


_FILTER = _DecoderFailureToDebug()
_PYDICOM_LOGGERS = ("pydicom", "pydicom.pixels.decoders.base", "pydicom.pixels.encoders.base",
                    "pydicom.pixels.utils")


def quiet_pydicom_decoder_log() -> None:
    """Install the filter on pydicom's loggers (idempotent; called on import of this module).

    Logger filters do not apply to records of child loggers, and the pixel
    decoders and encoders log on their own (``pydicom.pixels.*``).
    """
    for name in _PYDICOM_LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
