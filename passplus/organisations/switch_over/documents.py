"""The switch-over's optional ZIP of documents (RIBs, signed conventions) uploaded beside the
organisations file. It is read in memory, one member at a time, and never extracted to disk.

`open_archive` refuses, with a French message naming the entry, an archive that is not a ZIP
(or is truncated), holds more than PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS files or more than
PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES once decompressed, or holds a member that is
encrypted, a link, compressed otherwise than stored or deflate, larger than the RIB limit,
named with a path or a folder or an invisible character, or named twice. Then it decompresses
each member once, by chunks, never producing more than one byte past its declared size: a member
whose data is longer than its header says (a bomb) or shorter (a truncated or forged file), or
whose CRC differs, is refused. The first bytes give its type (`validators.rib_mime_type`: from
the content, never the name). `read` decompresses the same way again.

zipfile lists the archive (end record, ZIP64, central directory); the members' data is read
here with zlib. zipfile's own reader stops at the declared size and never looks further, so a
bomb declared small with the CRC of its first bytes would pass; here the deflate stream must end
exactly at the declared size and the compressed size, or the archive is refused.

Bounds, before anything is decompressed: zipfile lists the central directory in memory, so
that directory's size is capped (CENTRAL_DIRECTORY_BYTES_PER_FILE a file) before zipfile reads
it; the declared sizes are capped (each and in total); a member's compressed size must fit its
declared size (deflate never grows data by more than a few bytes a block), so no member can make
us read more input than its output justifies. The work of opening is therefore bounded by
PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES whatever the archive claims.

Names: the `__MACOSX/` folder (the resource forks macOS's « Compresser » adds) is ignored;
every other entry with `/` or `\\` (a folder, `../x.pdf`, `/etc/x`), a drive letter (`C:x`) or
`.`/`..` refuses the archive: the documents go at its root, so no path is ever followed. Names
are compared in Unicode NFC on both sides (macOS writes decomposed names, NFD; people type
composed ones): `names` holds NFC names and every look-up normalises the name asked for; the
comparison is otherwise exact (case included), as written in the file's column. A name stored
without the ZIP's UTF-8 flag is read as UTF-8 when its bytes are valid UTF-8 (Linux's `zip`),
else as CP437, as the format says (Windows' own compressor writes CP850, whose French lower-case
accents are CP437's bytes).
"""

from __future__ import annotations

import contextlib
import io
import stat
import struct
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import TracebackType
from typing import IO

from django.conf import settings

from passplus.core.french import format_number
from passplus.core.request_size import megabytes
from passplus.core.text import is_invisible
from passplus.organisations.validators import rib_mime_type

# Central directory bytes allowed per file the archive may hold: 46 fixed bytes, the name, the
# extra fields (timestamps, ZIP64, NTFS: about 100 bytes) and a comment. 1 KiB is far above
# what any tool writes, and bounds the memory zipfile spends listing a hostile archive.
CENTRAL_DIRECTORY_BYTES_PER_FILE = 1024
# Reads at least this large are allowed while listing: the end record and its comment (64 KiB).
LISTING_MIN_READ_BYTES = 128 * 1024
# Members are decompressed by chunks of this size.
CHUNK_BYTES = 64 * 1024
# The first bytes kept to tell a document's type (filetype reads 262).
HEAD_BYTES = 262
MACOS_METADATA = "__MACOSX/"
ACCEPTED_METHODS = frozenset({zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED})
ENCRYPTED_FLAG = 0x1
LOCAL_HEADER_SIGNATURE = b"PK\x03\x04"
LOCAL_HEADER_BYTES = 30
UTF8_FLAG = 0x800
SHOWN_NAME_CHARACTERS = 80

NOT_A_ZIP = (
    "Ce fichier n'est pas une archive ZIP lisible (un autre type de fichier, ou une archive "
    "incomplète ou endommagée) : créez l'archive ZIP des documents et envoyez-la à nouveau."
)


