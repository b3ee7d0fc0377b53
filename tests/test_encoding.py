"""Encoding sniffing and refusal of what is not a text data file."""

from __future__ import annotations

from pathlib import Path

import pytest

from layers.encoding import check_input_file, read_text, sniff_encoding
from layers.errors import EmptyLayerError, EncodingError, InputError

TEXT = "자치구,위도,경도\n종로구,37.57,126.98\n"


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (TEXT.encode("cp949"), "cp949"),
        (TEXT.encode("utf-8-sig"), "utf-8-sig"),
        (TEXT.encode("utf-8"), "utf-8"),
        (b"a,b\n1,2\n", "utf-8"),
    ],
)
def test_sniff(data: bytes, expected: str) -> None:
    assert sniff_encoding(data) == expected


def test_bom_wins_and_cp949_only_when_utf8_fails() -> None:
    assert sniff_encoding("\ufeffabc".encode()) == "utf-8-sig"
    assert sniff_encoding("서울".encode()) == "utf-8"


def test_undecodable_names_file_and_fix() -> None:
    with pytest.raises(EncodingError, match=r"layer 'x.csv'.*neither UTF-8 nor CP949(.|\n)*fix"):
        sniff_encoding(b"a,b\n\xff\xff\xff\n", layer="x.csv")


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (b"PK\x03\x04rest", "ZIP container"),
        (b"abc\x00def", "NUL bytes"),
        ("a,b".encode("utf-16"), "UTF-16"),
    ],
)
def test_binary_refused(data: bytes, match: str) -> None:
    with pytest.raises(InputError, match=match):
        sniff_encoding(data, layer="f.csv")


def test_read_text_roundtrip(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_bytes(TEXT.encode("cp949"))
    assert read_text(path) == (TEXT, "cp949")


def test_folder_empty_missing(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="is a folder"):
        check_input_file(tmp_path)
    empty = tmp_path / "e.csv"
    empty.write_bytes(b"")
    with pytest.raises(EmptyLayerError, match="empty"):
        check_input_file(empty)
    with pytest.raises(InputError, match="does not exist"):
        check_input_file(tmp_path / "nope.csv")
    blank = tmp_path / "b.csv"
    blank.write_bytes(b"  \r\n")
    with pytest.raises(EmptyLayerError, match="white space"):
        read_text(blank)


def test_damaged_utf8_is_not_taken_for_cp949() -> None:
    data = ("종로구,서울특별시 종로구 세종대로\n" * 10).encode() + b"\xb0\xa1\n"
    with pytest.raises(EncodingError, match="UTF-8 text except for 2 undecodable byte.*line 11"):
        sniff_encoding(data, layer="mixed.csv")
