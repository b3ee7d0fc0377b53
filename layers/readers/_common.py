"""Helpers shared by the readers: CSV loading, header matching, years, dates, Seoul filter."""

from __future__ import annotations

import codecs
import logging
import re
import warnings
from collections.abc import Collection
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from layers.crs import SEOUL_LATLON
from layers.encoding import SAMPLE_BYTES, check_input_file, decode_bytes, sniff_encoding
from layers.errors import EmptyLayerError, InputError
from layers.readers.report import ReadReport

__all__ = [
    "REASON_OTHER_REGION",
    "SEOUL_ORG_CODES",
    "as_of_date",
    "by_district",
    "csv_columns",
    "find_column",
    "has_repeats",
    "header_key",
    "load_csv",
    "parse_count",
    "parse_year",
    "seoul_rows",
]

log = logging.getLogger(__name__)

REASON_OTHER_REGION = "other region (not Seoul)"

#: 행정기관코드 of Seoul city hall (6110000) and its 25 district offices
#: (종로구 3000000 … 강동구 3240000), as used in 개방자치단체코드 / 제공기관코드.
SEOUL_ORG_CODES = frozenset({"6110000"} | {str(3000000 + 10000 * i) for i in range(25)})


def header_key(name: object) -> str:
    """Header name without white space, BOM or case (``"CCTV 수량"`` -> ``"cctv수량"``)."""
    return re.sub(r"\s+", "", str(name)).replace("\ufeff", "").lower()


def find_column(frame: pd.DataFrame, *keys: str) -> str | None:
    """The first column whose :func:`header_key` is one of ``keys`` (in the order given)."""
    by_key = {header_key(c): c for c in frame.columns}
    for key in keys:
        if key in by_key:
            return str(by_key[key])
    return None


def _sample_text(data: bytes, encoding: str) -> str:
    return codecs.getincrementaldecoder(encoding)("replace").decode(data)


def _separator(text: str) -> str:
    first_line = text.lstrip().split("\n", 1)[0]
    return max(",\t;|", key=lambda d: (first_line.count(d), d == ","))


def _clean_name(name: object) -> str:
    return str(name).strip().replace("\ufeff", "")


def _head(path: Path, layer: str) -> tuple[str, str, bool]:
    """The first bytes of a CSV decoded, its encoding, and whether that is the whole file."""
    p = check_input_file(path, layer=layer)
    size = SAMPLE_BYTES
    try:
        with open(p, "rb") as handle:
            data = handle.read(size + 1)
            while len(data) > size and b"\n" not in data[:size]:
                size *= 2  # the sample holds at least the header line
                data += handle.read(size + 1 - len(data))
    except OSError as err:
        raise InputError(f"cannot read {str(p)!r}: {err.strerror}", layer=layer) from None
    complete = len(data) <= size
    data = data[:size]
    encoding = sniff_encoding(data, layer=layer, complete=complete)
    text = _sample_text(data, encoding).lstrip("\ufeff")
    if complete and not text.strip():
        raise EmptyLayerError(
            "the file holds only white space", layer=layer, fix="download the file again"
        )
    return text, encoding, complete


def _header_text(text: str) -> str:
    """The text up to the end of the header record (a quoted name may hold a newline).

    The header is parsed from this alone, not from the whole sample (megabytes).
    """
    end = text.find("\n", len(text) - len(text.lstrip()))  # blank lines before it
    while end >= 0 and text.count('"', 0, end) % 2:
        end = text.find("\n", end + 1)
    return text if end < 0 else text[: end + 1]


def _raw_header(text: str, sep: str, layer: str) -> list[str]:
    try:
        header = pd.read_csv(StringIO(_header_text(text)), sep=sep, nrows=0, dtype=str)
    except pd.errors.EmptyDataError:
        raise EmptyLayerError(
            "the file has no header and no rows", layer=layer, fix="download the file again"
        ) from None
    except (pd.errors.ParserError, ValueError) as err:
        raise InputError(f"cannot be parsed as CSV: {str(err).strip()}", layer=layer) from None
    return [str(c) for c in header.columns]


def csv_columns(path: Path, layer: str) -> tuple[list[str], str]:
    """The header of a CSV (cleaned names) and its encoding, from its first bytes only."""
    text, encoding, _ = _head(path, layer)
    return [_clean_name(c) for c in _raw_header(text, _separator(text), layer)], encoding


