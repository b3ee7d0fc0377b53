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

        def failed(request: Any) -> None:
            if urlsplit(request.url).hostname == host:
                self.errors.append(f"request failed: {request.url} {request.failure}")

        def answered(response: Any) -> None:
            if response.status >= 400 and response.request.resource_type != "document":
                self.errors.append(f"{response.status} for {response.url}")

        self.page.on("requestfailed", failed)
        self.page.on("response", answered)
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

    def unreachable_by_tab(self) -> list[str]:
        """Press Tab from the top of the page; the visible form controls focus never reached."""
        total = self.page.evaluate(_MARK_CONTROLS)
        if not total:
            return []
        stops = self.page.evaluate(_BLUR_AND_COUNT_STOPS)
        reached: set[int] = set()
        for _ in range(stops + 3):
            self.page.keyboard.press("Tab")
            mark = self.page.evaluate("() => document.activeElement?.dataset?.kb ?? null")
            if mark is not None:
                reached.add(int(mark))
                if len(reached) == total:
                    return []
        missing: list[str] = self.page.evaluate(_NOT_REACHED, sorted(reached))
        return missing

    def close(self) -> None:
        self.context.close()


#: Number the visible, enabled form controls (``data-kb``); return how many there are.
_MARK_CONTROLS = """() => {
  const controls = [...document.querySelectorAll('input, select, textarea, button')]
    .filter(e => e.type !== 'hidden' && !e.disabled && e.getClientRects().length > 0
                 && getComputedStyle(e).visibility !== 'hidden');
  controls.forEach((e, i) => { e.dataset.kb = String(i); });
  return controls.length;
}"""
#: Start the Tab walk at the top; return the number of elements that could take focus.
_BLUR_AND_COUNT_STOPS = """() => {
  if (document.activeElement) document.activeElement.blur();
  window.scrollTo(0, 0);
  return document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]').length;
}"""
_NOT_REACHED = """(reached) => [...document.querySelectorAll('[data-kb]')]
  .filter(e => !reached.includes(Number(e.dataset.kb)))
  .map(e => e.id || e.name || e.outerHTML.slice(0, 80))"""


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
    app: Any, tabs: Callable[[], Tab], make_user: Callable[..., dict[str, Any]], store: str
) -> None:
    if not store.startswith("sqlite"):
        pytest.skip("one browser run is enough; the store is covered by the HTTP tests")
    from openpyxl import load_workbook

    from tests.service._pages import publish_round, synthetic_siting_files, synthetic_stats_upload

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

    # 4. 노원구 runs a plan for its grant, sees its sites, excludes one and re-runs. The
    # replacement round above buys no new sites (plan refuses it), so the city's cctv-new
    # round of the same year is published too; the round page cannot attach the statistics
    # cctv-new scores on, so that round is set up through the round workflow functions.
    nowon = planners["nowon"]
    stats = synthetic_stats_upload(app, people["officer"]["user"]["id"])
    publish_round(
        app,
        people["officer"]["user"]["id"],
        {"11350": (200_000_000, 100_000_000), "11110": (300_000_000, 150_000_000)},
        program="cctv-new",
        inputs={"districts": stats},
    )
    candidates, demand = synthetic_siting_files()
    for name, body in (("candidates_synthetic.csv", candidates), ("demand_synthetic.csv", demand)):
        nowon.go("/web/uploads")
        nowon.page.set_input_files(
            "#file", files=[{"name": name, "mimeType": "text/csv", "buffer": body}]
        )
        nowon.page.click("#upload-button")
        nowon.page.wait_for_url("**/web/uploads/*")
    nowon.go("/web/jobs")
    assert "방범 CCTV 신설" in nowon.page.inner_text("#grant")
    _click(nowon, "a[href='/web/jobs?process=plan']")
    assert nowon.page.locator("#plan-on-grant").count() == 1
    assert nowon.page.locator("#in-round").count() == 0  # the round is the grant's
    for field, file in (
        ("#in-candidates", "candidates_synthetic.csv"),
        ("#in-demand", "demand_synthetic.csv"),
    ):
        option = nowon.page.locator(f"{field} option", has_text=file)
        nowon.page.select_option(field, value=option.get_attribute("value"))
    _fits(nowon)
    nowon.shot("40_nowon_plan_form")
    _click(nowon, "#start-run")
    nowon.page.wait_for_selector("#sites-table", timeout=180_000)  # htmx polls, then reloads
    nowon.wait_map()
    assert "배정액으로 설치 계획" in nowon.page.inner_text("h1")
    sites = nowon.page.locator("#sites-table tbody tr").count()
    assert sites >= 2
    assert nowon.page.locator("path.siting-site").count() == sites
    assert nowon.page.locator("path.siting-coverage").count() == sites
    assert "노원구" in nowon.page.inner_text("#sites-table")
    assert "배정액" in nowon.page.inner_text("#job-summary")
    _fits(nowon)
    nowon.shot("41_nowon_plan_sites_on_map")
    plan_url = nowon.page.url
    first = nowon.page.locator("#sites-table tbody tr").first.get_attribute("data-candidate")
    nowon.page.check("#ex-1")
    nowon.shot("42_nowon_plan_exclude_one")
    _click(nowon, "#rerun")
    nowon.page.wait_for_selector("#already-excluded", timeout=180_000)
    nowon.wait_map()
    assert nowon.page.url != plan_url
    assert first in nowon.page.inner_text("#already-excluded")
    rows = nowon.page.locator("#sites-table tbody tr")
    assert rows.count() >= 1
    assert all(rows.nth(i).get_attribute("data-candidate") != first for i in range(rows.count()))
    nowon.shot("43_nowon_plan_rerun_without_excluded")
    nowon.check_clean()
    published_plan = nowon.page.url.replace(nowon.base, "")
    unpublished_plan = plan_url.replace(nowon.base, "")

    # 4b. the officer publishes 노원구's plan (the re-run)
    officer.go(published_plan)
    officer.wait_map()
    _click(officer, "#publish-job")
    assert officer.page.url.endswith(published_plan)
    assert officer.page.locator("#publication-state .published").count() == 1
    officer.wait_map()
    officer.shot("44_officer_published_plan")
    officer.check_clean()

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
    # the published plan is listed and opens read-only; the unpublished one does not exist
    council.go("/web/")
    listed = f"#published-plans a[href='{published_plan}']"
    assert council.page.locator(listed).count() == 1
    _click(council, listed)
    council.wait_map()
    assert council.page.locator("#sites-table tbody tr").count() >= 1
    for form in ("#adjust-form", "#rerun", "#start-run", "#publish-job", "input[name=exclude]"):
        assert council.page.locator(form).count() == 0, form
    _fits(council)
    council.shot("52_council_published_plan_read_only")
    response = council.go(unpublished_plan)
    assert response.status == 404
    assert council.page.locator("#not-found").count() == 1
    council.refused_as_expected(404)
    council.shot("53_council_unpublished_plan_not_found")
    council.go("/web/compare")
    council.wait_map()
    council.check_clean()