class ArchiveError(Exception):
    """The documents archive cannot be used; the message (French) says why and what to do."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _DirectoryTooLarge(Exception):
    """Raised inside zipfile's listing when it would read a central directory over budget."""


class _ListingBudget:
    """The archive's file as zipfile lists it, refusing any single read over `budget` bytes
    (zipfile reads the whole central directory in one call)."""

    def __init__(self, file: IO[bytes], budget: int) -> None:
        self._file = file
        self._budget = budget
        self._end = file.seek(0, io.SEEK_END)

    def read(self, n: int = -1, /) -> bytes:
        remaining = max(self._end - self._file.tell(), 0)
        if (remaining if n < 0 else min(n, remaining)) > self._budget:
            raise _DirectoryTooLarge
        return self._file.read(n)

    def seek(self, offset: int, whence: int = io.SEEK_SET, /) -> int:
        return self._file.seek(offset, whence)

    def tell(self) -> int:
        return self._file.tell()

    def seekable(self) -> bool:
        return True


@dataclass(frozen=True)
class _Member:
    info: zipfile.ZipInfo
    name: str
    mime: str | None


class DocumentArchive:
    """An opened and checked archive. `read` reads from the file given to `open_archive`, which
    must stay open while the archive is used; `close()` (or `with`) forgets that file without
    closing it. A name not in `names` raises KeyError."""

    def __init__(self, file: IO[bytes], members: dict[str, _Member]) -> None:
        self._file: IO[bytes] | None = file
        self._members = members

    @property
    def names(self) -> frozenset[str]:
        """The documents' names (NFC), ignored entries (`__MACOSX/`) left out."""
        return frozenset(self._members)

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and _nfc(name) in self._members

    def size(self, name: str) -> int:
        """Bytes once decompressed (checked at opening: the data has exactly this length)."""
        return self._member(name).info.file_size

    def mime(self, name: str) -> str | None:
        """The type the content shows: "application/pdf", "image/jpeg", "image/png", or None."""
        return self._member(name).mime

    def read(self, name: str) -> bytes:
        """The whole document (at most PASSPLUS_RIB_MAX_BYTES, checked at opening)."""
        member = self._member(name)
        if self._file is None:
            raise ValueError("The archive is closed.")
        return b"".join(_chunks(self._file, member.info, member.name))

    def close(self) -> None:
        self._file = None

    def __enter__(self) -> DocumentArchive:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def _member(self, name: str) -> _Member:
        return self._members[_nfc(name)]


def open_archive(file: IO[bytes] | bytes) -> DocumentArchive:
    """Open and check the whole archive (see the module's docstring); raise ArchiveError."""
    source: IO[bytes] = io.BytesIO(file) if isinstance(file, bytes | bytearray) else file
    max_files = settings.PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS
    budget = max(max_files * CENTRAL_DIRECTORY_BYTES_PER_FILE, LISTING_MIN_READ_BYTES)
    try:
        listing = _ListingBudget(source, budget)
        with zipfile.ZipFile(listing) as zip_file:
            infos = zip_file.infolist()
    except _DirectoryTooLarge as error:
        raise ArchiveError(
            f"L'archive annonce plus de {format_number(max_files)} fichiers : " + _split_advice()
        ) from error
    except (
        zipfile.BadZipFile,
        OSError,
        EOFError,
        ValueError,
        NotImplementedError,
        struct.error,
    ) as error:
        raise ArchiveError(NOT_A_ZIP) from error
    return DocumentArchive(source, _checked_members(source, infos))


