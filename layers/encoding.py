"""Recognising what a file is before reading it: folder, empty, binary, text encoding.

Korean open-data downloads come as CP949 (most portal CSVs), UTF-8 with a BOM
(re-saved in Excel) or plain UTF-8. :func:`sniff_encoding` decides from the
bytes alone (for a big file, its first :data:`SAMPLE_BYTES`; then the whole
file is decoded once), by strict decodes in order of evidence:

1. a UTF-8 BOM wins (``utf-8-sig``);
2. a strict UTF-8 decode (any CP949 file with Hangul fails it: CP949 lead bytes
   0x81–0xFE followed by 0x41–0xFE are almost never valid UTF-8 sequences);
3. a strict CP949 decode, only when UTF-8 failed.

Anything else raises :class:`~layers.errors.EncodingError` naming the file and
the fix.

Examples
--------
>>> sniff_encoding("자치구".encode("cp949"))
'cp949'
>>> sniff_encoding("\\ufeff자치구".encode("utf-8"))
'utf-8-sig'
"""

from __future__ import annotations

import codecs
import os
from pathlib import Path

from layers.errors import EmptyLayerError, EncodingError, InputError

__all__ = ["SAMPLE_BYTES", "check_input_file", "decode_bytes", "read_text", "sniff_encoding"]

_BOM = b"\xef\xbb\xbf"
_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0"  # legacy .xls / .hwp


def check_input_file(path: str | os.PathLike[str], *, layer: str | None = None) -> Path:
    """Refuse what cannot be a data file: a missing path, a folder, an empty file.

    Parameters
    ----------
    path : path
        The file given by the user.
    layer : str, optional
        Name for messages (default: the file name).

    Returns
    -------
    Path
        The path, checked.

    Raises
    ------
    InputError
        Missing file, folder or unreadable file.
    EmptyLayerError
        A file of 0 bytes.
    """
    p = Path(path)
    name = layer or p.name or str(p)
    if not p.exists():
        raise InputError(
            f"file {str(p)!r} does not exist", layer=name, fix="check the path and the file name"
        )
    if p.is_dir():
        if p.suffix.lower() == ".gdb":
            return p  # a File Geodatabase is a folder
        raise InputError(
            f"{str(p)!r} is a folder, not a file",
            layer=name,
            fix="give the data file inside it (a .csv, .xlsx, .shp, .gpkg, .geojson or .parquet)",
        )
    try:
        size = p.stat().st_size
    except OSError as err:
        raise InputError(f"cannot read {str(p)!r}: {err.strerror}", layer=name) from None
    if size == 0:
        raise EmptyLayerError(
            "the file is empty (0 bytes)",
            layer=name,
            fix="download the file again; the transfer may have been interrupted",
        )
    return p


def _binary_problem(data: bytes) -> str | None:
    head = data[:8192]
    if head.startswith(_ZIP):
        return "is a ZIP container (an Excel .xlsx workbook or a zipped download), not a text file"
    if head.startswith(_OLE):
        return "is a legacy Office/HWP binary (.xls or .hwp), not a text file"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "is UTF-16 text (Excel's 'Unicode text' export)"
    if b"\x00" in head:
        return "contains NUL bytes: it is a binary file, not CSV/JSON text"
    return None


#: Bytes the encoding is decided from (the whole file is then decoded once).
SAMPLE_BYTES = 4 << 20


def _refuse_mostly_utf8(data: bytes, err: UnicodeDecodeError, layer: str | None) -> None:
    """A file that is UTF-8 except for a few bytes is damaged, not CP949.

    CP949 would decode UTF-8 Hangul into plausible-looking mojibake, so a file
    whose non-ASCII text is overwhelmingly valid UTF-8 is refused instead.
    Counting is done by the codecs (C), not character by character.
    """
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    non_ascii = len(text) - len(text.encode("ascii", errors="ignore"))
    if non_ascii >= 20 and bad <= 0.02 * non_ascii:
        line = data[: err.start].count(b"\n") + 1
        raise EncodingError(
            f"is UTF-8 text except for {bad} undecodable byte(s), the first on line {line} "
            f"(byte offset {err.start}); it may be two exports pasted together",
            layer=layer,
            fix=f"fix or delete line {line} (and any other damaged line), or re-export the file",
        )