#: Files from this size are parsed by pyarrow's multi-threaded CSV reader (pandas'
#: C parser builds a Python object per cell first); a file pyarrow refuses (a row
#: with more or fewer fields than the header) is parsed again by the C parser.
ARROW_MIN_BYTES = 8 << 20


def _parse(
    source: Any, *, encoding: str | None, sep: str, usecols: Any, layer: str, engine: str = "c"
) -> pd.DataFrame:
    options: dict[str, Any] = {"encoding": encoding, "dtype": str, "keep_default_na": False}
    if engine == "pyarrow":
        try:
            return pd.read_csv(source, sep=sep, usecols=usecols, engine="pyarrow", **options)
        except (pd.errors.ParserError, ValueError) as err:
            if isinstance(err, UnicodeDecodeError):
                raise
            log.debug("%s: pyarrow refused the CSV (%s); using the C parser", layer, err)
    try:
        with warnings.catch_warnings():
            # rows ending in a delimiter have one field more than the header; with
            # index_col=False pandas drops that empty field and warns
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            return pd.read_csv(
                source,
                sep=sep,
                skip_blank_lines=True,
                index_col=False,  # rows ending in a delimiter must not shift columns
                usecols=usecols,
                **options,
            )
    except pd.errors.EmptyDataError:
        raise EmptyLayerError(
            "the file has no header and no rows", layer=layer, fix="download the file again"
        ) from None
    except (pd.errors.ParserError, ValueError) as err:
        if isinstance(err, UnicodeDecodeError):
            raise
        raise InputError(
            f"cannot be parsed as CSV: {str(err).strip()}",
            layer=layer,
            fix="open it in a text editor: a row with extra commas or a broken quote is "
            "usually the cause; re-export it from the portal",
        ) from None


def load_csv(
    path: Path, layer: str, *, columns: Collection[str] | None = None
) -> tuple[pd.DataFrame, str]:
    """Read a CSV of any Korean encoding as strings; parse errors become InputError.

    The encoding is decided from the first bytes (:data:`layers.encoding.SAMPLE_BYTES`)
    and the whole file is then decoded once, by the CSV parser; a file that
    turns out not to decode further on is decided again on all its bytes.

    Parameters
    ----------
    path : Path
        The CSV.
    layer : str
        Name for messages.
    columns : collection of str, optional
        Keep only these columns (cleaned header names); others are not read
        into memory. Default: all.

    Returns
    -------
    (DataFrame, str)
        The table (all cells as stripped strings, blanks as ``""``) and the
        encoding recognised.
    """
    text, encoding, complete = _head(path, layer)
    sep = _separator(text)
    usecols = None
    if columns is not None:
        wanted = frozenset(columns)
        usecols = [c for c in _raw_header(text, sep, layer) if _clean_name(c) in wanted]
    engine = "c" if complete or Path(path).stat().st_size < ARROW_MIN_BYTES else "pyarrow"
    try:
        frame = _parse(
            path, encoding=encoding, sep=sep, usecols=usecols, layer=layer, engine=engine
        )
    except UnicodeDecodeError:
        # the sample decided wrongly (ASCII for megabytes, or damage further on):
        # the whole file decides, with the reader's messages
        full, encoding = decode_bytes(Path(path).read_bytes(), layer=layer)
        frame = _parse(StringIO(full), encoding=None, sep=sep, usecols=usecols, layer=layer)
    if engine == "pyarrow":
        import pyarrow

        pyarrow.default_memory_pool().release_unused()  # the parser's buffers
    frame.columns = [_clean_name(c) for c in frame.columns]
    unnamed = [
        c for c in frame.columns if c.startswith("Unnamed:") and not frame[c].str.strip().any()
    ]
    frame = frame.drop(columns=unnamed)
    frame = frame.fillna("")  # short rows
    for column in frame.columns:
        frame[column] = frame[column].astype(str).str.strip()
    if frame.empty:
        raise EmptyLayerError(
            "the file has a header but no data rows",
            layer=layer,
            fix="download the file again, or check that the export was not filtered to nothing",
        )
    return frame, encoding


