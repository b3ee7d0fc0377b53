"""Unit tests of the pages' building blocks: formats, catalogue, sessions, CSRF helpers."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.money import parse_krw
from service.pages import fmt
from service.pages.i18n import MESSAGES, Translator
from service.pages.session import (
    ABSOLUTE_S,
    IDLE_S,
    SessionStore,
    SignInThrottle,
    cookie_options,
    password_stamp,
    same_token,
)
from service.pages.web import safe_next

TEMPLATES = Path(__file__).parents[2] / "service" / "pages" / "templates"


def test_money_formats_as_officials_write_it() -> None:
    assert fmt.money(8_162_500_000) == "81억 6,250만원"
    assert fmt.money(2_849_000_000) == "28억 4,900만원"
    assert fmt.money(1_500_000_000_000) == "1조 5,000억원"
    assert fmt.money(10_000) == "1만원"
    assert fmt.money(999) == "999원"
    assert fmt.cheon_won(8_162_500_000) == "8,162,500천원"
    assert fmt.cheon_won(1_234_567) == "1,234.567천원"
    assert fmt.won(2_500_000) == "2,500,000원"
    assert fmt.money(None) == "–"
    assert fmt.money(8_162_500_000, "en") == "KRW 8,162,500,000"


@settings(max_examples=200, deadline=None)  # no timing: the machine may be busy
@given(st.integers(min_value=0, max_value=10**15))
def test_readable_money_is_exact(krw: int) -> None:
    # What the page writes reads back to the same amount with the project's one parser.
    assert parse_krw(fmt.money(krw)) == krw
    assert parse_krw(fmt.cheon_won(krw)) == krw
    assert parse_krw(fmt.won(krw)) == krw


def test_dates_in_kst() -> None:
    moment = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)  # 2027-01-01 00:30 in Seoul
    assert fmt.kst(moment) == "2027. 1. 1. 00:30 KST"
    assert fmt.kst(moment, "en") == "1 Jan 2027 00:30 KST"
    assert fmt.kst_date(moment) == "2027. 1. 1."
    assert fmt.kst(datetime(2026, 12, 2, 5, 43)) == "2026. 12. 2. 14:43 KST"  # naive = UTC


def test_numbers() -> None:
    assert fmt.num(1234567) == "1,234,567"
    assert fmt.num(float("nan")) == "–"
    assert fmt.pct(12.345) == "12.3%"


def test_catalogue_has_both_languages_and_fields_match() -> None:
    for key, (ko, en) in MESSAGES.items():
        assert ko.strip() and en.strip(), key
        assert set(re.findall(r"{(\w+)}", ko)) == set(re.findall(r"{(\w+)}", en)), key
    assert Translator("ko")("sign_in") == "로그인"
    assert Translator("en")("sign_in") == "Sign in"
    assert Translator("fr")("sign_in") == "로그인"  # unknown language: Korean
    with pytest.raises(KeyError):
        Translator("ko")("no_such_message")


def test_every_role_state_and_programme_has_a_name() -> None:
    from scoring.criteria import PROGRAMS
    from service.models import JOB_STATUSES, ROLES, ROUND_STATUSES

    keys = (
        [f"role_{r}" for r in ROLES]
        + [f"status_{s}" for s in ROUND_STATUSES]
        + [f"job_{s}" for s in JOB_STATUSES]
        + [f"program_{p.replace('-', '_')}" for p in PROGRAMS]
    )
    assert [k for k in keys if k not in MESSAGES] == []


def test_every_message_a_template_uses_exists() -> None:
    used: set[str] = set()
    for path in TEMPLATES.glob("*.html"):
        used |= set(
            re.findall(r"""\bt\(\s*'([a-z0-9_]+)'\s*[,)]""", path.read_text(encoding="utf-8"))
        )
    assert used, "no t('...') call found in the templates"
    missing = sorted(used - set(MESSAGES))
    assert missing == []


def test_templates_have_no_inline_styles_or_scripts() -> None:
    # The pages' Content-Security-Policy allows only this server's files.
    for path in TEMPLATES.glob("*.html"):
        text = path.read_text(encoding="utf-8")
        assert "style=" not in text, path.name
        for match in re.finditer(r"<script([^>]*)>(.*?)</script>", text, re.S):
            attrs, body = match.groups()
            assert "src=" in attrs or 'type="application/json"' in attrs, path.name
            assert "src=" not in attrs or body.strip() == "", path.name
        assert "http://" not in text and "https://" not in text, path.name


def test_session_store_lifecycle(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "web-sessions")
    sid, session = store.create(7, "stamp", now=1000.0)
    assert len(sid) >= 40
    loaded = store.load(sid, now=1001.0)
    assert loaded is not None and loaded.user_id == 7 and loaded.csrf == session.csrf
    # the folder holds only hashes of session ids, never the cookie value
    names = [p.name for p in (tmp_path / "web-sessions").iterdir()]
    assert names and all(sid not in n for n in names)
    assert all(sid not in p.read_text() for p in (tmp_path / "web-sessions").iterdir())
    assert store.load("not-a-session", now=1001.0) is None
    assert store.load(None) is None
    store.delete(sid)
    assert store.load(sid, now=1002.0) is None


def test_sessions_expire_idle_and_absolute(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    sid, _ = store.create(1, "s", now=0.0)
    assert store.load(sid, now=IDLE_S + 1) is None  # idle too long
    sid, _ = store.create(1, "s", now=0.0)
    moment = 0.0
    while moment + IDLE_S / 2 < ABSOLUTE_S:  # kept busy, still ends at the absolute limit
        moment += IDLE_S / 2
        assert store.load(sid, now=moment) is not None
    assert store.load(sid, now=ABSOLUTE_S + 1) is None


def test_sweep_and_delete_user(tmp_path: Path) -> None:
    store = SessionStore(tmp_path)
    old, _ = store.create(1, "s", now=0.0)
    a, _ = store.create(2, "s", now=IDLE_S * 3)
    b, _ = store.create(2, "s", now=IDLE_S * 3)
    assert store.load(old, now=IDLE_S * 3) is None  # swept at the later sign-ins
    assert store.delete_user(2) == 2
    assert store.load(a, now=IDLE_S * 3) is None and store.load(b, now=IDLE_S * 3) is None


def test_cookie_options_are_secure() -> None:
    options = cookie_options()
    assert options["secure"] is True and options["httponly"] is True
    assert options["samesite"] == "lax"
    assert cookie_options(strict=True)["samesite"] == "strict"


def test_token_comparison() -> None:
    assert same_token("abc", "abc")
    assert not same_token("abc", "abd")
    assert not same_token("", "")
    assert not same_token(None, "abc")
    assert password_stamp("h1") != password_stamp("h2")


def test_throttle_blocks_after_five_failures() -> None:
    throttle = SignInThrottle(limit=5, window_s=900)
    for i in range(5):
        assert not throttle.blocked("kim", now=i)
        throttle.failed("Kim ", now=i)
    assert throttle.blocked("kim", now=10)
    assert not throttle.blocked("kim", now=1000)  # the window passed
    throttle.failed("lee", now=0)
    throttle.succeeded("lee")
    assert not throttle.blocked("lee", now=1)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/web/rounds/3", "/web/rounds/3"),
        ("https://evil.example/", "/web/"),
        ("//evil.example/", "/web/"),
        ("/\\evil.example", "/web/"),
        ("javascript:alert(1)", "/web/"),
        ("", "/web/"),
    ],
)
def test_next_is_always_local(target: str, expected: str) -> None:
    assert safe_next(target) == expected


def test_csp_allows_only_the_configured_tile_server() -> None:
    from types import SimpleNamespace

    from service.pages.web import _csp

    def request(tile_url: str | None) -> Any:
        settings = SimpleNamespace(tile_url=tile_url)
        return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=settings)))

    plain = _csp(request(None))
    assert "img-src 'self' data:;" in plain and "http" not in plain
    city = _csp(request("https://{s}.tiles.city.local/{z}/{x}/{y}.png"))
    assert "img-src 'self' data: https://*.tiles.city.local;" in city
    assert "script-src 'self';" in city  # tiles never widen where scripts come from


def test_every_allocation_status_and_reason_reads_in_korean() -> None:
    from scoring import allocation
    from service.pages.rounds import allocation_text

    texts = [v for k, v in vars(allocation).items() if k.startswith(("REASON_", "STATUS_"))]
    assert len(texts) >= 9
    untranslated = [t for t in texts if allocation_text(t, "ko") == t]
    assert untranslated == []
    rounded = f"{allocation.REASON_ROUNDED} (1,234,567 → 1,234,000 KRW)"
    assert allocation_text(rounded, "ko").endswith("(1,234,567 → 1,234,000 KRW)")
    assert allocation_text(allocation.REASON_BUDGET, "en") == allocation.REASON_BUDGET


def test_every_reader_drop_reason_reads_in_korean() -> None:
    import importlib

    from service.pages.uploads import reason_text

    reasons = []
    for module in (
        "layers.coords",
        "layers.readers._common",
        "layers.readers.cctv_by_year",
        "layers.readers.kosis",
        "layers.readers.vector",
    ):
        try:
            mod = importlib.import_module(module)
        except ImportError:
            continue
        reasons += [
            v for k, v in vars(mod).items() if k.startswith("REASON_") and isinstance(v, str)
        ]
    assert reasons
    assert [r for r in reasons if reason_text(r, "ko") == r] == []
