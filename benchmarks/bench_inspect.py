"""``siting inspect`` on national-size portal files, next to plain ``pandas.read_csv``.

Two seeded SYNTHETIC files of 1,000,000 rows each are written once (cached in
``--data``, default ``benchmarks/_work/inspect``):

* ``cctv_standard_<rows>_cp949_synthetic.csv``: the 전국 CCTV 표준데이터 layout (16
  columns, CP949, CRLF), about a third of the rows in Seoul (uniform inside the
  districts), the rest in other provinces; a few blank, zero and swapped coordinates;
* ``streetlight_<rows>_utf8_synthetic.csv``: the 서울시 가로등 위치 정보 layout (관리번호,
  위도, 경도, UTF-8), points uniform inside Seoul's districts, with zero rows and
  projected metres in degree columns.

Each measurement runs in its own fresh Python process (``--child``), which
reports its peak resident memory (``ru_maxrss``) and CPU time (user + system);
the parent times the whole process (interpreter start, imports, reading, and for
``inspect`` everything it does: encoding detection, Seoul filter, coordinate
recognition, district tagging, the JSON report). The reference is
``pandas.read_csv(path, encoding=...)`` of the same file in the same run. With
``--repeat N`` (default 3) the two are run alternately N times and each column
shows the median, so a burst of load on a shared machine hits both.

Usage::

    python benchmarks/bench_inspect.py               # 1,000,000 rows, prints a Markdown table
    python benchmarks/bench_inspect.py --rows 100000 # a quicker run
    python benchmarks/bench_inspect.py --repeat 1    # one process of each

Targets (issue 14): inspect ≤ 2× pandas' time and ≤ 1 GB peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20241231

_CCTV_HEADER = [
    "개방자치단체코드", "관리번호", "관리기관명", "소재지도로명주소", "소재지지번주소", "설치목적구분",
    "카메라대수", "카메라화소수", "촬영방면정보", "보관일수", "설치연월", "관리기관전화번호",
    "WGS84위도", "WGS84경도", "데이터기준일자", "최종수정시점",
]  # fmt: skip
_SEOUL_GU = [
    ("종로구", 3000000), ("중구", 3010000), ("용산구", 3020000), ("성동구", 3030000),
    ("광진구", 3040000), ("동대문구", 3050000), ("중랑구", 3060000), ("성북구", 3070000),
    ("강북구", 3080000), ("도봉구", 3090000), ("노원구", 3100000), ("은평구", 3110000),
    ("서대문구", 3120000), ("마포구", 3130000), ("양천구", 3140000), ("강서구", 3150000),
    ("구로구", 3160000), ("금천구", 3170000), ("영등포구", 3180000), ("동작구", 3190000),
    ("관악구", 3200000), ("서초구", 3210000), ("강남구", 3220000), ("송파구", 3230000),
    ("강동구", 3240000),
]  # fmt: skip
_OTHER = [("부산광역시", "중구", 3250000, 35.10, 129.03), ("대구광역시", "수성구", 3460000, 35.86, 128.63),
          ("경기도", "수원시", 3740000, 37.26, 127.03), ("전라남도", "목포시", 4800000, 34.81, 126.39),
          ("강원특별자치도", "춘천시", 4180000, 37.88, 127.73)]  # fmt: skip
_PURPOSES = ["생활방범", "어린이보호", "차량방범", "쓰레기단속", "시설물관리", "재난재해"]


def _seoul_lonlat(rows: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random points inside Seoul's districts, as WGS84 lon/lat."""
    import shapely
    from pyproj import Transformer

    from layers.districts import load_districts

    union = shapely.union_all(load_districts().geometry.to_numpy())
    shapely.prepare(union)
    xmin, ymin, xmax, ymax = union.bounds
    xs: list[np.ndarray] = []
    ys: list[np.ndarray] = []
    found = 0
    while found < rows:
        x = rng.uniform(xmin, xmax, rows)
        y = rng.uniform(ymin, ymax, rows)
        inside = shapely.contains_xy(union, x, y)
        xs.append(x[inside])
        ys.append(y[inside])
        found += int(inside.sum())
    to_wgs84 = Transformer.from_crs("EPSG:5186", "EPSG:4326", always_xy=True)
    lon, lat = to_wgs84.transform(np.concatenate(xs)[:rows], np.concatenate(ys)[:rows])
    return np.asarray(lon), np.asarray(lat)


