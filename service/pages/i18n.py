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
    # programmes
    "program_cctv_new": ("방범 CCTV 신설", "New crime-prevention CCTV"),
    "program_cctv_replace": ("노후 CCTV 교체", "Replacement of aged CCTV"),
    "program_cctv_intelligent": ("지능형 CCTV 적용", "Intelligent CCTV"),
    "program_wifi": ("공공와이파이", "Public Wi-Fi"),
    "program_pole": ("스마트폴", "Smart poles"),
    # round states
    "status_draft": ("작성 중", "Draft"),
    "status_open": ("접수 중", "Open"),
    "status_closed": ("접수 마감", "Closed"),
    "status_scored": ("채점 완료", "Scored"),
    "status_published": ("공개", "Published"),
    # rounds
    "rounds_title": ("보조금 공모", "Subsidy rounds"),
    "rounds_none": ("볼 수 있는 공모가 없습니다.", "There is no round you can see."),
    "round_new": ("새 공모 만들기", "Create a round"),
    "round_program": ("사업", "Programme"),
    "round_year": ("연도", "Year"),
    "round_title_field": ("공모 이름", "Round title"),
    "round_title_hint": ("비워 두면 사업과 연도로 만듭니다.", "Left empty: programme and year."),
    "round_budget": ("시 예산 (원)", "City budget (KRW)"),
    "round_budget_hint": (
        "예: 60억, 8,162,500천원, 6,000,000,000. 비워 두면 상한 없음.",
        "e.g. 60억, 8,162,500천원, 6,000,000,000. Empty: no cap.",
    ),
    "round_status": ("상태", "Status"),
    "round_created": ("만든 때", "Created"),
    "round_updated": ("바뀐 때", "Updated"),
    "criteria_settings": ("선정 기준 설정", "Criteria settings"),
    "criteria_defaults_note": (
        "기본값은 서울특별시의회 「2024년도 디지털정책관 소관 예산안 검토보고」(2023) 붙임8 「CCTV "
        "사업별 보조금지원 및 대상지선정 기준」을 따릅니다. 바꾼 값만 이 공모에 저장됩니다.",
        "Defaults follow annex 8 ('CCTV subsidy and selection criteria') of the Seoul "
        "Metropolitan Council's review of the 2024 Digital Policy budget (2023). Only changed "
        "values are stored with the round.",
    ),
    "setting_policy": ("배분 방식", "Allocation policy"),
    "policy_fill": ("우선순위 순으로 채움 (기본)", "Fill in priority order (default)"),
    "policy_proportional": ("점수 비례", "Proportional to points"),
    "policy_topk": ("상위 K개 자치구", "Top K districts"),
    "setting_top_k": ("상위 K (상위 K개 방식)", "K (top-K policy)"),
    "setting_skip_partials": (
        "예산이 모자라 일부만 줄 수 있는 자치구는 건너뜀",
        "Skip a district the remaining budget can fund only in part",
    ),
    "setting_rank_population": ("순위 대상", "Ranked districts"),
    "rank_all": ("25개 자치구 전체 (기본)", "All 25 districts (default)"),
    "rank_applicants": ("신청한 자치구만", "Applicants only"),
    "setting_missing": ("값이 없는 자치구", "Districts without a value"),
    "missing_refuse": (
        "채점을 멈추고 자치구를 알림 (기본)",
        "Stop and name the districts (default)",
    ),
    "missing_zero": ("0점으로 채점하고 보고서에 적음", "Score 0 and list them in the report"),
    "default_is": ("기본값: {value}", "Default: {value}"),
    "all_defaults": ("이 사업의 기준 전체 (기본값)", "Every setting of this programme (defaults)"),
    "create": ("만들기", "Create"),
    "round_open": ("공모 열기", "Open the round"),
    "round_close": ("접수 마감", "Close submissions"),
    "round_score": ("채점·배분", "Score and allocate"),
    "round_rescore": ("다시 채점 (새 버전)", "Score again (new version)"),
    "round_publish": ("결과 공개", "Publish the result"),
    "score_reason": ("채점 사유 (수정 내용 등)", "Reason (e.g. the correction made)"),
    "submissions_title": ("자치구 신청 현황", "Submissions by district"),
    "submitted_count": ("{n}개 자치구 제출", "{n} districts submitted"),
    "sub_status_submitted": ("제출", "Submitted"),
    "sub_status_draft": ("임시 저장", "Draft"),
    "sub_status_none": ("미제출", "Not submitted"),
    "col_requested": ("총사업비 신청액", "Requested project cost"),
    "col_matching": ("확보한 구비 매칭", "Matching secured"),
    "col_commitment": ("추진의지 점수", "Commitment rating"),
    "col_updated": ("바뀐 때", "Updated"),
    "col_attachments": ("첨부", "Attachments"),
    "open_rounds": ("접수 중인 공모", "Open rounds"),
    "published_rounds": ("공개된 공모 결과", "Published rounds"),
    "rounds_in_progress": ("진행 중인 공모", "Rounds in progress"),
    "my_submission": ("우리 구 신청서", "Our request"),
    "submission_title": ("{district} 신청서", "Request of {district}"),
    "submission_read_only": (
        "접수 기간이 아니어서 고칠 수 없습니다.",
        "The round is not open: read only.",
    ),
    "field_requested": ("총사업비 신청액 (원)", "Requested total project cost (KRW)"),
    "field_requested_hint": (
        "시비와 구비를 합친 총사업비. 예: 10억, 1,000,000,000, 1,000,000천원",
        "City plus district share. e.g. 10억, 1,000,000,000, 1,000,000천원",
    ),
    "field_matching": ("확보한 구비 매칭액 (원)", "Matching funds secured (KRW)"),
    "field_matching_hint": (
        "구 예산에 이미 확보한 금액. 총사업비의 {share}% 이상이어야 지원 대상입니다.",
        "Already in the district budget. At least {share}% of the cost to be eligible.",
    ),
    "field_commitment": ("추진의지 점수 (0–100, 선택)", "Commitment rating (0–100, optional)"),
    "field_note": ("비고", "Note"),
    "field_attachments": ("첨부 파일 (올린 파일 중 선택)", "Attachments (from your uploads)"),
    "no_uploads_yet": ("올린 파일이 없습니다.", "No uploads yet."),
    "submit": ("제출", "Submit"),
    "save_draft": ("임시 저장", "Save as draft"),
    "saved_submitted": ("신청서를 제출했습니다.", "The request is submitted."),
    "saved_draft": ("임시 저장했습니다 (시는 채점하지 않음).", "Saved as a draft (not scored)."),
    "err_amount_required": ("{field}을(를) 입력하십시오.", "Enter the {field}."),
    "err_amount_unreadable": (
        "{field} '{value}'을(를) 금액으로 읽을 수 없습니다. 예: 6억 5천만, 650,000,000, 650,000천원",
        "The {field} '{value}' is not an amount. e.g. 6억 5천만, 650,000,000, 650,000천원",
    ),
    "err_amount_zero": ("{field}은(는) 0보다 커야 합니다.", "The {field} must be more than 0."),
    "err_matching_exceeds": (
        "확보한 매칭액({matching})이 총사업비({requested})보다 큽니다.",
        "The matching secured ({matching}) exceeds the project cost ({requested}).",
    ),
    "err_commitment": (
        "추진의지 점수는 0에서 100 사이의 숫자여야 합니다.",
        "The commitment rating must be a number from 0 to 100.",
    ),
    "err_year": ("연도는 2000–2100 사이의 숫자여야 합니다.", "The year must be from 2000 to 2100."),
    "err_top_k": ("K는 1–25 사이의 정수여야 합니다.", "K must be a whole number from 1 to 25."),
    # round inputs (uploads a round scores on)
    "round_inputs": ("채점 입력 파일", "Scoring inputs"),
    "round_inputs_note": (
        "'파일 올리기'에서 올린 파일 중 종류가 맞는 것만 보입니다. 공모를 만든 뒤에는 바꿀 수 "
        "없습니다.",
        "Only uploads of the matching kind you may read are listed; they cannot be changed once "
        "the round is created.",
    ),
    "round_inputs_add": ("파일 올리기에서 새 파일 올리기", "Upload a new file on the Uploads page"),
    "round_input_districts": ("자치구 통계표 (CSV)", "District statistics table (CSV)"),
    "round_input_grid": ("위험 격자 (GeoTIFF)", "Risk grid (GeoTIFF)"),
    "round_input_criteria": ("선정 기준 파일 (TOML)", "Criteria file (TOML)"),
    "round_input_hint_districts": (
        "sig_cd와 기준 열 (예: vulnerable_cells, child_protection_zones)",
        "sig_cd and criterion columns (e.g. vulnerable_cells, child_protection_zones)",
    ),
    "round_input_hint_grid": (
        "등급 격자: 자치구별 D·E 등급 격자 수를 셉니다",
        "Graded grid: D/E cells are counted per district",
    ),
    "round_input_hint_criteria": (
        "비워 두면 사업의 기본 기준을 씁니다",
        "Empty: the programme's default criteria",
    ),
    "round_input_needs": ("{program}: {inputs} 필요", "{program}: needs {inputs}"),
    "round_inputs_none": ("입력 파일 없음", "No input files"),
    "or_join": (" 또는 ", " or "),
    "err_round_input_kind": (
        "{input}: 선택한 파일을 쓸 수 없습니다. 목록에 있는 파일을 고르십시오.",
        "{input}: the chosen file cannot be used; choose one from the list.",
    ),
    "err_round_input_needed": (
        "{program} 공모는 {inputs}이(가) 있어야 채점할 수 있습니다. '파일 올리기'에서 올린 뒤 "
        "고르십시오.",
        "A {program} round can only be scored with {inputs}; upload one on the Uploads page, "
        "then choose it.",
    ),
    "warn_matching_short": (
        "확보한 매칭액이 필요한 구비 분담({required})보다 적어, 이대로면 지원 대상에서 제외됩니다.",
        "The matching secured is below the district share required ({required}): as it stands "
        "the request is ineligible.",
    ),
    "form_has_errors": ("입력 내용을 확인하십시오.", "Please check the form."),
    # results
    "result_title": ("{title} 결과 (버전 {version})", "{title}: result (version {version})"),
    "result_published": ("{when} 공개", "published {when}"),
    "result_not_published": ("공개 전 (시 직원만 볼 수 있음)", "Not published (city staff only)"),
    "result_totals": (
        "지원 {funded}개 구 (전액 {full}, 일부 {part}) · 시비 배정 {granted} · 남은 예산 {unspent}",
        "{funded} districts funded ({full} in full, {part} in part) · city share granted "
        "{granted} · unspent {unspent}",
    ),
    "versions": ("버전", "Versions"),
    "version_label": ("버전 {version}", "Version {version}"),
    "compare_previous": ("이전 버전과 비교", "Compare with the previous version"),
    "compare_with": (
        "버전 {old} → {new} 달라진 자치구",
        "Districts that changed from {old} to {new}",
    ),
    "compare_none": ("달라진 자치구가 없습니다.", "No district changed."),
    "downloads": ("내려받기", "Downloads"),
    "dl_xlsx": ("엑셀 (XLSX)", "Excel (XLSX)"),
    "dl_csv": ("CSV", "CSV"),
    "dl_gpkg": ("지도 자료 (GeoPackage)", "Map data (GeoPackage)"),
    "dl_report_html": ("보고서 (HTML)", "Report (HTML)"),
    "dl_report_md": ("보고서 (Markdown)", "Report (Markdown)"),
    "dl_manifest": ("실행 기록 (run.json)", "Run record (run.json)"),
    "col_priority": ("우선순위", "Priority"),
    "col_rank": ("순위", "Rank"),
    "col_points": ("점수", "Points"),
    "col_total_points": ("총점", "Total points"),
    "col_applicant": ("신청", "Applied"),
    "col_eligible": ("자격", "Eligible"),
    "col_city_share": ("시비 배정", "City share granted"),
    "col_status": ("결과", "Result"),
    "col_reason": ("사유", "Reason"),
    "yes": ("예", "Yes"),
    "no": ("아니오", "No"),
    "amounts_in_cheon": ("금액 단위: 천원", "Amounts in thousand KRW"),
    "map_points_caption": ("총점", "Total points"),
    "view_result": ("결과 보기", "View the result"),
    "result_none": ("아직 결과가 없습니다.", "No result yet."),
    "before_after": ("{before} → {after}", "{before} → {after}"),
    # uploads
    "upload_file": ("파일", "File"),
    "upload_hint": (
        "CSV, XLSX, GPKG, GeoJSON, GeoTIFF, TOML 또는 shapefile을 묶은 zip. 최대 {mb}MB.",
        "CSV, XLSX, GPKG, GeoJSON, GeoTIFF, TOML or a zipped shapefile. At most {mb} MB.",
    ),
    "upload_send": ("올리기", "Upload"),
    "upload_sending": ("보내는 중…", "Sending…"),
    "upload_choose": ("올릴 파일을 고르십시오.", "Choose a file to upload."),
    "uploads_list": ("올린 파일", "Uploaded files"),
    "upload_kind": ("자료 종류", "Dataset kind"),
    "upload_size": ("크기", "Size"),
    "inspection_title": ("파일 점검 결과: {name}", "Inspection report: {name}"),
    "encoding": ("문자 인코딩", "Encoding"),
    "crs": ("좌표계", "CRS"),
    "as_of": ("기준일", "As of"),
    "as_of_missing": ("파일에 기준일이 없음", "not stated in the file"),
    "not_applicable": ("해당 없음", "n/a"),
    "rows_read": ("읽은 행", "Rows read"),
    "rows_kept": ("쓴 행", "Rows kept"),
    "rows_dropped": ("뺀 행", "Rows dropped"),
    "rows_count": ("행 수", "Rows"),
    "row_numbers": ("행 번호", "Row numbers"),
    "row_numbers_note": (
        "행 번호는 머리글을 뺀 자료 행을 1부터 센 번호입니다 (엑셀 행 번호 = 이 번호 + 1).",
        "Row numbers count data rows from 1, header excluded (Excel row = this number + 1).",
    ),
    "dropped_title": ("뺀 행과 이유", "Rows dropped and why"),
    "swapped_fixed": (
        "위도와 경도가 뒤바뀐 {n}개 행을 바로잡았습니다 (행 {rows}).",
        "{n} rows had latitude and longitude swapped and were fixed (rows {rows}).",
    ),
    "by_district": ("자치구별 행 수", "Rows per district"),
    "notes": ("참고", "Notes"),
    "no_inspection": ("이 파일에는 점검 결과가 없습니다.", "This file has no inspection report."),
    # siting runs
    "process_propose": ("새 설치 위치 제안", "Propose new sites"),
    "process_replace": ("교체 계획", "Plan replacements"),
    "process_plan": ("배정액으로 설치 계획", "Plan within the grant"),
    "grant_line": (
        "배정액 ({round}): 시비 {city} + 구비 {own} = 총 {total}. 예산은 이 안에서만 쓸 수 있습니다.",
        "Grant ({round}): city {city} + district {own} = {total}. Runs stay within it.",
    ),
    "no_grant": (
        "공개된 공모에서 우리 구에 배정된 금액이 아직 없습니다: 개수나 예산을 직접 넣으십시오.",
        "No published round has granted this district anything yet: give a count or budget.",
    ),
    "input_device": ("장비", "Device"),
    "input_count": ("설치 개수", "Number of sites"),
    "input_budget": ("예산 (원)", "Budget (KRW)"),
    "input_radius": ("감시 반경 (m)", "Coverage radius (m)"),
    "input_candidates": ("후보지 파일", "Candidate sites file"),
    "input_demand": ("수요 파일", "Demand file"),
    "input_grid": ("위험 격자 (GeoTIFF)", "Risk grid (GeoTIFF)"),
    "input_existing": ("기존 장비 파일", "Existing devices file"),
    "input_round": ("채점된 공모 CSV (<사업>_round.csv)", "Scored round CSV (<program>_round.csv)"),
    "input_matching": ("구비 산정 방식", "District money"),
    "input_devices": ("장비 목록 파일", "Device inventory file"),
    "field_budget": ("예산", "budget"),
    "budget_hint": (
        "비워 두면 개수로만 정합니다. 예: 2억, 200,000천원",
        "Empty: by count only. e.g. 2억",
    ),
    "upload_input_hint": ("'파일 올리기'에서 올린 파일", "A file from 'Uploads'"),
    "none_selected": ("(없음)", "(none)"),
    "start_run": ("실행", "Run"),
    "runs_list": ("실행 목록", "Runs"),
    "no_runs": ("아직 실행한 분석이 없습니다.", "No run yet."),
    "job_process": ("분석", "Run"),
    "job_progress": ("진행", "Progress"),
    "job_accepted": ("대기", "Queued"),
    "job_running": ("실행 중", "Running"),
    "job_successful": ("완료", "Done"),
    "job_failed": ("실패", "Failed"),
    "job_dismissed": ("취소", "Dismissed"),
    "job_inputs": ("입력값", "Inputs"),
    "job_summary": (
        "선정 {n}곳 · 수요 포괄 {covered} · 비용 {cost}",
        "{n} sites · demand covered {covered} · cost {cost}",
    ),
    "plan_spend": (
        "선정 {n}곳 · 비용 {spent} (배정액: 시비 + 구비 {budget} 안에서)",
        "{n} sites · cost {spent} (within the grant: city + district share {budget})",
    ),
    "sites_caption": ("제안 위치 ({file})", "Proposed sites ({file})"),
    "col_order": ("순서", "Order"),
    "col_candidate": ("후보 ID", "Candidate"),
    "col_location": ("위치 (자치구·동)", "Location (district, dong)"),
    "col_lonlat": ("경도, 위도", "Lon, lat"),
    "col_exclude": ("제외", "Exclude"),
    "dong_note": (
        "동은 관리자가 행정동 경계 파일을 설치했으면 행정동(결과 CSV의 dong_kind 열이 '행정동', "
        "dong_cd 열이 행정동 코드), 아니면 번들 경계의 법정동입니다. "
        "좌표는 WGS84 경도·위도(소수 6자리).",
        "The dong is the administrative dong (행정동) when the administrator installed a 행정동 "
        "boundary file (the result CSV's dong_kind column then says 행정동 and dong_cd gives its "
        "code), otherwise the legal dong (법정동) of the bundled boundaries. "
        "Coordinates are WGS84 lon/lat (6 decimals).",
    ),
    "adjust_title": ("고쳐서 다시 실행", "Adjust and run again"),
    "already_excluded": ("이미 제외한 후보: {ids}", "Already excluded: {ids}"),
    "must_include": ("반드시 넣을 후보 ID", "Candidate ids to force in"),
    "must_include_hint": ("쉼표로 구분. 예: N012, N034", "Comma-separated, e.g. N012, N034"),
    "change_count": ("개수 바꾸기", "Change the count"),
    "change_count_hint": ("지금 {n}. 비워 두면 그대로.", "Now {n}. Empty: unchanged."),
    "rerun": ("다시 실행", "Run again"),
    "err_field_required": ("이 항목을 넣으십시오.", "This field is required."),
    "err_count": ("개수는 1 이상의 정수여야 합니다.", "The count must be a whole number from 1."),
    "err_count_or_budget": (
        "설치 개수나 예산 중 하나는 넣으십시오.",
        "Give the number of sites or a budget.",
    ),
    "err_number": ("{field}은(는) 숫자여야 합니다.", "{field} must be a number."),
    "err_count_over_budget": (
        "{n}곳 × 한 곳 {unit} = {total}이(가) 예산 {budget}을(를) 넘습니다. 개수를 줄이거나 "
        "예산만 넣으십시오.",
        "{n} sites × {unit} a site = {total} exceeds the budget of {budget}. Lower the count "
        "or give the budget alone.",
    ),
    "err_over_grant": (
        "예산이 배정액 {grant}을(를) 넘습니다.",
        "The budget exceeds the grant of {grant}.",
    ),
    "plan_on_grant": (
        "계획은 위 배정액을 정한 공개된 공모 결과표로 우리 구만 세웁니다(시비 + 구비 안에서). "
        "결과 화면에서 후보지를 빼거나 넣고 다시 실행할 수 있습니다.",
        "The plan runs on the published round table behind the grant above, for this district "
        "only (within city share + district share). On the result page you can exclude or "
        "force candidates and run again.",
    ),
    "err_plan_no_grant": (
        "공개된 공모에서 우리 구에 배정된 금액이 없어 계획을 세울 수 없습니다. 새 설치 위치 "
        "제안을 쓰십시오.",
        "No published round funds this district, so there is no grant to plan: use Propose "
        "new sites.",
    ),
    "input_published_round": ("공개된 공모 결과", "Published round"),
    "err_plan_pick_round": (
        "계획할 공개된 공모(방범 CCTV 신설·공공와이파이·스마트폴)를 고르십시오.",
        "Pick a published round (new CCTV, public Wi-Fi or smart poles) to plan.",
    ),
    "err_plan_not_sites": (
        "{program} 사업은 새 설치 위치를 고르지 않습니다: 교체 계획이나 새 설치 위치 제안을 "
        "쓰십시오.",
        "The {program} programme buys no new sites: use Plan replacements or Propose new sites.",
    ),
    "map_title": ("지도", "Map"),
    "map_no_tiles": (
        "배경지도 없음 (서비스 설정 tile_url이 비어 있음)",
        "No base map (the service setting tile_url is empty)",
    ),
    "legend": ("범례", "Legend"),
    # publication of jobs (plans, proposals, replacement plans)
    "publication_title": ("공개", "Publication"),
    "publish_job": ("공개", "Publish"),
    "unpublish_job": ("공개 취소", "Unpublish"),
    "publish_hint": (
        "공개하면 열람자(의회 등)와 모든 자치구가 이 결과를 읽기 전용으로 봅니다. 입력값과 "
        "기존 시설 위치(기존 CCTV 지주에 카메라를 더하는 위치 포함)는 보이지 않습니다.",
        "Once published, viewers (council staff) and every district read this result "
        "read-only. The inputs and the positions of existing devices (including sites that add "
        "cameras to existing CCTV poles) are not shown.",
    ),
    "job_published": ("{when} 공개됨", "Published {when}"),
    "job_not_published": (
        "공개 전 (작업한 부서와 서울시만 볼 수 있음)",
        "Not published (only its district and city staff see it)",
    ),
    "publish_ask_city": (
        "공개는 서울시 담당자가 합니다.",
        "City staff publish results.",
    ),
    "shared_view_note": (
        "공개된 결과입니다 (읽기 전용). 기존 시설의 위치는 빼고 보여 줍니다.",
        "A published result (read-only). Positions of existing devices are left out.",
    ),
    "sites_hidden": (
        "기존 CCTV 지주에 카메라를 더하는 {n}곳은 기존 시설 위치라서 표시하지 않습니다.",
        "{n} sites that add cameras to existing CCTV poles are not shown: they are positions "
        "of existing devices.",
    ),
    "replace_shared_note": (
        "교체 대상은 기존 시설이라 위치를 공개하지 않습니다. 자치구별 집계를 내려받을 수 있습니다.",
        "Replacement targets are existing devices: their positions are not published. The "
        "per-district table can be downloaded.",
    ),
    "published_plans": ("공개된 계획", "Published plans"),
    "published_plans_none": ("아직 공개된 계획이 없습니다.", "No plan has been published yet."),
    "col_published_at": ("공개일", "Published"),
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
