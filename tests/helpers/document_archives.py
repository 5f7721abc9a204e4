"""ZIP archives of switch-over documents, built in memory: honest ones (real PDF, JPEG and PNG
files), and forged ones whose headers lie (sizes, CRC, flags, name bytes) as a hostile export
would. Also `files_written()`, which records every file the code opens for writing (or creates)
while it runs, through a Python audit hook."""

from __future__ import annotations

import io
import os
import stat
import struct
import sys
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from PIL import Image
from reportlab.pdfgen import canvas

LOCAL_HEADER = b"PK\x03\x04"
CENTRAL_HEADER = b"PK\x01\x02"
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND
CREATING_EVENTS = frozenset(
    {
        "os.mkdir",
        "os.rename",
        "os.link",
        "os.symlink",
        "os.truncate",
        "shutil.copyfile",
        "shutil.move",
        "tempfile.mkstemp",
        "tempfile.mkdtemp",
    }
)


def real_pdf(text: str = "RIB du club") -> bytes:
    out = io.BytesIO()
    page = canvas.Canvas(out)
    page.drawString(72, 720, text)
    page.save()
    return out.getvalue()


def real_image(kind: str) -> bytes:
    """A real 8 x 8 image, "JPEG" or "PNG"."""
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(out, kind)
    return out.getvalue()


Entry = tuple[str | zipfile.ZipInfo, bytes]


def zip_of(
    entries: dict[str, bytes] | Iterable[Entry], *, method: int = zipfile.ZIP_DEFLATED
) -> bytes:
    """An archive of `entries` (name or ZipInfo, content) in order; duplicates allowed."""
    items = entries.items() if isinstance(entries, dict) else entries
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=method) as archive:
        for name, content in items:
            if isinstance(name, zipfile.ZipInfo) and name.compress_type == zipfile.ZIP_STORED:
                name.compress_type = method
            archive.writestr(name, content)
    return out.getvalue()


def symlink_entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info


def forge(
    data: bytes,
    name: str,
    *,
    file_size: int | None = None,
    compress_size: int | None = None,
    crc: int | None = None,
    flag_bits: int | None = None,
    method: int | None = None,
    raw_name: bytes | None = None,
) -> bytes:
    """`data` with the headers (local and central) of member `name` rewritten: what a tool
    writing lies would produce. `raw_name` replaces the name's bytes (same length)."""
    forged = bytearray(data)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
        start = archive.start_dir
    encoded = info.filename.encode("utf-8" if info.flag_bits & 0x800 else "cp437")
    if raw_name is not None:
        assert len(raw_name) == len(encoded)
    local = info.header_offset
    assert forged[local : local + 4] == LOCAL_HEADER
    central = _central_entry(forged, start, encoded)
    # (local offset, central offset, format) of each field.
    fields: dict[str, tuple[int, int, str, int | None]] = {
        "flag_bits": (6, 8, "<H", flag_bits),
        "method": (8, 10, "<H", method),
        "crc": (14, 16, "<I", crc),
        "compress_size": (18, 20, "<I", compress_size),
        "file_size": (22, 24, "<I", file_size),
    }
    for local_at, central_at, layout, value in fields.values():
        if value is not None:
            struct.pack_into(layout, forged, local + local_at, value)
            struct.pack_into(layout, forged, central + central_at, value)
    if raw_name is not None:
        forged[local + 30 : local + 30 + len(raw_name)] = raw_name
        forged[central + 46 : central + 46 + len(raw_name)] = raw_name
    return bytes(forged)


def _central_entry(data: bytearray, start: int, encoded_name: bytes) -> int:
    at = start
    while data[at : at + 4] == CENTRAL_HEADER:
        name_length, extra_length, comment_length = struct.unpack_from("<3H", data, at + 28)
        if data[at + 46 : at + 46 + name_length] == encoded_name:
            return at
        at += 46 + name_length + extra_length + comment_length
    raise LookupError(encoded_name)


_recording: list[list[str]] = []


def _audit(event: str, arguments: tuple[Any, ...]) -> None:
    if not _recording:
        return
    if event == "open":
        path, mode, flags = arguments
        writing = (isinstance(mode, str) and any(char in mode for char in "wax+")) or (
            isinstance(flags, int) and flags & WRITE_FLAGS
        )
        if writing:
            _recording[-1].append(f"open {path!r} {mode!r}")
    elif event in CREATING_EVENTS:
        _recording[-1].append(f"{event} {arguments!r}")


_hooked = False


@contextmanager
def files_written() -> Iterator[list[str]]:
    """The files opened for writing or created (directories, renames, temporary files) while the
    block runs, in this process."""
    global _hooked
    if not _hooked:
        sys.addaudithook(_audit)
        _hooked = True
    written: list[str] = []
    _recording.append(written)
    try:
        yield written
    finally:
        _recording.pop()
