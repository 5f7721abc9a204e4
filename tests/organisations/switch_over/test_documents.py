"""The switch-over's ZIP of documents: a valid archive gives each document its type from its
content; a hostile one (paths, links, encryption, a bomb, lying headers, too many files or bytes,
not a ZIP) is refused whole with a French message, nothing written to disk and nothing
decompressed beyond what the limits allow."""

from __future__ import annotations

import io
import os
import stat
import tracemalloc
import unicodedata
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.core.files import File

from passplus.organisations.switch_over.documents import (
    ArchiveError,
    DocumentArchive,
    open_archive,
)
from tests.helpers.document_archives import (
    files_written,
    forge,
    real_image,
    real_pdf,
    symlink_entry,
    zip_of,
)

PDF = real_pdf()
JPEG = real_image("JPEG")
PNG = real_image("PNG")
NOT_A_PDF = b"Ceci est un texte, pas un PDF.\n"


def refusal(data: bytes) -> str:
    """The message open_archive raises for `data`, after checking nothing was written."""
    with files_written() as written, pytest.raises(ArchiveError) as raised:
        open_archive(data)
    assert written == []
    assert raised.value.message == str(raised.value)
    return raised.value.message


def opened(data: bytes) -> DocumentArchive:
    with files_written() as written:
        archive = open_archive(data)
    assert written == []
    return archive


def test_the_guard_sees_a_file_written(tmp_path: Path) -> None:
    with files_written() as written:
        (tmp_path / "extracted.pdf").write_bytes(PDF)
        os.close(os.open(tmp_path / "raw", os.O_WRONLY | os.O_CREAT))
        (tmp_path / "folder").mkdir()
    assert len(written) == 3
    assert "extracted.pdf" in written[0]


def test_a_valid_archive_gives_each_document_its_type_from_its_content() -> None:
    data = zip_of({"rib.pdf": PDF, "rib.jpg": JPEG, "scan.png": PNG, "faux.pdf": NOT_A_PDF})
    archive = opened(data)
    assert archive.names == frozenset({"rib.pdf", "rib.jpg", "scan.png", "faux.pdf"})
    assert archive.mime("rib.pdf") == "application/pdf"
    assert archive.mime("rib.jpg") == "image/jpeg"
    assert archive.mime("scan.png") == "image/png"
    assert archive.mime("faux.pdf") is None
    assert archive.read("scan.png") == PNG
    assert archive.read("faux.pdf") == NOT_A_PDF
    assert archive.size("rib.pdf") == len(PDF)
    assert archive.size("rib.jpg") == len(JPEG)
    assert "rib.pdf" in archive
    assert "autre.pdf" not in archive
    with pytest.raises(KeyError):
        archive.read("autre.pdf")
    archive.close()


def test_the_type_ignores_the_name() -> None:
    archive = opened(zip_of({"rib.png": PDF, "rib.pdf": JPEG, "RIB": PNG}))
    assert archive.mime("rib.png") == "application/pdf"
    assert archive.mime("rib.pdf") == "image/jpeg"
    assert archive.mime("RIB") == "image/png"


@pytest.mark.parametrize(
    "source",
    [
        pytest.param(lambda data, _: data, id="bytes"),
        pytest.param(lambda data, _: io.BytesIO(data), id="BytesIO"),
        pytest.param(lambda data, path: File(path.open("rb")), id="a Django file on disk"),
    ],
)
def test_the_archive_comes_as_bytes_or_an_open_file(
    source: Callable[[bytes, Path], object], tmp_path: Path
) -> None:
    data = zip_of({"rib.pdf": PDF}, method=zipfile.ZIP_STORED)
    (tmp_path / "documents.zip").write_bytes(data)
    given = source(data, tmp_path / "documents.zip")
    with files_written() as written, open_archive(given) as archive:  # type: ignore[arg-type]
        assert archive.read("rib.pdf") == PDF
    assert written == []