def _cctv_frame(rows: int, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    import pandas as pd

    seoul = rng.random(rows) < 0.35
    gu = rng.integers(0, len(_SEOUL_GU), rows)
    other = rng.integers(0, len(_OTHER), rows)
    lon, lat = _seoul_lonlat(rows, rng)
    o_lat = np.array([o[3] for o in _OTHER])[other] + rng.normal(0, 0.05, rows)
    o_lon = np.array([o[4] for o in _OTHER])[other] + rng.normal(0, 0.05, rows)
    lat = np.where(seoul, lat, o_lat)
    lon = np.where(seoul, lon, o_lon)
    gu_names = np.array([g[0] for g in _SEOUL_GU], dtype=object)[gu]
    prov = np.array([o[0] for o in _OTHER], dtype=object)[other]
    city = np.array([o[1] for o in _OTHER], dtype=object)[other]
    org = np.where(
        seoul,
        "서울특별시 " + gu_names + "청",
        prov + " " + city + "청",
    )
    code = np.where(
        seoul,
        np.array([g[1] for g in _SEOUL_GU])[gu],
        np.array([o[2] for o in _OTHER])[other],
    ).astype(str)
    street = rng.integers(1, 400, rows).astype(str)
    road = np.where(seoul, "서울특별시 " + gu_names, prov + " " + city) + " 세종대로 " + street
    jibun = np.where(seoul, "서울특별시 " + gu_names, prov + " " + city) + " 세종로 " + street
    years = rng.integers(2008, 2025, rows)
    months = rng.integers(1, 13, rows)
    installed = np.char.add(years.astype(str), np.char.zfill(months.astype(str), 2))
    lat_s = np.char.mod("%.7f", lat).astype(object)
    lon_s = np.char.mod("%.7f", lon).astype(object)
    blank = rng.random(rows) < 0.002
    lat_s[blank] = ""
    lon_s[blank] = ""
    swapped = rng.random(rows) < 0.002
    lat_s[swapped], lon_s[swapped] = lon_s[swapped], lat_s[swapped]
    zero = rng.random(rows) < 0.001
    lat_s[zero] = "0"
    lon_s[zero] = "0"
    return pd.DataFrame(
        {
            "개방자치단체코드": code,
            "관리번호": np.char.add("CCTV-", np.arange(rows).astype(str)),
            "관리기관명": org,
            "소재지도로명주소": road,
            "소재지지번주소": jibun,
            "설치목적구분": np.array(_PURPOSES, dtype=object)[rng.integers(0, 6, rows)],
            "카메라대수": rng.integers(1, 6, rows),
            "카메라화소수": rng.choice([41, 130, 200, 500], rows),
            "촬영방면정보": np.where(rng.random(rows) < 0.5, "360도 전방면", ""),
            "보관일수": 30,
            "설치연월": installed,
            "관리기관전화번호": "02-2133-0000",
            "WGS84위도": lat_s,
            "WGS84경도": lon_s,
            "데이터기준일자": "2024-06-30",
            "최종수정시점": "2024-07-01 09:00:00",
        },
        columns=_CCTV_HEADER,
    )


def _streetlight_frame(rows: int, rng: np.random.Generator):  # type: ignore[no-untyped-def]
    import pandas as pd

    lon_deg, lat_deg = _seoul_lonlat(rows, rng)
    lat = np.char.mod("%.7f", lat_deg).astype(object)
    lon = np.char.mod("%.7f", lon_deg).astype(object)
    zero = rng.random(rows) < 0.003
    lat[zero] = "0"
    lon[zero] = "0"
    metres = rng.random(rows) < 0.001
    lat[metres] = np.char.mod("%.2f", rng.uniform(545000, 560000, int(metres.sum())))
    lon[metres] = np.char.mod("%.2f", rng.uniform(190000, 210000, int(metres.sum())))
    ids = np.char.add("SL-", np.arange(rows).astype(str))
    return pd.DataFrame({"관리번호": ids, "위도": lat, "경도": lon})


def make_files(folder: Path, rows: int) -> dict[str, tuple[Path, str]]:
    """Write (once) the two seeded synthetic files; name -> (path, encoding)."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {
        "CCTV standard (CP949)": (folder / f"cctv_standard_{rows}_cp949_synthetic.csv", "cp949"),
        "streetlight (UTF-8)": (folder / f"streetlight_{rows}_utf8_synthetic.csv", "utf-8"),
    }
    rng = np.random.default_rng(SEED)
    for name, (path, encoding) in files.items():
        if path.exists():
            continue
        frame = _cctv_frame(rows, rng) if name.startswith("CCTV") else _streetlight_frame(rows, rng)
        text = frame.to_csv(index=False, lineterminator="\r\n" if encoding == "cp949" else "\n")
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(text.encode(encoding))
        tmp.replace(path)
    return files


def _child(mode: str, path: str, encoding: str) -> None:
    """Run one measurement in this process and print its peak memory as JSON."""
    started = time.perf_counter()
    if mode == "pandas":
        import pandas as pd

        frame = pd.read_csv(path, encoding=encoding)
        rows = len(frame)
    else:
        import contextlib
        import io

        from siting.cli import app

        sink = io.StringIO()
        with contextlib.redirect_stdout(sink):
            try:
                app(["inspect", path, "--json"], standalone_mode=False)
            except SystemExit as stop:  # pragma: no cover - error path
                raise SystemExit(f"inspect failed: {stop}") from None
        rows = json.loads(sink.getvalue())["rows_read"]
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime
    print(
        json.dumps(
            {"rows": rows, "inner_s": seconds, "cpu_s": cpu, "peak_mb": usage.ru_maxrss / 1024}
        )
    )


def _measure(mode: str, path: Path, encoding: str) -> dict[str, float]:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path), encoding],
        check=True,
        capture_output=True,
        text=True,
    )
    wall = time.perf_counter() - started
    result = json.loads(done.stdout.strip().splitlines()[-1])
    result["wall_s"] = wall
    return result


def main() -> None:
    """Print the benchmark table (Markdown)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--data", type=Path, default=HERE / "_work" / "inspect")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "PATH", "ENCODING"))
    parser.add_argument("--repeat", type=int, default=3, help="runs of each, median shown")
    parser.add_argument("--make", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return
    if args.make:
        make_files(args.data, args.rows)
        return
    # generate in a child: Linux keeps a process's peak RSS across exec, so a big
    # parent would inflate every child's ru_maxrss
    subprocess.run(
        [sys.executable, __file__, "--make", "--rows", str(args.rows), "--data", str(args.data)],
        check=True,
    )
    files = make_files(args.data, args.rows)
    print(
        f"python {platform.python_version()}, {platform.machine()}, "
        f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at start; "
        f"each figure the median of {args.repeat} fresh processes, run alternately\n"
    )
    print(
        "| file | rows | size | pandas.read_csv | siting inspect | ratio | CPU pandas | "
        "CPU inspect | CPU ratio | peak pandas | peak inspect |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, (path, encoding) in files.items():
        refs: list[dict[str, float]] = []
        ours: list[dict[str, float]] = []
        for _ in range(max(args.repeat, 1)):
            refs.append(_measure("pandas", path, encoding))
            ours.append(_measure("inspect", path, encoding))
        ref, our = _median(refs), _median(ours)
        if {r["rows"] for r in refs} != {o["rows"] for o in ours}:
            raise SystemExit(f"{name}: pandas and inspect read different row counts")
        size_mb = path.stat().st_size / 1e6
        print(
            f"| {name} | {ref['rows']:,.0f} | {size_mb:,.0f} MB | {ref['wall_s']:.1f} s | "
            f"{our['wall_s']:.1f} s | {our['wall_s'] / ref['wall_s']:.2f}× | "
            f"{ref['cpu_s']:.1f} s | {our['cpu_s']:.1f} s | {our['cpu_s'] / ref['cpu_s']:.2f}× | "
            f"{ref['peak_mb']:,.0f} MB | {our['peak_mb']:,.0f} MB |",
            flush=True,
        )


def _median(runs: list[dict[str, float]]) -> dict[str, float]:
    """Each figure's median over the runs."""
    return {key: float(np.median([run[key] for run in runs])) for key in runs[0]}


if __name__ == "__main__":
    main()