def _decodes(data: bytes, encoding: str, *, complete: bool) -> None:
    """Strict decode; a multi-byte character cut at the end of a sample is not an error."""
    codecs.getincrementaldecoder(encoding)("strict").decode(data, final=complete)


def sniff_encoding(data: bytes, *, layer: str | None = None, complete: bool = True) -> str:
    """Recognise the text encoding of a file's bytes.

    Parameters
    ----------
    data : bytes
        The whole file, or its first bytes (``complete=False``).
    layer : str, optional
        File name for the message.
    complete : bool, default True
        ``data`` is the whole file. With False, ``data`` is a sample from the
        start and a character cut at its end is ignored.

    Returns
    -------
    str
        ``"utf-8-sig"``, ``"utf-8"`` or ``"cp949"`` (a Python codec name).

    Raises
    ------
    InputError
        The bytes are binary (NUL bytes, ZIP/xlsx, UTF-16).
    EncodingError
        Neither UTF-8 nor CP949 decodes them.
    """
    problem = _binary_problem(data)
    if problem is not None:
        raise InputError(
            f"the file {problem}",
            layer=layer,
            fix="give a CSV saved as 'CSV (comma delimited)' or 'CSV UTF-8'; an Excel "
            "workbook must end in .xlsx; unzip downloads first",
        )
    if data.startswith(_BOM):
        try:
            _decodes(data, "utf-8-sig", complete=complete)
        except UnicodeDecodeError as err:
            raise EncodingError(
                f"starts with a UTF-8 BOM but byte {err.start} is not UTF-8",
                layer=layer,
                fix="re-save the file in Excel as 'CSV UTF-8'",
            ) from None
        return "utf-8-sig"
    try:
        _decodes(data, "utf-8", complete=complete)
    except UnicodeDecodeError as err:
        _refuse_mostly_utf8(data, err, layer)
    else:
        return "utf-8"
    try:
        _decodes(data, "cp949", complete=complete)
    except UnicodeDecodeError as err:
        raise EncodingError(
            f"is neither UTF-8 nor CP949 (EUC-KR) text (undecodable byte at offset {err.start})",
            layer=layer,
            fix="re-save the file as 'CSV UTF-8' in Excel, or convert it with "
            "`iconv -f <encoding> -t utf-8`",
        ) from None
    return "cp949"


def decode_bytes(data: bytes, *, layer: str | None = None) -> tuple[str, str]:
    """Decode a whole file: encoding decided from the first :data:`SAMPLE_BYTES`, one decode.

    When the full decode fails past the sample (a file ASCII for its first
    megabytes, or damaged further on), the whole file decides, with the same
    messages as :func:`sniff_encoding`.

    Returns
    -------
    (str, str)
        The text (without BOM) and the encoding.
    """
    complete = len(data) <= SAMPLE_BYTES
    encoding = sniff_encoding(data[:SAMPLE_BYTES], layer=layer, complete=complete)
    try:
        return data.decode(encoding), encoding
    except UnicodeDecodeError:
        if complete:
            raise
    encoding = sniff_encoding(data, layer=layer)
    return data.decode(encoding), encoding


def read_text(path: str | os.PathLike[str], *, layer: str | None = None) -> tuple[str, str]:
    """Read a text file whatever its Korean encoding.

    Parameters
    ----------
    path : path
        A CSV or JSON file.
    layer : str, optional
        Name for messages (default: the file name).

    Returns
    -------
    (str, str)
        The text (without BOM) and the encoding recognised (``cp949``,
        ``utf-8-sig`` or ``utf-8``).
    """
    p = check_input_file(path, layer=layer)
    name = layer or p.name
    try:
        data = p.read_bytes()
    except OSError as err:
        raise InputError(f"cannot read {str(p)!r}: {err.strerror}", layer=name) from None
    text, encoding = decode_bytes(data, layer=name)
    if not text.strip():
        raise EmptyLayerError(
            "the file holds only white space", layer=name, fix="download the file again"
        )
    return text, encoding