def test_names_match_in_nfc_whatever_each_side_wrote() -> None:
    composed = "Récépissé RIB.pdf"
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    archive = opened(zip_of({decomposed: PDF}))
    assert archive.names == frozenset({composed})
    assert archive.mime(composed) == "application/pdf"
    assert archive.read(decomposed) == PDF
    assert decomposed in archive


def test_a_name_without_the_utf8_flag_is_read_as_utf8_when_it_is_valid_utf8() -> None:
    # Linux's zip writes the name's UTF-8 bytes without the flag.
    data = zip_of({"reçu.pdf": PDF})
    unflagged = forge(data, "reçu.pdf", flag_bits=0)
    assert zipfile.ZipFile(io.BytesIO(unflagged)).namelist() == ["re├ºu.pdf"]
    assert opened(unflagged).names == frozenset({"reçu.pdf"})


def test_a_name_in_the_dos_code_page_is_read_as_cp437() -> None:
    # Windows' compressor writes « é » as 0x82 (the same byte in CP850 and CP437), no flag.
    data = forge(zip_of({"ribxclub.pdf": PDF}), "ribxclub.pdf", raw_name=b"rib\x82club.pdf")
    assert opened(data).names == frozenset({"ribéclub.pdf"})


def test_macos_resource_forks_are_ignored_and_not_counted(settings: Any) -> None:
    settings.PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS = 2
    data = zip_of(
        {
            "__MACOSX/": b"",
            "__MACOSX/._rib.pdf": b"\x00\x05\x16\x07 AppleDouble",
            "__MACOSX/._scan.png": b"\x00\x05\x16\x07 AppleDouble",
            "rib.pdf": PDF,
            "scan.png": PNG,
        }
    )
    assert opened(data).names == frozenset({"rib.pdf", "scan.png"})


def test_an_empty_archive_opens_with_no_names() -> None:
    assert opened(zip_of({})).names == frozenset()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(PDF, id="a PDF"),
        pytest.param(b"", id="empty"),
        pytest.param(os.urandom(4096), id="random bytes"),
        pytest.param(zip_of({"rib.pdf": PDF, "scan.png": PNG})[:600], id="truncated"),
        pytest.param(zip_of({"rib.pdf": PDF})[:-10], id="its end cut"),
    ],
)
def test_what_is_not_a_whole_zip_is_refused(data: bytes) -> None:
    assert "n'est pas une archive ZIP lisible" in refusal(data)


@pytest.mark.parametrize(
    "name",
    ["../x.pdf", "/etc/x", "a/b.pdf", "docs/", "a\\b.pdf", "..\\..\\x.pdf", "C:x.pdf", ".."],
)
def test_a_name_with_a_path_or_a_folder_refuses_the_archive(name: str) -> None:
    message = refusal(zip_of([("rib.pdf", PDF), (name, PDF)]))
    assert message == (
        f"L'archive contient un chemin ou un dossier (« {name} ») : mettez tous les "
        "documents à la racine de l'archive, sans dossier."
    )


def test_a_folder_of_documents_is_refused_naming_the_folder() -> None:
    message = refusal(zip_of({"documents/": b"", "documents/rib.pdf": PDF}))
    assert "(« documents/ »)" in message


def test_a_symbolic_link_is_refused() -> None:
    message = refusal(zip_of([("rib.pdf", PDF), (symlink_entry("lien.pdf"), b"/etc/passwd")]))
    assert message.startswith("Le fichier « lien.pdf » est un lien symbolique")


def test_a_device_or_a_pipe_is_refused() -> None:
    entry = zipfile.ZipInfo("tube.pdf")
    entry.external_attr = (stat.S_IFIFO | 0o644) << 16
    assert "n'est pas un fichier ordinaire" in refusal(zip_of([(entry, b"")]))


def test_an_encrypted_member_is_refused() -> None:
    data = forge(zip_of({"rib.pdf": PDF}), "rib.pdf", flag_bits=0x1)
    assert refusal(data) == (
        "Le fichier « rib.pdf » est protégé par un mot de passe : recréez l'archive sans "
        "chiffrement."
    )


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA])
def test_a_compression_other_than_deflate_is_refused(method: int) -> None:
    assert "compressé d'une façon non prise en charge" in refusal(
        zip_of({"rib.pdf": PDF}, method=method)
    )