def _per_unique(values: pd.Series, parse: Any) -> pd.Series:
    """Apply a vectorised string parser to the distinct values only, then spread back.

    Open-data columns (install month, counts, dates) hold few distinct values
    over a million rows; the regular expressions run once per value.
    """
    codes, uniques = pd.factorize(values.astype("string"))
    parsed = parse(pd.Series(uniques, dtype="string"))
    table = parsed.to_numpy(dtype="float64", na_value=np.nan)
    out = np.full(len(values), np.nan)
    known = codes >= 0
    out[known] = table[codes[known]]
    return pd.Series(out, index=values.index)


def parse_year(values: pd.Series, *, earliest: int = 1950, latest: int = 2100) -> pd.Series:
    """Install years from ``2014``, ``201503``, ``2015-03``, ``2015년``; others -> <NA> (Int64)."""

    def parse(text: pd.Series) -> pd.Series:
        found = text.str.strip().str.extract(r"((?:19|20)\d{2})", expand=False)
        year = pd.to_numeric(found, errors="coerce")
        return year.where((year >= earliest) & (year <= latest))

    return _per_unique(values, parse).astype("Int64")


def parse_count(values: pd.Series) -> pd.Series:
    """Device counts (``"3"``, ``"3.0"``, ``"1,204"``); blanks -> <NA> (Int64)."""

    def parse(text: pd.Series) -> pd.Series:
        number = pd.to_numeric(text.str.replace(",", "", regex=False).str.strip(), errors="coerce")
        return number.where(number >= 0)

    return _per_unique(values, parse).round().astype("Int64")


def as_of_date(values: pd.Series) -> str | None:
    """The latest date in a column (``YYYY-MM-DD``), or None."""
    text = pd.Series(values.astype("string").unique(), dtype="string")
    parts = text.str.extract(r"((?:19|20)\d{2})[-./]?(\d{2})[-./]?(\d{2})")
    parts = parts.dropna()
    if parts.empty:
        return None
    dates = (parts[0] + "-" + parts[1] + "-" + parts[2]).tolist()
    return str(max(dates))


#: Python's ``\s`` (``str.isspace``) as an RE2 class, for Arrow's regex kernels.
_SPACE = (
    r"[\t-\r\x{1c}-\x{20}\x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]"
)
#: ``re.match(r"\s*서\s*울", cell)``: the cell starts with 서울 (spaces allowed).
_SEOUL_PREFIX = rf"^{_SPACE}*서{_SPACE}*울"


