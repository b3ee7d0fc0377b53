"""The pages in Debian's chromium (Playwright), every request to another host aborted.

Each page visited is checked for zero external requests and zero page errors
(uncaught exceptions, console errors, CSP violations), and screenshotted under
``tests/artifacts/pages/`` at 1366×768.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests._browser import ARTIFACTS, launch_browser, needs_chromium

pytestmark = [needs_chromium, pytest.mark.browser, pytest.mark.slow]

SHOTS = ARTIFACTS / "pages"
VIEWPORT = {"width": 1366, "height": 768}


class Tab:
    """One browser context (one person), recording external requests and page errors."""

    def __init__(self, browser: Any, base: str) -> None:
        self.base = base
        self.context = browser.new_context(viewport=VIEWPORT, locale="ko-KR")
        self.page = self.context.new_page()
        self.external: list[str] = []
        self.errors: list[str] = []
        host = urlsplit(base).hostname

        def route(request_route: Any) -> None:
            url = request_route.request.url
            if urlsplit(url).hostname == host or url.startswith(("data:", "blob:")):
                request_route.continue_()
            else:
                self.external.append(url)
                request_route.abort()

        self.context.route("**/*", route)
        self.page.on("pageerror", lambda err: self.errors.append(f"pageerror: {err}"))
        self.page.on(
            "console",
            lambda msg: self.errors.append(f"console: {msg.text}") if msg.type == "error" else None,
        )

    def go(self, path: str) -> Any:
        return self.page.goto(self.base + path, wait_until="load")

    def sign_in(self, name: str, password: str) -> None:
        if "/web/sign-in" not in self.page.url:
            self.go("/web/sign-in")
        self.page.get_by_label("사용자 이름").fill(name)
        self.page.get_by_label("비밀번호").fill(password)
        self.page.get_by_role("button", name="로그인").click()
        self.page.wait_for_load_state("load")

    def shot(self, name: str) -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)

    def check_clean(self) -> None:
        assert self.external == [], f"external requests: {self.external}"
        assert self.errors == [], f"page errors: {self.errors}"

    def refused_as_expected(self, status: int) -> None:
        """Drop chromium's console line for a page the test asked to be refused with ``status``.

        Chromium logs "Failed to load resource: … status of 4xx" for every 4xx document,
        including the form re-shown with its errors (422) or the not-allowed page (403).
        """
        self.errors[:] = [e for e in self.errors if f"status of {status}" not in e]

    def wait_map(self) -> None:
        try:
            self.page.wait_for_selector("#map[data-ready='1']", timeout=20_000)
        except Exception as err:
            error = self.page.get_attribute("#map", "data-error")
            raise AssertionError(
                f"map not ready on {self.page.url}: {error}; {self.errors}"
            ) from err

    def close(self) -> None:
        self.context.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_browser()


@pytest.fixture
def tabs(browser: Any, server: str) -> Iterator[Callable[[], Tab]]:
    opened: list[Tab] = []

    def new() -> Tab:
        tab = Tab(browser, server)
        opened.append(tab)
        return tab

    yield new
    for tab in opened:
        tab.close()


def test_sign_in_and_comparison_in_chromium(
    tabs: Callable[[], Tab], make_user: Callable[..., dict[str, Any]], store: str
) -> None:
    if not store.startswith("sqlite"):
        pytest.skip("one browser run is enough; the store is covered by the HTTP tests")
    council = make_user("council", "viewer")
    tab = tabs()
    tab.go("/web/compare")
    assert tab.page.url.endswith("/web/sign-in?next=/web/compare")
    tab.shot("00_sign_in")
    tab.sign_in("council", council["password"])
    assert tab.page.url.endswith("/web/compare")
    tab.wait_map()
    assert tab.page.locator("path.siting-district").count() == 25
    assert tab.page.locator("#compare-table tbody tr").count() == 25
    cookies = {c["name"]: c for c in tab.context.cookies()}
    session = cookies["siting_session"]
    assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Lax"
    tab.shot("01_council_compare")
    # keyboard: the skip link is the first tab stop and moves focus to the content
    tab.page.keyboard.press("Tab")
    assert tab.page.evaluate("document.activeElement.className") == "skip"
    tab.page.get_by_role("link", name="English").click()
    tab.page.wait_for_load_state("load")
    assert tab.page.locator("html").get_attribute("lang") == "en"
    tab.wait_map()
    tab.shot("02_council_compare_en")
    tab.page.get_by_role("button", name="Sign out").click()
    tab.page.wait_for_load_state("load")
    assert "/web/sign-in" in tab.page.url
    tab.check_clean()


BAD_STREETLIGHTS = (
    "관리번호,위도,경도\n"
    "SYN-001,37.5735,126.9790\n"
    "SYN-002,,\n"
    "SYN-003,0,0\n"
    "SYN-004,126.9850,37.5760\n"
    "SYN-005,35.1796,129.0756\n"
    "SYN-006,37.5800,126.9830\n"
).encode()


def _fits(tab: Tab) -> None:
    width = tab.page.evaluate("document.documentElement.scrollWidth")
    assert width <= VIEWPORT["width"], f"{tab.page.url}: {width}px wide"


def _click(tab: Tab, selector: str) -> None:
    tab.page.click(selector)
    tab.page.wait_for_load_state("load")


def test_whole_round_in_chromium(
    tabs: Callable[[], Tab], make_user: Callable[..., dict[str, Any]], store: str
) -> None:
    if not store.startswith("sqlite"):
        pytest.skip("one browser run is enough; the store is covered by the HTTP tests")
    from openpyxl import load_workbook

    from tests.service._pages import synthetic_siting_files

    people = {
        "officer": make_user("officer", "city"),
        "nowon": make_user("nowon", "district", "노원구"),
        "jongno": make_user("jongno", "district", "종로구"),
        "gangnam": make_user("gangnam", "district", "강남구"),
        "council": make_user("council", "viewer"),
    }

    # 1. the city officer creates and opens a round
    officer = tabs()
    officer.sign_in("officer", people["officer"]["password"])
    _click(officer, "a[href='/web/rounds']")
    _click(officer, "#new-round")
    page = officer.page
    page.select_option("#program", "cctv-replace")
    page.fill("#year", "2026")
    page.fill("#title", "2026 노후 CCTV 교체 (브라우저 시험)")
    page.fill("#budget", "6억")
    assert page.locator("label[for=budget]").count() == 1
    _fits(officer)
    officer.shot("10_officer_create_round")
    _click(officer, "#create-round")
    round_url = page.url
    assert "작성 중" in page.inner_text("#round-status")
    _click(officer, "#open-round")
    assert "접수 중" in page.inner_text("#round-status")
    officer.shot("11_officer_round_open")

    # 2. three district planners sign in and submit; 종로구's upload has bad rows
    planners = {}
    for name, amount, matching in (
        ("nowon", "2억", "1억"),
        ("jongno", "600,000천원", "3억"),
        ("gangnam", "4억", "2억"),
    ):
        tab = tabs()
        planners[name] = tab
        tab.sign_in(name, people[name]["password"])
        if name == "jongno":
            _click(tab, "a[href='/web/uploads']")
            tab.page.set_input_files(
                "#file",
                files=[
                    {
                        "name": "streetlights_synthetic.csv",
                        "mimeType": "text/csv",
                        "buffer": BAD_STREETLIGHTS,
                    }
                ],
            )
            tab.page.click("#upload-button")
            tab.page.wait_for_url("**/web/uploads/*")
            tab.page.wait_for_load_state("load")
            assert tab.page.inner_text("#rows-dropped") == "3"
            dropped = tab.page.inner_text("#dropped-table")
            assert "좌표 없음" in dropped and "좌표가 0" in dropped
            assert "행 4" in tab.page.inner_text("#swapped")
            _fits(tab)
            tab.shot("20_jongno_upload_bad_rows")
        tab.go(round_url.replace(tab.base, ""))
        _click(tab, "#my-submission")
        if name == "gangnam":  # Korean validation first
            tab.page.fill("#requested", "사억쯤")
            tab.page.fill("#matching", "")
            _click(tab, "#submit-request")
            tab.refused_as_expected(422)
            assert "금액으로 읽을 수 없습니다" in tab.page.inner_text("#requested-error")
            assert "입력하십시오" in tab.page.inner_text("#matching-error")
            tab.shot("21_gangnam_validation_messages")
        tab.page.fill("#requested", amount)
        tab.page.fill("#matching", matching)
        if name == "jongno":
            tab.page.check("fieldset input[name=attachments]")
        _click(tab, "#submit-request")
        assert tab.page.locator("#saved").count() == 1
        if name == "nowon":
            tab.shot("22_nowon_submitted")
        tab.check_clean()

    # 3. the officer watches, closes, scores, publishes and downloads the XLSX
    officer.go(round_url.replace(officer.base, ""))
    assert "3개 자치구 제출" in page.inner_text("#submitted-count")
    officer.shot("30_officer_submissions")
    _click(officer, "#close-round")
    page.fill("#reason", "1차 채점")
    _click(officer, "#score-round")
    officer.wait_map()
    assert page.locator("#result-table tbody tr").count() == 25
    assert page.locator("path.siting-district").count() == 25
    _click(officer, "a[href$='/web/rounds/1']")
    _click(officer, "#publish-round")
    officer.wait_map()
    assert page.locator("#published").count() == 1
    _fits(officer)
    officer.shot("31_officer_published_result")
    with page.expect_download() as download:
        page.click("#downloads a[href$='.xlsx']")
    assert download.value.suggested_filename == "cctv-replace_round.xlsx"
    with open(download.value.path(), "rb") as handle:
        book = load_workbook(handle, read_only=True)
    assert any(sheet.max_row >= 26 for sheet in book.worksheets)
    officer.check_clean()

    # 4. 노원구 runs a plan for its grant, sees its sites, excludes one and re-runs
    nowon = planners["nowon"]
    candidates, demand = synthetic_siting_files()
    nowon.go("/web/uploads")
    for name, body in (("candidates_synthetic.csv", candidates), ("demand_synthetic.csv", demand)):
        nowon.go("/web/uploads")
        nowon.page.set_input_files(
            "#file", files=[{"name": name, "mimeType": "text/csv", "buffer": body}]
        )
        nowon.page.click("#upload-button")
        nowon.page.wait_for_url("**/web/uploads/*")
    nowon.go("/web/jobs")
    assert "총 2억원" in nowon.page.inner_text("#grant")
    nowon.page.fill("#in-count", "6")
    nowon.page.select_option(
        "#in-candidates",
        label=nowon.page.locator(
            "#in-candidates option", has_text="candidates_synthetic.csv"
        ).inner_text(),
    )
    nowon.page.select_option(
        "#in-demand",
        label=nowon.page.locator("#in-demand option", has_text="demand_synthetic.csv").inner_text(),
    )
    _fits(nowon)
    nowon.shot("40_nowon_run_form")
    _click(nowon, "#start-run")
    nowon.page.wait_for_selector("#sites-table", timeout=180_000)  # htmx polls, then reloads
    nowon.wait_map()
    sites = nowon.page.locator("#sites-table tbody tr").count()
    assert sites >= 2
    assert nowon.page.locator("path.siting-site").count() == sites
    assert nowon.page.locator("path.siting-coverage").count() == sites
    _fits(nowon)
    nowon.shot("41_nowon_sites_on_map")
    first = nowon.page.locator("#sites-table tbody tr").first.get_attribute("data-candidate")
    nowon.page.check("#ex-1")
    _click(nowon, "#rerun")
    nowon.page.wait_for_selector("#already-excluded", timeout=180_000)
    nowon.wait_map()
    assert first in nowon.page.inner_text("#already-excluded")
    rows = nowon.page.locator("#sites-table tbody tr")
    assert all(rows.nth(i).get_attribute("data-candidate") != first for i in range(rows.count()))
    nowon.shot("42_nowon_rerun_without_excluded")
    nowon.check_clean()

    # 5. the council viewer sees the published result and cannot reach the request pages
    council = tabs()
    council.sign_in("council", people["council"]["password"])
    _click(council, "a[href='/web/rounds']")
    _click(council, "a[href$='/web/rounds/1']")
    _click(council, "#versions a")
    council.wait_map()
    assert council.page.locator("#result-table tbody tr").count() == 25
    council.shot("50_council_result")
    assert council.page.locator("a[href='/web/uploads']").count() == 0
    for path in ("/web/rounds/1/submissions/11350", "/web/uploads", "/web/jobs"):
        response = council.go(path)
        assert response.status == 403, path
        assert council.page.locator("#not-allowed").count() == 1
        council.refused_as_expected(403)
    council.shot("51_council_not_allowed")
    council.go("/web/compare")
    council.wait_map()
    council.check_clean()


def test_every_page_for_every_role_in_both_languages(
    app: Any,
    tabs: Callable[[], Tab],
    make_user: Callable[..., dict[str, Any]],
    store: str,
) -> None:
    """Visit each page a role can reach, in Korean and English: no external request, no page
    error, no horizontal scrolling at 1366×768, a label for every visible input."""
    if not store.startswith("sqlite"):
        pytest.skip("one browser run is enough; the store is covered by the HTTP tests")
    from tests.service._pages import publish_round

    officer = make_user("officer", "city")
    users = {
        "city": officer,
        "district": make_user("nowon", "district", "노원구"),
        "viewer": make_user("council", "viewer"),
    }
    round_id = publish_round(app, officer["user"]["id"], {"11350": (200_000_000, 100_000_000)})
    common = [
        "/web/",
        "/web/rounds",
        f"/web/rounds/{round_id}",
        f"/web/rounds/{round_id}/results/1",
        "/web/compare",
        "/web/rounds/999",
        "/web/nope-not-a-page",
    ]
    pages = {
        "city": [
            *common,
            "/web/rounds/new",
            "/web/uploads",
            "/web/jobs",
            f"/web/rounds/{round_id}/submissions/11350",
        ],
        "district": [
            *common,
            "/web/uploads",
            "/web/jobs",
            f"/web/rounds/{round_id}/submissions/11350",
        ],
        "viewer": [*common, "/web/rounds/new"],
    }
    for role, user in users.items():
        tab = tabs()
        tab.sign_in(user["user"]["name"], user["password"])
        for lang in ("ko", "en"):
            tab.go(f"/web/lang/{lang}?next=/web/")
            for path in pages[role]:
                response = tab.go(path)
                if response.status in (403, 404):
                    tab.refused_as_expected(response.status)
                    if path.startswith("/web/nope"):
                        continue  # not a page of ours: the API's JSON 404
                assert tab.page.locator("html").get_attribute("lang") == lang, path
                if tab.page.locator("#map").count():
                    tab.wait_map()
                _fits(tab)
                unlabelled = tab.page.evaluate(
                    """() => [...document.querySelectorAll('input, select, textarea')]
                      .filter(e => e.type !== 'hidden')
                      .filter(e => !(e.id && document.querySelector(`label[for="${e.id}"]`))
                                   && !e.closest('label') && !e.getAttribute('aria-label'))
                      .map(e => e.name || e.id)"""
                )
                assert unlabelled == [], f"{role} {path}: inputs without a label {unlabelled}"
                tab.check_clean()


def test_sign_in_and_submit_with_the_keyboard_only(
    app: Any, tabs: Callable[[], Tab], make_user: Callable[..., dict[str, Any]], store: str
) -> None:
    if not store.startswith("sqlite"):
        pytest.skip("one browser run is enough; the store is covered by the HTTP tests")
    from service import rounds as api
    from service.models import User

    officer = make_user("officer", "city")
    planner = make_user("nowon", "district", "노원구")
    with app.state.store.session() as db:
        city = db.get(User, officer["user"]["id"])
        created = api.create_round(api.RoundCreate(program="cctv-replace", year=2026), city, db)
        api.open_round(created.id, city, db)
    tab = tabs()
    tab.go(f"/web/rounds/{created.id}/submissions/11350")
    keys = tab.page.keyboard
    assert tab.page.evaluate("document.activeElement.id") == "name"  # autofocus
    keys.type("nowon")
    keys.press("Tab")
    keys.type(planner["password"])
    keys.press("Enter")
    tab.page.wait_for_url(f"**/web/rounds/{created.id}/submissions/11350")
    tab.page.focus("#requested")
    keys.type("2억")
    keys.press("Tab")
    assert tab.page.evaluate("document.activeElement.id") == "matching"
    keys.type("1억")
    keys.press("Enter")  # submits the form
    tab.page.wait_for_selector("#saved")
    tab.shot("60_keyboard_submission")
    tab.check_clean()