def _checked_members(file: IO[bytes], infos: list[zipfile.ZipInfo]) -> dict[str, _Member]:
    entries = [(info, _decoded_name(info)) for info in infos]
    documents = [(info, name) for info, name in entries if not name.startswith(MACOS_METADATA)]
    max_files = settings.PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS
    if len(documents) > max_files:
        raise ArchiveError(
            f"L'archive contient {format_number(len(documents))} fichiers, au-delà de "
            f"{format_number(max_files)} : " + _split_advice()
        )
    total = sum(info.file_size for info, _ in entries)
    max_total = settings.PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES
    if total > max_total:
        raise ArchiveError(
            f"Les documents de l'archive font {_bytes(total)} une fois décompressés, au-delà de "
            f"{_bytes(max_total)} : " + _split_advice()
        )
    named: dict[str, zipfile.ZipInfo] = {}
    for info, name in documents:
        _check_entry(info, name)
        if name in named:
            raise ArchiveError(
                f"Le nom « {_shown(name)} » figure deux fois dans l'archive : chaque document "
                "doit avoir un nom différent."
            )
        named[name] = info
    # Once, in the file's order, every member is decompressed (capped) to prove its size and
    # CRC and to read its first bytes; nothing is kept but its type.
    members: dict[str, _Member] = {}
    for name, info in sorted(named.items(), key=lambda item: item[1].header_offset):
        head = bytearray()
        for chunk in _chunks(file, info, name):
            if len(head) < HEAD_BYTES:
                head += chunk[: HEAD_BYTES - len(head)]
        members[name] = _Member(info=info, name=name, mime=rib_mime_type(bytes(head)))
    return members


def _check_entry(info: zipfile.ZipInfo, name: str) -> None:
    shown = _shown(name)
    if not name or any(is_invisible(char) for char in name):
        raise ArchiveError(
            f"Le nom d'un fichier de l'archive est vide ou contient un caractère invisible "
            f"(« {shown} ») : renommez ce fichier et recréez l'archive."
        )
    if "/" in name or "\\" in name or name in {".", ".."} or _has_drive(name):
        raise ArchiveError(
            f"L'archive contient un chemin ou un dossier (« {shown} ») : mettez tous les "
            "documents à la racine de l'archive, sans dossier."
        )
    kind = stat.S_IFMT(info.external_attr >> 16)
    if kind == stat.S_IFLNK:
        raise ArchiveError(
            f"Le fichier « {shown} » est un lien symbolique, pas un document : recréez "
            "l'archive avec les documents eux-mêmes."
        )
    if kind not in {0, stat.S_IFREG}:
        raise ArchiveError(
            f"L'entrée « {shown} » de l'archive n'est pas un fichier ordinaire : recréez "
            "l'archive avec les documents eux-mêmes."
        )
    if info.flag_bits & ENCRYPTED_FLAG:
        raise ArchiveError(
            f"Le fichier « {shown} » est protégé par un mot de passe : recréez l'archive "
            "sans chiffrement."
        )
    if info.compress_type not in ACCEPTED_METHODS:
        raise ArchiveError(
            f"Le fichier « {shown} » est compressé d'une façon non prise en charge : recréez "
            "l'archive avec la compression standard (Deflate) ou sans compression."
        )
    limit = settings.PASSPLUS_RIB_MAX_BYTES
    if info.file_size > limit:
        raise ArchiveError(
            f"Le fichier « {shown} » fait {_bytes(info.file_size)}, au-delà de "
            f"{_bytes(limit)} par document : allégez-le (PDF compressé, photo moins lourde) "
            "ou retirez-le de l'archive."
        )
    if info.compress_size > _largest_compressed(info):
        raise ArchiveError(_damaged(name))


def _largest_compressed(info: zipfile.ZipInfo) -> int:
    """Stored data is its own size; deflate adds at most 5 bytes a 16 KiB block (zlib's
    deflateBound, here rounded up generously)."""
    if info.compress_type == zipfile.ZIP_STORED:
        return info.file_size
    return info.file_size + info.file_size // 1024 + 1024