def _starts_with_seoul(values: pd.Series) -> np.ndarray:
    """Cells that begin with 서울 (white space allowed around 서), by Arrow's regex kernel."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.array(values.astype(str), from_pandas=True, type=pa.string())
    found = pc.match_substring_regex(text, _SEOUL_PREFIX).fill_null(False)
    return np.asarray(found.to_numpy(zero_copy_only=False), dtype=bool)


def _to_numeric(values: pd.Series, parsed: tuple[np.ndarray, np.ndarray] | None) -> np.ndarray:
    """``pandas.to_numeric(values, errors="coerce")``, reusing plain-decimal floats if given.

    The parsed floats serve when every other cell is empty (NaN either way);
    otherwise the column is parsed as a whole, as pandas reads it.
    """
    if parsed is not None:
        numbers, plain = parsed
        other = np.flatnonzero(~plain)
        if not (values.iloc[other].fillna("").astype(str).str.len() > 0).any():
            out = np.array(numbers, dtype=float)
            out[other] = np.nan
            return out
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)


def seoul_rows(
    frame: pd.DataFrame,
    x_col: str,
    y_col: str,
    *,
    parsed: tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]] | None = None,
) -> np.ndarray:
    """Mask of rows of a national dataset that may be in Seoul.

    A row is kept when its 개방자치단체코드/제공기관코드 is Seoul's, its 관리기관명
    or address names 서울, or its coordinates (either order) fall in Seoul's
    box; the polygon test decides later.

    Parameters
    ----------
    frame : DataFrame
        The rows as read (strings).
    x_col, y_col : str
        The coordinate columns.
    parsed : ((ndarray, ndarray), (ndarray, ndarray)), optional
        x and y as :func:`layers.coords.to_float_plain` gave them (values,
        plain-decimal mask): only the other cells are parsed again.
    """
    keep = np.zeros(len(frame), dtype=bool)
    for col in ("개방자치단체코드", "제공기관코드", "관리기관코드"):
        found = find_column(frame, col)
        if found:
            keep |= _per_value_mask(
                frame[found], lambda v: v.str.replace(r"\.0$", "", regex=True).isin(SEOUL_ORG_CODES)
            )
    for col in ("관리기관명", "제공기관명", "소재지도로명주소", "소재지지번주소"):
        found = find_column(frame, col)
        if found and not keep.all():
            rest = np.flatnonzero(~keep)
            keep[rest] = _starts_with_seoul(frame[found].iloc[rest])
    rest = np.flatnonzero(~keep)
    px, py = parsed if parsed is not None else (None, None)
    x = _to_numeric(frame[x_col].iloc[rest], None if px is None else (px[0][rest], px[1][rest]))
    y = _to_numeric(frame[y_col].iloc[rest], None if py is None else (py[0][rest], py[1][rest]))
    keep[rest] = SEOUL_LATLON.contains(x, y) | SEOUL_LATLON.contains(y, x)
    return keep


def _per_value_mask(values: pd.Series, test: Any) -> np.ndarray:
    """A boolean test run once per distinct value (codes and agency names repeat)."""
    codes, uniques = pd.factorize(values)
    table = np.asarray(test(pd.Series(uniques, dtype="string")).fillna(False), dtype=bool)
    out = np.zeros(len(values), dtype=bool)
    known = codes >= 0
    out[known] = table[codes[known]]
    return out


def by_district(frame: pd.DataFrame) -> dict[str, int]:
    """Rows per district name, in SIG_CD order."""
    if frame.empty or "sig_cd" not in frame.columns:
        return {}
    names = frame.groupby("sig_cd")["name_ko"].first().to_dict()
    sizes = frame.groupby("sig_cd").size().to_dict()
    return {str(names[k]): int(sizes[k]) for k in sorted(sizes, key=str)}


def _all_distinct(values: pd.Series) -> bool:
    """Whether no value repeats, decided by Arrow's sort for Arrow-backed text.

    The values are sorted (Arrow's sort kernel, cheaper than its hash table on
    short identifiers) and each compared with the next. Cheaper
    than ``duplicated`` when, as for identifiers, nothing repeats (a False
    answer is then decided by pandas). Missing values repeat when two are missing.
    """
    if not isinstance(values.array, pd.arrays.ArrowStringArray):
        return not bool(values.duplicated().any())
    import pyarrow as pa
    import pyarrow.compute as pc

    text = values.array.__arrow_array__()
    if isinstance(text, pa.ChunkedArray):
        text = text.combine_chunks()
    if text.null_count > 1:
        return False
    if len(text) < 2:
        return True
    ordered = text.take(pc.sort_indices(text))
    same = pc.equal(ordered.slice(1), ordered.slice(0, len(ordered) - 1))
    return not pc.any(same).as_py()


def has_repeats(values: pd.Series) -> bool:
    """Whether a non-blank value occurs more than once in a text column."""
    text = values.astype(str)
    return not _all_distinct(text[text.str.len() > 0])


def duplicate_note(
    frame: pd.DataFrame, column: str, report: ReadReport, *, kept: bool = True
) -> None:
    """Add a note listing duplicated values of an ID column (not an error in open data).

    ``kept=False`` says the column is not used as the identifier because it repeats.
    """
    values = frame[column].astype(str)
    filled = (values.str.len() > 0).to_numpy()
    if not filled.all():
        values = values[filled]
    if _all_distinct(values):
        return
    dup = values[values.duplicated(keep=False)]
    if dup.empty:
        return
    shown = sorted(dup.unique())
    more = f" and {len(shown) - 10} more" if len(shown) > 10 else ""
    what = (
        "kept; several devices may share one ID"
        if kept
        else f"so '{column}' is not used as the identifier: ids are the file name and row "
        f"number; name it with --id-column if it is the key (it must then be unique)"
    )
    report.notes.append(
        f"{len(dup):,} rows share {len(shown):,} duplicated {column} value(s): "
        f"{', '.join(shown[:10])}{more} ({what})"
    )
