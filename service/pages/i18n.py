"""The pages' message catalogue: Korean first, English on request.

Every text a page shows comes from :data:`MESSAGES` (``key → (Korean, English)``)
through a :class:`Translator`; a key missing from the catalogue raises
``KeyError`` so that a test rendering every page finds it. Messages may carry
``{name}`` fields filled by keyword arguments.

The language is the ``siting_lang`` cookie (``ko`` by default, ``en`` after the
English switch in the page header).

Examples
--------
>>> Translator("ko")("sign_in")
'로그인'
>>> Translator("en")("welcome", name="kim")
'Signed in as kim'
"""

from __future__ import annotations

from typing import Any

__all__ = ["LANGS", "MESSAGES", "Translator", "pick_lang"]

#: Languages of the pages, the first is the default.
LANGS = ("ko", "en")

#: key → (Korean, English).
MESSAGES: dict[str, tuple[str, str]] = {
    # layout
    "app_title": (
        "서울시 CCTV·와이파이·스마트폴 입지 계획",
        "Seoul CCTV, Wi-Fi and smart-pole planning",
    ),
    "skip_to_content": ("본문 바로가기", "Skip to content"),
    "nav_home": ("처음", "Home"),
    "nav_rounds": ("보조금 공모", "Subsidy rounds"),
    "nav_uploads": ("파일 올리기", "Uploads"),
    "nav_jobs": ("입지 분석", "Siting runs"),
    "nav_compare": ("자치구 비교", "District comparison"),
    "lang_switch": ("English", "한국어"),
    "lang_switch_label": ("Switch to English", "한국어로 보기"),
    "signed_in_as": ("{name} ({role})", "{name} ({role})"),
    "role_city": ("서울시", "City"),
    "role_district": ("자치구", "District"),
    "role_viewer": ("열람", "Viewer"),
    "footer_offline": (
        "모든 화면과 지도 자료는 이 서버에서만 제공됩니다 (외부 요청 없음).",
        "Every page and map asset is served by this server (no external requests).",
    ),
    # sign-in
    "sign_in": ("로그인", "Sign in"),
    "sign_out": ("로그아웃", "Sign out"),
    "user_name": ("사용자 이름", "User name"),
    "password": ("비밀번호", "Password"),
    "sign_in_help": (
        "관리자가 `siting users add`로 만든 계정으로 로그인하십시오.",
        "Sign in with the account the administrator created with `siting users add`.",
    ),
    "sign_in_failed": (
        "사용자 이름 또는 비밀번호가 맞지 않습니다.",
        "The user name or password is not correct.",
    ),
    "sign_in_blocked": (
        "로그인 실패가 너무 많습니다. 15분 뒤에 다시 시도하십시오.",
        "Too many failed sign-ins. Try again in 15 minutes.",
    ),
    "sign_in_required": ("로그인이 필요합니다.", "Please sign in."),
    "signed_out": ("로그아웃했습니다.", "You are signed out."),
    "cookie_missing": (
        "브라우저가 로그인 쿠키를 저장하지 않았습니다. 이 서비스는 보안 쿠키(Secure)만 쓰므로 "
        "https:// 주소나 이 컴퓨터의 http://127.0.0.1 주소로 접속하십시오.",
        "Your browser did not keep the sign-in cookie. The service only sets Secure cookies: "
        "open it through an https:// address, or http://127.0.0.1 on this computer.",
    ),
    "insecure_origin": (
        "이 주소는 https가 아니어서 로그인 쿠키가 저장되지 않을 수 있습니다.",
        "This address is not https, so the browser may refuse the sign-in cookie.",
    ),
    "welcome": ("{name}님으로 로그인했습니다", "Signed in as {name}"),
    # errors
    "not_allowed_title": ("볼 수 없는 페이지입니다", "You are not allowed to see this page"),
    "not_allowed_body": (
        "{name}({role}) 계정으로는 이 페이지를 열 수 없습니다.",
        "The account {name} ({role}) cannot open this page.",
    ),
    "not_found_title": ("찾을 수 없습니다", "Not found"),
    "not_found_body": (
        "요청한 페이지가 없거나 이 계정으로는 볼 수 없습니다.",
        "The page does not exist, or this account cannot see it.",
    ),
    "csrf_title": ("양식이 만료되었습니다", "The form has expired"),
    "csrf_body": (
        "보안 확인값(CSRF)이 없거나 맞지 않아 요청을 거절했습니다. 페이지를 새로 열어 다시 "
        "제출하십시오.",
        "The request was refused because its security token (CSRF) was missing or wrong. "
        "Reload the page and submit again.",
    ),
    "error_title": ("요청을 처리할 수 없습니다", "The request could not be processed"),
    "error_rows": ("행", "Rows"),
    "error_fix": ("고치는 방법", "How to fix"),
    "error_layer": ("자료", "Data"),
    "back_home": ("처음 화면으로", "Back to the start page"),
    # home
    "home_title": ("처음", "Start"),
    "home_city": (
        "공모를 만들고 열고 닫으며, 자치구 신청을 채점·배분하고 결과를 공개합니다.",
        "Create, open and close rounds, score and allocate the districts' requests, publish.",
    ),
    "home_district": (
        "{district}의 신청서를 내고 파일을 올리며, 배정액 안에서 설치 후보지를 찾습니다.",
        "Submit {district}'s request, upload files, and find sites within the grant.",
    ),
    "home_viewer": (
        "공개된 공모 결과와 자치구별 비교를 봅니다.",
        "Read published round results and the per-district comparison.",
    ),
    "not_ready": (
        "이 기능은 서비스의 해당 부분이 설치되면 나타납니다.",
        "This part appears once the corresponding service module is installed.",
    ),
    # comparison (council)
    "compare_title": ("자치구별 CCTV 비교", "CCTV by district"),
    "compare_intro": (
        "자치구별 CCTV 설치 대수와 노후 비율(설치 후 {age}년 이상, 기준 {year}년). 출처: 서울 "
        "열린데이터광장 「서울시 자치구 (연도별) CCTV 설치현황」(OA-2734, 2024. 12. 31. 기준).",
        "CCTV in service by district and the share aged {age} years or more (reference year "
        "{year}). Source: Seoul Open Data Plaza, 'CCTV installed by district and year' (OA-2734, "
        "as of 31 Dec 2024).",
    ),
    "compare_intelligent_note": (
        "지능형 CCTV 적용률은 자치구 공통 자료에 없습니다: 공모에 제출된 값이 있으면 공모 결과 "
        "화면에 나옵니다.",
        "The intelligent-CCTV rate is not in the bundled district table: where a round received "
        "it, the round's result page shows it.",
    ),
    "col_district": ("자치구", "District"),
    "col_sig_cd": ("행정코드", "SIG_CD"),
    "col_cctv_total": ("CCTV 대수", "CCTV cameras"),
    "col_cctv_aged": ("노후 CCTV", "Aged CCTV"),
    "col_ageing_ratio": ("노후율", "Ageing ratio"),
    "col_cctv_per_km2": ("㎢당 대수", "per km²"),
    "col_fsr": ("재정자립도", "Fiscal self-reliance"),
    "col_population": ("인구", "Population"),
    "data_notes": ("자료 주의", "Data notes"),
    "map_title": ("지도", "Map"),
    "map_no_tiles": (
        "배경지도 없음 (서비스 설정 tile_url이 비어 있음)",
        "No base map (the service setting tile_url is empty)",
    ),
    "legend": ("범례", "Legend"),
}


def pick_lang(value: str | None) -> str:
    """``ko`` or ``en`` from a cookie or query value; anything else is Korean."""
    return value if value in LANGS else LANGS[0]


class Translator:
    """Look up messages in one language: ``t("key", field=value)``.

    Parameters
    ----------
    lang : {"ko", "en"}
        Language; unknown values fall back to Korean.
    """

    def __init__(self, lang: str) -> None:
        self.lang = pick_lang(lang)
        self._index = LANGS.index(self.lang)

    def __call__(self, key: str, **fields: Any) -> str:
        """The message ``key`` in this language, with ``{fields}`` filled in.

        Raises
        ------
        KeyError
            When ``key`` is not in :data:`MESSAGES`.
        """
        text = MESSAGES[key][self._index]
        return text.format(**fields) if fields else text

    def pick(self, ko: str, en: str) -> str:
        """One of two texts that do not come from the catalogue (e.g. a data column's names)."""
        return ko if self.lang == "ko" else en