def _pages_to_audit(app: Any, server: str, people: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """A published cctv-new round funding 노원구 (A), an open replacement round (B), 노원구's
    uploads and a finished plan job, published (the viewer reads it): every kind of page
    then has something to show."""
    import httpx

    from service import rounds as api
    from service.models import User
    from tests.service._pages import (
        publish_round,
        signed_in,
        synthetic_siting_files,
        synthetic_stats_upload,
        upload_file,
        wait_job,
    )

    city_id = people["city"]["user"]["id"]
    stats = synthetic_stats_upload(app, city_id)
    funded = publish_round(
        app, city_id, {"11350": (200_000_000, 100_000_000)}, "cctv-new", {"districts": stats}
    )
    with app.state.store.session() as db:
        city = db.get(User, city_id)
        open_round = api.create_round(
            api.RoundCreate(program="cctv-replace", year=2027), city, db
        ).id
        api.open_round(open_round, city, db)
    candidates, demand = synthetic_siting_files()
    with httpx.Client(base_url=server, timeout=120) as client:
        planner = signed_in(client, people["district"])
        ids = [
            upload_file(planner, "candidates_synthetic.csv", candidates),
            upload_file(planner, "demand_synthetic.csv", demand),
        ]
        started = planner.post(
            "/web/jobs",
            data={
                "csrf_token": planner.csrf("/web/jobs?process=plan"),
                "process": "plan",
                "candidates": ids[0],
                "demand": ids[1],
            },
        )
        assert started.status_code == 303, started.text
        job = started.headers["location"].rsplit("/", 1)[-1]
        assert 'id="sites-table"' in wait_job(planner, f"/web/jobs/{job}").text
        published = client.post(f"/jobs/{job}/publication", headers=people["city"]["headers"])
        assert published.status_code in (200, 201), published.text
    return {"funded": funded, "open": open_round, "upload": ids[0], "job": job}


def test_every_page_for_every_role_in_both_languages(
    app: Any,
    server: str,
    tabs: Callable[[], Tab],
    make_user: Callable[..., dict[str, Any]],
    store: str,
) -> None:
    """Visit each page a role can reach (and the refusals it meets), in Korean and English: no
    external request, no page error or failed request, no horizontal scrolling at 1366×768, a
    label for every visible input, and (in Korean) every form control reached with Tab."""
    if not store.startswith("sqlite"):
        pytest.skip("one browser run is enough; the store is covered by the HTTP tests")
    users = {
        "city": make_user("officer", "city"),
        "district": make_user("nowon", "district", "노원구"),
        "viewer": make_user("council", "viewer"),
    }
    made = _pages_to_audit(app, server, users)
    funded, open_round, job = made["funded"], made["open"], made["job"]
    common = [
        "/web/",
        "/web/rounds",
        f"/web/rounds/{funded}",
        f"/web/rounds/{funded}/results",
        f"/web/rounds/{funded}/results/1",
        f"/web/rounds/{open_round}",
        "/web/compare",
        "/web/rounds/999",
        "/web/rounds/abc",
        "/web/nope-not-a-page",
    ]
    planning = [
        "/web/uploads",
        f"/web/uploads/{made['upload']}",
        "/web/jobs",
        "/web/jobs?process=replace",
        "/web/jobs?process=plan",
        f"/web/jobs/{job}",
        f"/web/rounds/{funded}/submissions/11350",
        f"/web/rounds/{open_round}/submissions/11350",
    ]
    pages = {
        "city": [*common, *planning, "/web/rounds/new"],
        "district": [*common, *planning, "/web/rounds/new"],
        "viewer": [*common, "/web/rounds/new", "/web/uploads", f"/web/jobs/{job}"],
    }
    signed_out = tabs()
    for path in ("/web/sign-in", "/web/welcome", "/web/nope-not-a-page"):
        _audit(signed_out, path, "ko", keyboard=True)
    for role, user in users.items():
        tab = tabs()
        tab.sign_in(user["user"]["name"], user["password"])
        links: set[str] = set()
        for lang in ("ko", "en"):
            tab.go(f"/web/lang/{lang}?next=/web/")
            for path in pages[role]:
                _audit(tab, path, lang, keyboard=lang == "ko")
                links |= set(tab.page.evaluate(_LOCAL_LINKS))
        tab.shot(f"70_audit_{role}_last_page")
        # no page shows this role a link it may not follow
        dead = {
            link: status
            for link in sorted(links)
            if (status := tab.context.request.get(tab.base + link).status) >= 400
        }
        assert dead == {}, f"{role}: links to refusals {dead}"


#: The same-site links of a page (``/web/…``), without the language switch.
_LOCAL_LINKS = """() => [...document.querySelectorAll('a[href^="/web/"]')]
  .map(a => a.getAttribute('href')).filter(h => !h.startsWith('/web/lang/'))"""


def _audit(tab: Tab, path: str, lang: str, *, keyboard: bool) -> None:
    response = tab.go(path)
    if response.status in (403, 404):
        tab.refused_as_expected(response.status)
        marker = "#not-allowed" if response.status == 403 else "#not-found"
        assert tab.page.locator(marker).count() == 1, f"{path}: {response.status} without its page"
        assert tab.page.locator("a[href='/web/']").count() >= 1, f"{path}: no way home"
    else:
        assert response.status == 200, f"{path}: {response.status}"
    assert "text/html" in response.headers["content-type"], path
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
    assert unlabelled == [], f"{path}: inputs without a label {unlabelled}"
    if keyboard:
        missing = tab.unreachable_by_tab()
        assert missing == [], f"{path}: form controls Tab never reaches: {missing}"
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