def test_two_members_of_the_same_name_are_refused() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # zipfile's « Duplicate name »
        data = zip_of([("rib.pdf", PDF), ("rib.pdf", PNG)])
    assert "Le nom « rib.pdf » figure deux fois" in refusal(data)


def test_two_spellings_of_one_name_are_refused() -> None:
    composed = "Récépissé.pdf"
    data = zip_of([(composed, PDF), (unicodedata.normalize("NFD", composed), PNG)])
    assert f"Le nom « {composed} » figure deux fois" in refusal(data)


def test_a_name_with_an_invisible_character_is_refused_and_shown_without_it() -> None:
    message = refusal(zip_of({"rib\u202efdp.exe": PDF}))
    assert "caractère invisible (« rib?fdp.exe »)" in message
    assert "\u202e" not in message


def test_a_name_cut_by_a_nul_is_refused() -> None:
    # zipfile would read « rib.pdf\x00.exe » as « rib.pdf »: the name as written is judged.
    data = forge(zip_of({"rib.pdfX.exe": PDF}), "rib.pdfX.exe", raw_name=b"rib.pdf\x00.exe")
    assert "caractère invisible (« rib.pdf?.exe »)" in refusal(data)


def test_too_many_files_are_refused(settings: Any) -> None:
    settings.PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS = 3
    data = zip_of({f"rib-{number}.pdf": PDF for number in range(4)})
    assert refusal(data).startswith("L'archive contient 4 fichiers, au-delà de 3 : répartissez")


