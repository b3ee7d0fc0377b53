"""Helpers of the page tests: sign in over HTTP and carry the session cookie by hand.

The pages set only ``Secure`` cookies; httpx (like Python's cookiejar) does not
send them back over ``http://``, while browsers do on ``127.0.0.1``. The tests
therefore read ``Set-Cookie`` and send ``Cookie`` themselves.
"""

from __future__ import annotations

import re
import time
from http.cookies import SimpleCookie
from typing import Any

import httpx

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]*)"')


def set_cookies(response: httpx.Response) -> dict[str, SimpleCookie]:
    """Every ``Set-Cookie`` of a response, parsed, by cookie name."""
    out: dict[str, SimpleCookie] = {}
    for header in response.headers.get_list("set-cookie"):
        jar: SimpleCookie = SimpleCookie()
        jar.load(header)
        for name in jar:
            out[name] = jar
    return out


def csrf_of(html: str) -> str:
    """The CSRF token of the first form in a page."""
    match = CSRF_INPUT.search(html)
    assert match, "no csrf_token field in the page"
    return match.group(1)


class Browser:
    """A minimal cookie-carrying client of the pages (no redirects followed)."""

    def __init__(self, client: httpx.Client) -> None:
        self.client = client
        self.cookies: dict[str, str] = {}

    def _keep(self, response: httpx.Response) -> httpx.Response:
        for name, jar in set_cookies(response).items():
            morsel = jar[name]
            if morsel["max-age"] == "0" or morsel.value == "":
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = morsel.value
        return response

    def _headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(extra or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def get(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = self._headers(kwargs.pop("headers", None))
        return self._keep(self.client.get(url, headers=headers, **kwargs))

    def post(self, url: str, **kwargs: Any) -> httpx.Response:
        headers = self._headers(kwargs.pop("headers", None))
        return self._keep(self.client.post(url, headers=headers, **kwargs))

    def sign_in(self, name: str, password: str) -> httpx.Response:
        form = self.get("/web/sign-in")
        token = csrf_of(form.text)
        response = self.post(
            "/web/sign-in",
            data={"name": name, "password": password, "csrf_token": token, "next": "/web/"},
        )
        return response

    def csrf(self, url: str = "/web/") -> str:
        return csrf_of(self.get(url).text)


def upload_file(browser: Browser, name: str, body: bytes) -> str:
    """Upload ``body`` as ``name`` the way the upload page does; the upload's id."""
    token = browser.csrf("/web/uploads")
    response = browser.post(
        f"/web/uploads/raw?filename={name}",
        content=body,
        headers={"X-CSRF-Token": token, "Content-Type": "text/csv"},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def wait_job(browser: Browser, job_url: str, timeout_s: float = 180) -> httpx.Response:
    """Poll a job page's status fragment as htmx does; the job page once it has finished."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        status = browser.get(job_url + "/status")
        assert status.status_code == 200
        if status.headers.get("hx-refresh") == "true":
            return browser.get(job_url)
        time.sleep(0.5)
    raise AssertionError(f"{job_url} did not finish in {timeout_s} s")


def signed_in(client: httpx.Client, user: dict[str, Any]) -> Browser:
    """A browser signed in as a ``make_user`` result."""
    browser = Browser(client)
    response = browser.sign_in(user["user"]["name"], user["password"])
    assert response.status_code == 303, response.text
    return browser


def synthetic_stats_upload(app: Any, owner_id: int, seed: int = 3) -> str:
    """An upload (owned by ``owner_id``) of synthetic per-district statistics for a cctv-new
    round: ``sig_cd,vulnerable_cells`` for the 25 districts, seeded; its id."""
    import hashlib

    import numpy as np

    from layers import load_districts
    from service.models import Upload, new_id

    rng = np.random.default_rng(seed)
    codes = sorted(str(c) for c in load_districts()["sig_cd"])
    body = (
        "sig_cd,vulnerable_cells\n"
        + "".join(f"{code},{int(rng.integers(50, 400))}\n" for code in codes)
    ).encode()
    upload_id = new_id()
    name = "district_stats_synthetic.csv"
    target = app.state.settings.uploads_dir / upload_id / name
    target.parent.mkdir(parents=True)
    target.write_bytes(body)
    with app.state.store.session() as db:
        db.add(
            Upload(
                id=upload_id,
                owner_id=owner_id,
                filename=name,
                path=target.relative_to(app.state.settings.data).as_posix(),
                size=len(body),
                sha256=hashlib.sha256(body).hexdigest(),
                content_type="text/csv",
            )
        )
        db.commit()
    return upload_id


def publish_round(
    app: Any,
    city_id: int,
    requests: dict[str, tuple[int, int]],
    program: str = "cctv-replace",
    inputs: dict[str, str] | None = None,
) -> int:
    """A published round of ``program`` (budget 10억) with the given requests, through the
    round workflow functions the pages call: ``{SIG_CD: (requested KRW, matching KRW)}``;
    ``inputs`` are upload ids of round inputs (``districts``, ``grid``)."""
    from service import rounds as api
    from service.models import User

    with app.state.store.session() as db:
        city = db.get(User, city_id)
        assert city is not None
        created = api.create_round(
            api.RoundCreate(
                program=program, year=2026, budget_krw=1_000_000_000, inputs=inputs or {}
            ),
            city,
            db,
        )
        api.open_round(created.id, city, db)
        for code, (requested, matching) in requests.items():
            api.put_submission(
                created.id,
                code,
                api.SubmissionIn(requested_krw=requested, matching_secured_krw=matching),
                city,
                db,
            )
        api.close_round(created.id, city, db)
        api.score(created.id, city, db, app.state.store, api.ScoreIn(reason="test"))
        api.publish(created.id, city, db)
        return created.id


def synthetic_siting_files(
    sig_name: str = "노원구", n: int = 40, seed: int = 7
) -> tuple[bytes, bytes]:
    """Synthetic candidate streetlights (OA-22205 columns) inside a district, and demand points
    (x, y, weight in WGS84) around them; seeded, labelled synthetic in their ids."""
    import numpy as np
    from shapely import Point

    from layers import load_districts

    rng = np.random.default_rng(seed)
    layer = load_districts()
    shape = layer[layer.name_ko == sig_name].to_crs(4326).geometry.iloc[0]
    west, south, east, north = shape.bounds
    points: list[tuple[float, float]] = []
    while len(points) < n:
        x, y = rng.uniform(west, east), rng.uniform(south, north)
        if shape.contains(Point(x, y)):
            points.append((x, y))
    candidates = "관리번호,위도,경도\n" + "".join(
        f"SYN-{i:03d},{y:.6f},{x:.6f}\n" for i, (x, y) in enumerate(points)
    )
    demand = ["x,y,weight"]
    for x, y in points:
        for _ in range(int(rng.integers(1, 6))):
            dx, dy = rng.normal(0, 0.0002, 2)  # ~20 m
            demand.append(f"{x + dx:.6f},{y + dy:.6f},{int(rng.integers(1, 10))}")
    return candidates.encode(), ("\n".join(demand) + "\n").encode()