def _chunks(file: IO[bytes], info: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The member's bytes by chunks, else ArchiveError: its data must decompress to exactly its
    declared size with its CRC, using exactly its compressed size; at most one byte past the
    declared size is ever produced."""
    position = _data_start(file, info, name)
    left = info.compress_size
    produced = 0
    crc = 0
    inflater = (
        zlib.decompressobj(-zlib.MAX_WBITS) if info.compress_type == zipfile.ZIP_DEFLATED else None
    )
    try:
        while left > 0:
            file.seek(position)
            raw = file.read(min(CHUNK_BYTES, left))
            if not raw:
                raise ArchiveError(_damaged(name))
            position += len(raw)
            left -= len(raw)
            pending = raw
            while pending:
                if inflater is None:
                    chunk, pending = pending, b""
                elif inflater.eof:
                    raise ArchiveError(_damaged(name))  # data after the end of the stream
                else:
                    chunk = inflater.decompress(pending, info.file_size - produced + 1)
                    pending = inflater.unconsumed_tail
                produced += len(chunk)
                if produced > info.file_size:
                    raise ArchiveError(_damaged(name))
                crc = zlib.crc32(chunk, crc)
                if chunk:
                    yield chunk
    except (OSError, ValueError, zlib.error) as error:
        raise ArchiveError(_damaged(name)) from error
    complete = inflater is None or (inflater.eof and not inflater.unused_data)
    if not complete or produced != info.file_size or crc != info.CRC:
        raise ArchiveError(_damaged(name))


def _data_start(file: IO[bytes], info: zipfile.ZipInfo, name: str) -> int:
    """Where the member's data begins, after its local header, which must carry its name."""
    try:
        file.seek(info.header_offset)
        header = file.read(LOCAL_HEADER_BYTES)
        if len(header) != LOCAL_HEADER_BYTES or header[:4] != LOCAL_HEADER_SIGNATURE:
            raise ArchiveError(_damaged(name))
        name_length = int.from_bytes(header[26:28], "little")
        extra_length = int.from_bytes(header[28:30], "little")
        written = file.read(name_length)
    except (OSError, ValueError) as error:
        raise ArchiveError(_damaged(name)) from error
    encoding = "utf-8" if info.flag_bits & UTF8_FLAG else "cp437"
    if written != info.orig_filename.encode(encoding):
        raise ArchiveError(_damaged(name))
    return info.header_offset + LOCAL_HEADER_BYTES + name_length + extra_length


def _decoded_name(info: zipfile.ZipInfo) -> str:
    """The entry's name as written (before zipfile cuts it at a NUL), NFC."""
    name = info.orig_filename
    if not info.flag_bits & UTF8_FLAG and not name.isascii():
        with contextlib.suppress(UnicodeError):
            name = name.encode("cp437").decode("utf-8")
    return _nfc(name)


def _nfc(name: str) -> str:
    return unicodedata.normalize("NFC", name)


def _has_drive(name: str) -> bool:
    return len(name) >= 2 and name[1] == ":" and name[0].isascii() and name[0].isalpha()


def _shown(name: str) -> str:
    """A name as a message may print it: invisible characters as « ? », cut if long."""
    visible = "".join("?" if is_invisible(char) else char for char in name)
    if len(visible) > SHOWN_NAME_CHARACTERS:
        return visible[: SHOWN_NAME_CHARACTERS - 1] + "…"
    return visible


def _damaged(name: str) -> str:
    return (
        f"Le fichier « {_shown(name)} » de l'archive est endommagé, ou ses données ne "
        "correspondent pas à la taille annoncée : recréez l'archive et envoyez-la à nouveau."
    )


def _split_advice() -> str:
    return (
        "répartissez les organismes en plusieurs fichiers, chacun avec l'archive de ses "
        "documents, ou retirez de l'archive ce qui n'est pas un RIB ou une convention."
    )


def _bytes(size: int) -> str:
    """'2 Go', '2,5 Go', '750 Mo', '12 ko'."""
    if size < 2**20:
        return f"{-(-size // 1024)} ko"
    if size < 2**30:
        return megabytes(size)
    value = size / 2**30
    return f"{value:.0f} Go" if value == int(value) else f"{value:.1f} Go".replace(".", ",")