def test_a_central_directory_too_large_is_refused_before_zipfile_lists_it(
    settings: Any,
) -> None:
    settings.PASSPLUS_SWITCH_OVER_MAX_DOCUMENTS = 3
    # 3,000 empty entries: a 250 KiB directory, over the 128 KiB a listing may read at once.
    data = zip_of({f"{number:060d}.pdf": b"" for number in range(3000)})
    tracemalloc.start()
    try:
        message = refusal(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message.startswith("L'archive annonce plus de 3 fichiers")
    # zipfile's listing of 3,000 entries alone would take more (ZipInfo objects).
    assert peak < 512 * 1024


def test_too_many_bytes_once_decompressed_are_refused(settings: Any) -> None:
    settings.PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES = 10_000
    data = zip_of({f"rib-{number}.pdf": b"\x00" * 4_000 for number in range(3)})
    assert refusal(data).startswith(
        "Les documents de l'archive font 12 ko une fois décompressés, au-delà de 10 ko"
    )


def test_the_default_total_is_said_in_gigabytes(settings: Any) -> None:
    settings.PASSPLUS_SWITCH_OVER_DOCUMENTS_MAX_BYTES = 2 * 2**30
    # Declared sizes only: 3 x 1 GiB of zeros are never compressed nor decompressed here.
    data = zip_of({f"rib-{number}.pdf": b"" for number in range(3)})
    for number in range(3):
        data = forge(data, f"rib-{number}.pdf", file_size=2**30)
    assert "font 3 Go une fois décompressés, au-delà de 2 Go" in refusal(data)


def test_a_document_declared_larger_than_the_rib_limit_is_refused_unread(
    settings: Any,
) -> None:
    assert settings.PASSPLUS_RIB_MAX_BYTES == 5 * 2**20
    data = zip_of({"rib.pdf": PDF, "scan.pdf": b"\x00" * (50 * 2**20)})
    assert len(data) < 100_000
    tracemalloc.start()
    try:
        message = refusal(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (
        "Le fichier « scan.pdf » fait 50 Mo, au-delà de 5 Mo par document : allégez-le (PDF "
        "compressé, photo moins lourde) ou retirez-le de l'archive."
    )
    assert peak < 2 * 2**20


def test_a_bomb_declared_small_is_cut_at_its_declared_size_and_refused() -> None:
    # 100 kB of noise then 64 MiB of zeros: about 165 kB compressed. The header declares a size
    # that fits the compressed data (so no ratio gives it away) and the CRC of that much data.
    noise = os.urandom(100_000)
    bomb = noise + b"\x00" * (64 * 2**20)
    honest = zip_of({"rib.pdf": PDF, "bombe.pdf": bomb})
    compressed = zipfile.ZipFile(io.BytesIO(honest)).getinfo("bombe.pdf").compress_size
    assert compressed < 300_000
    declared = compressed
    data = forge(
        honest,
        "bombe.pdf",
        file_size=declared,
        compress_size=compressed,
        crc=zlib.crc32(bomb[:declared]),
    )
    tracemalloc.start()
    try:
        message = refusal(data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == (
        "Le fichier « bombe.pdf » de l'archive est endommagé, ou ses données ne correspondent "
        "pas à la taille annoncée : recréez l'archive et envoyez-la à nouveau."
    )
    assert peak < 4 * 2**20


def test_a_crc_that_does_not_match_is_refused() -> None:
    data = zip_of({"rib.pdf": PDF})
    forged = forge(data, "rib.pdf", crc=zlib.crc32(PDF) ^ 1)
    assert "« rib.pdf » de l'archive est endommagé" in refusal(forged)


def test_a_member_shorter_than_declared_is_refused() -> None:
    data = zip_of({"rib.pdf": PDF})
    forged = forge(data, "rib.pdf", file_size=len(PDF) + 1000)
    assert "« rib.pdf » de l'archive est endommagé" in refusal(forged)


def test_a_stored_member_longer_than_declared_is_refused() -> None:
    data = zip_of({"rib.pdf": PDF}, method=zipfile.ZIP_STORED)
    forged = forge(data, "rib.pdf", file_size=len(PDF) - 1)
    assert "« rib.pdf » de l'archive est endommagé" in refusal(forged)


def test_compressed_data_larger_than_its_declared_size_allows_is_refused_unread() -> None:
    data = zip_of({"rib.pdf": PDF})
    forged = forge(data, "rib.pdf", compress_size=2**31)
    assert "« rib.pdf » de l'archive est endommagé" in refusal(forged)


def test_a_deflate_stream_stuffed_with_empty_blocks_is_refused_unread() -> None:
    # 1 MB of empty stored blocks (5 bytes each, no output) before the real content: a valid
    # stream that makes a reader work for nothing. Its compressed size gives it away.
    content = b"RIB du club"
    compressor = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    stream = b"\x00\x00\x00\xff\xff" * 200_000 + compressor.compress(content) + compressor.flush()
    assert zlib.decompress(stream, -zlib.MAX_WBITS) == content
    data = forge(
        zip_of({"rib.pdf": stream}, method=zipfile.ZIP_STORED),
        "rib.pdf",
        method=zipfile.ZIP_DEFLATED,
        file_size=len(content),
        crc=zlib.crc32(content),
    )
    source = CountingFile(data)
    with pytest.raises(ArchiveError) as raised:
        open_archive(source)
    assert "« rib.pdf » de l'archive est endommagé" in raised.value.message
    assert source.bytes_read < 200_000


class CountingFile(io.BytesIO):
    def __init__(self, data: bytes) -> None:
        super().__init__(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1, /) -> bytes:
        data = super().read(size)
        self.bytes_read += len(data)
        return data


def test_corrupt_deflate_data_is_refused() -> None:
    data = bytearray(zip_of({"rib.pdf": os.urandom(4000)}))
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
        start = archive.getinfo("rib.pdf").header_offset + 30 + len("rib.pdf")
    data[start : start + 64] = b"\xff" * 64
    assert "« rib.pdf » de l'archive est endommagé" in refusal(bytes(data))


def test_a_long_hostile_name_is_cut_in_the_message() -> None:
    name = "../" + "x" * 500 + ".pdf"
    message = refusal(zip_of({name: PDF}))
    assert "(« ../xxx" in message
    assert len(message) < 250
