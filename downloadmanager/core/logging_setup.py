"""The program's log: a rotating file in the per-user logs folder, plus stderr for the CLI.

Both the window and the command line call :func:`configure_logging` once at
start. The file keeps the last few megabytes (5 files of 1 MB) so a
support question can be answered from it; the Settings page shows it.

Privacy: modules log counts, states, error types and file *positions*, never
patient names, IDs or birth dates, access codes or passwords. Tests run a
scan and a download and search the log for the test patient's data.
"""

from __future__ import annotations

import logging
import logging.handlers
import sys
from pathlib import Path

from downloadmanager.core import paths

LOG_FILE_NAME = "downloadmanager.log"
MAX_BYTES = 1_000_000
BACKUPS = 4
FILE_FORMAT = "%(asctime)s %(levelname)-7s %(name)s [%(threadName)s]: %(message)s"
CONSOLE_FORMAT = "%(levelname)s %(name)s: %(message)s"

_HANDLER_NAME = "downloadmanager-file"


def log_file_path() -> Path:
    """The current log file (``downloadmanager.log`` in the logs folder)."""
    return paths.logs_dir() / LOG_FILE_NAME


def configure_logging(*, verbose: bool = False, console: bool = True,
                      file_level: int = logging.INFO) -> Path | None:
    """Log to the rotating file (INFO and up) and, with CONSOLE, warnings to stderr.

    VERBOSE shows DEBUG on stderr and in the file. Calling it again replaces
    the handlers it installed before (tests and a language switch may call it
    twice). Returns the log file, or None when the logs folder is not writable
    (the program still runs, logging to stderr only).
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if handler.get_name() in (_HANDLER_NAME, _HANDLER_NAME + "-console"):
            root.removeHandler(handler)
            handler.close()
    root.setLevel(logging.DEBUG if verbose else min(file_level, logging.INFO))
    path: Path | None = None
    try:
        path = log_file_path()  # creates the logs folder, which may fail too
        file_handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8", delay=True)
    except OSError as exc:
        print(f"downloadmanager: cannot write the log file ({exc}); logging to stderr only",
              file=sys.stderr)
        path = None
    else:
        file_handler.set_name(_HANDLER_NAME)
        file_handler.setLevel(logging.DEBUG if verbose else file_level)
        file_handler.setFormatter(logging.Formatter(FILE_FORMAT))
        root.addHandler(file_handler)
    if console:
        stream = logging.StreamHandler(sys.stderr)
        stream.set_name(_HANDLER_NAME + "-console")
        stream.setLevel(logging.DEBUG if verbose else logging.WARNING)
        stream.setFormatter(logging.Formatter(CONSOLE_FORMAT))
        root.addHandler(stream)
    # Third-party chatter stays out of the file unless asked for.
    for noisy in ("urllib3", "PIL", "fontTools", "fpdf"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose else logging.WARNING)
    # pydicom logs a whole traceback at ERROR for every pixel decoder that fails
    # (the caller reports the failure in one line anyway): make it a DEBUG line.
    from downloadmanager.core.pydicom_log import quiet_pydicom_decoder_log

    quiet_pydicom_decoder_log()
    return path


def read_log_tail(max_bytes: int = 200_000, path: Path | None = None) -> str:
    """The last MAX_BYTES of the log file as text ("" when there is no log yet)."""
    path = path or log_file_path()
    try:
        with open(path, "rb") as fh:
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - max_bytes))
            data = fh.read()
    except OSError:
        return ""
    text = data.decode("utf-8", errors="replace")
    if size > max_bytes and "\n" in text:
        text = text.split("\n", 1)[1]  # drop the cut first line
    return text


def flush_log() -> None:
    """Write buffered log records to disk (before the log view reads the file)."""
    for handler in logging.getLogger().handlers:
        if handler.get_name() == _HANDLER_NAME:
            handler.flush()
