"""The risk-grid configuration (TOML): read with :mod:`tomllib`, validated all at once.

Example ``grid.toml`` (paths are relative to the file; ``builtin:districts``
is the bundled district layer with its official statistics)::

    [grid]
    name = "seoul"
    description = "what this grid is for"
    synthetic = false          # true labels outputs as built from synthetic data
    cell_size_m = 100          # 10 to 1000 m
    districts = []             # names or SIG_CD; empty = all of Seoul

    [grades]
    method = "quantile"        # quantile | kmeans | fixed
    thresholds = []            # fixed: four increasing score thresholds
    vulnerable = ["D", "E"]

    [[indicators]]
    name = "population"
    kind = "polygons"          # points | polygons | raster
    path = "builtin:districts"
    column = "population_2024q4"
    attribute = "count"        # polygons: count (spread per km²) | rate (area-weighted mean)
    direction = "raises"       # raises | lowers
    transform = "log1p"        # none | log1p
    normalise = "minmax"       # minmax | rank | zscore
    weight = 1.0
    missing = "median"         # median | zero | min | max | error

    [[indicators]]
    name = "crime"
    kind = "points"
    path = "crimes.gpkg"
    measure = "density"        # points: count | density
    bandwidth_m = 300

    [[indicators]]
    name = "night_lights"
    kind = "raster"            # must be in EPSG:5186
    path = "lights_5186.tif"
    band = 1
    resampling = "average"     # average | bilinear | nearest | cubic | max | min
    direction = "lowers"
    weight = 0.5

    # vector layers also take layer = "name" (a GeoPackage layer) and
    # crs = "EPSG:5179" (files that do not declare their CRS)

    [learn]                    # optional
    incidents = "crimes.gpkg"
    model = "poisson"          # poisson | gradient_boosting
    folds = 5
    block_m = 1000
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from layers.errors import ConfigError, SitingError
from layers.riskgrid.build import GridBuild, build_risk_grid, indicator_problems
from layers.riskgrid.grades import Grading
from layers.riskgrid.grid import MAX_CELL_SIZE_M, MIN_CELL_SIZE_M
from layers.riskgrid.indicators import Indicator
from layers.riskgrid.learn import Learning

__all__ = ["GridConfig", "build_from_config", "load_config", "parse_config"]

BUILTIN_LAYERS = ("builtin:districts", "builtin:dongs")

_SECTIONS = {"grid", "grades", "indicators", "learn"}
_GRID_KEYS = {"name", "cell_size_m", "districts", "description", "synthetic"}
_GRADE_KEYS = {"method", "thresholds", "vulnerable"}
_LEARN_KEYS = {"incidents", "model", "folds", "block_m", "seed", "layer", "crs"}
_INDICATOR_KEYS = {
    "name",
    "kind",
    "path",
    "layer",
    "crs",
    "column",
    "measure",
    "bandwidth_m",
    "attribute",
    "band",
    "resampling",
    "direction",
    "transform",
    "normalise",
    "weight",
    "missing",
}


@dataclass
class IndicatorEntry:
    """One ``[[indicators]]`` table before its layer is read."""

    settings: dict[str, Any]
    path: str
    layer: str | None = None
    crs: str | None = None


@dataclass
class GridConfig:
    """A parsed, statically validated grid configuration.

    Attributes
    ----------
    name : str
        Used in output file names.
    cell_size : float
        Cell edge (m).
    districts : list of str
        Study districts (empty = all of Seoul).
    grading : Grading
        Grade method and vulnerable grades.
    entries : list of IndicatorEntry
        The indicators, layers not yet read.
    learn : dict or None
        The ``[learn]`` table.
    base_dir : Path
        Folder that relative paths are resolved against.
    text : str
        The TOML text as given (stored in the GeoTIFF tags).
    """

    name: str
    cell_size: float
    districts: list[str]
    grading: Grading
    entries: list[IndicatorEntry]
    learn: dict[str, Any] | None
    base_dir: Path
    text: str
    source: str = "grid.toml"
    description: str = ""
    synthetic: bool = False
    inputs: list[Path] = field(default_factory=list)

    def resolve(self, path: str) -> Path:
        """The file a config path names (relative to the config's folder)."""
        p = Path(path).expanduser()
        return p if p.is_absolute() else self.base_dir / p


def _unknown(table: dict[str, Any], allowed: set[str], where: str) -> list[str]:
    return [
        f"{where}: unknown key {k!r} (allowed: {', '.join(sorted(allowed))})"
        for k in table
        if k not in allowed
    ]


def parse_config(
    text: str, *, base_dir: str | os.PathLike[str] = ".", source: str = "grid.toml"
) -> GridConfig:
    """Parse and validate a TOML grid configuration.

    Raises
    ------
    ConfigError
        One error listing every problem found (unknown keys and choices,
        cell size outside 10 m–1 km, all weights zero, …).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"is not valid TOML: {err}", layer=source, fix="fix the syntax") from None
    problems = [f"unknown section [{k}]" for k in data if k not in _SECTIONS]
    grid = data.get("grid", {})
    grades = data.get("grades", {})
    learn = data.get("learn")
    problems += _unknown(grid, _GRID_KEYS, "[grid]") + _unknown(grades, _GRADE_KEYS, "[grades]")
    if learn is not None:
        problems += _unknown(learn, _LEARN_KEYS, "[learn]")
        if not learn.get("incidents"):
            problems.append("[learn] needs incidents = the path of an incident point layer")
    cell = grid.get("cell_size_m", 100)
    if (
        isinstance(cell, bool)
        or not isinstance(cell, int | float)
        or not (MIN_CELL_SIZE_M <= cell <= MAX_CELL_SIZE_M)
    ):
        problems.append(
            f"[grid] cell_size_m = {cell!r}: must be from {MIN_CELL_SIZE_M:g} to "
            f"{MAX_CELL_SIZE_M:g} m (default 100)"
        )
    districts = grid.get("districts", [])
    if not isinstance(districts, list):
        problems.append("[grid] districts must be a list of names or SIG_CD codes")
        districts = []
    grading = Grading(
        method=grades.get("method", "quantile"),
        thresholds=tuple(grades.get("thresholds", ())),
        vulnerable=tuple(grades.get("vulnerable", ("D", "E"))),
    )
    problems += grading.problems()
    raw_indicators = data.get("indicators", [])
    if not isinstance(raw_indicators, list):
        problems.append("indicators must be written as [[indicators]] tables")
        raw_indicators = []
    entries: list[IndicatorEntry] = []
    stubs: list[Indicator] = []
    for i, table in enumerate(raw_indicators, start=1):
        where = f"indicator #{i} ({table.get('name', '?')!r})"
        problems += _unknown(table, _INDICATOR_KEYS, where)
        for required in ("name", "kind", "path"):
            if required not in table:
                problems.append(f"{where}: {required} is required")
        settings = {
            k: v for k, v in table.items() if k in _INDICATOR_KEYS - {"path", "layer", "crs"}
        }
        settings.setdefault("name", f"indicator_{i}")
        settings.setdefault("kind", "points")
        stubs.append(Indicator(data=Path("."), **settings))
        entries.append(
            IndicatorEntry(
                settings, str(table.get("path", "")), table.get("layer"), table.get("crs")
            )
        )
    problems += indicator_problems(stubs, "indicators")
    if problems:
        n = len(problems)
        raise ConfigError(
            f"{n} problem{'s' if n != 1 else ''}:\n    - " + "\n    - ".join(problems),
            layer=source,
            fix="correct the settings listed; `siting demo` writes a complete example "
            "(grid/inputs/grid_synthetic.toml)",
        )
    return GridConfig(
        name=str(grid.get("name", "grid")),
        cell_size=float(cell),
        districts=[str(d) for d in districts],
        grading=grading,
        entries=entries,
        learn=learn,
        base_dir=Path(base_dir),
        text=text,
        source=source,
        description=str(grid.get("description", "")),
        synthetic=bool(grid.get("synthetic", False)),
    )


def load_config(path: str | os.PathLike[str]) -> GridConfig:
    """Read and validate a TOML grid configuration file (see the module docstring)."""
    source = Path(path)
    if not source.exists():
        raise ConfigError(f"no such file: {source}", fix="check the --config path")
    return parse_config(
        source.read_text(encoding="utf-8"), base_dir=source.parent, source=source.name
    )


def _read(config: GridConfig, path: str, label: str, layer: str | None, crs: str | None) -> Any:
    from layers.districts import load_districts, load_dongs
    from layers.riskgrid.io import read_vector

    if path == "builtin:districts":
        return load_districts()
    if path == "builtin:dongs":
        return load_dongs()
    if path.startswith("builtin:"):
        raise ConfigError(
            f"unknown built-in layer {path!r}",
            layer=label,
            fix=f"use one of {', '.join(BUILTIN_LAYERS)} or a file path",
        )
    file = config.resolve(path)
    if not file.exists():
        raise ConfigError(
            f"no such file: {file}", layer=label, fix="check path (relative to the config file)"
        )
    config.inputs.append(file)
    return read_vector(file, layer_name=layer, crs=crs, label=label)


def read_indicators(config: GridConfig) -> tuple[list[Indicator], Learning | None]:
    """Read every indicator layer; raise one ConfigError listing every problem."""
    problems: list[str] = []
    indicators: list[Indicator] = []
    for entry in config.entries:
        name = str(entry.settings["name"])
        try:
            if entry.settings["kind"] == "raster":
                file = config.resolve(entry.path)
                if not file.exists():
                    raise ConfigError(f"no such file: {file}", layer=name, fix="check path")
                config.inputs.append(file)
                data: Any = file
            else:
                data = _read(config, entry.path, name, entry.layer, entry.crs)
                column = entry.settings.get("column")
                if column is not None and column not in data.columns:
                    available = [str(c) for c in data.columns if c != data.geometry.name]
                    raise ConfigError(
                        f"unknown column {column!r}; the layer has: {', '.join(available)}",
                        layer=name,
                        fix="set column to one of the listed columns",
                    )
            indicators.append(Indicator(data=data, source=entry.path, **entry.settings))
        except SitingError as err:
            problems.append(str(err).replace("\n  ", "; "))
    learning = None
    if config.learn is not None:
        spec = config.learn
        try:
            incidents = _read(
                config, str(spec["incidents"]), "incidents", spec.get("layer"), spec.get("crs")
            )
            learning = Learning(
                incidents=incidents,
                model=spec.get("model", "poisson"),
                folds=int(spec.get("folds", 5)),
                block_m=float(spec.get("block_m", 1000.0)),
                seed=int(spec.get("seed", 0)),
                source=str(spec["incidents"]),
            )
        except SitingError as err:
            problems.append("[learn] " + str(err).replace("\n  ", "; "))
    if problems:
        n = len(problems)
        raise ConfigError(
            f"{n} problem{'s' if n != 1 else ''}:\n    - " + "\n    - ".join(problems),
            layer=config.source,
            fix="correct the layers listed",
        )
    return indicators, learning


def build_from_config(
    config: GridConfig | str | os.PathLike[str], *, progress: bool = False
) -> GridBuild:
    """Read a configuration's layers and build its grid.

    Parameters
    ----------
    config : GridConfig or path
        A parsed configuration or the path of a TOML file.
    progress : bool, default False
        Show progress bars.

    Returns
    -------
    GridBuild
    """
    if not isinstance(config, GridConfig):
        config = load_config(config)
    indicators, learning = read_indicators(config)
    return build_risk_grid(
        indicators,
        cell_size=config.cell_size,
        districts=config.districts,
        grading=config.grading,
        learning=learning,
        progress=progress,
    )
