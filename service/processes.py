"""The OGC API – Processes registry: one process per CLI command, same job functions.

Inputs are named like the CLI options (``device``, ``district`` as a list, ``count``,
``budget``, ``radius`` …); a file input takes the id an upload returned
(``POST /uploads``). Each process function runs in a worker (:func:`service.jobs.execute`)
and calls the function the CLI command calls:

=============  ===============================================  ====================
process        job function                                     CLI command
=============  ===============================================  ====================
inspect        ``layers.readers.read_layer`` (report)            ``siting inspect``
districts      ``siting.jobs.write_district_layer``              ``siting districts``
ageing         ``layers.inventory.ageing_by_district`` + writer  ``siting ageing``
grid-build     ``layers.riskgrid.build_grid_outputs``            ``siting grid build``
score          ``siting.jobs_score.score_job``                   ``siting score``
propose        ``siting.propose.run_propose``                    ``siting propose``
replace        ``siting.replace.run_replace``                    ``siting replace``
plan           ``siting.jobs_plan.run_plan``                     ``siting plan``
map            ``maps.jobs.write_*_map``                         ``siting map …``
=============  ===============================================  ====================

``plan`` runs ``siting.jobs_plan.run_plan`` (``siting plan``) on a score job's output.

Who may run what: city staff run every process; a district planner runs every process
except ``score`` and ``grid-build`` (city-wide work), and only for its own district
(``district`` defaults to it; another district is refused; ``plan`` then plans that
district's grant only); viewers run none.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from service.jobs import JobContext, ProcessFn

__all__ = [
    "PROCESSES",
    "FILES_KEY",
    "SERVICE_KEY",
    "InputSpec",
    "Process",
    "ProcessInputError",
    "get_process",
    "register",
    "validate_inputs",
]

#: Key of ``Job.inputs`` holding the data-folder-relative paths of file inputs.
FILES_KEY = "_files"
#: Key of a job's inputs holding the service settings its process uses (``tile_url``),
#: stored with the job so a worker on any machine draws with the server's settings.
SERVICE_KEY = "_service"

UploadId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="id of an upload")]
JobId = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$", description="id of a job")]


@dataclass(frozen=True)
class InputSpec:
    """One input of a process.

    Attributes
    ----------
    type : type annotation
        Python type the value is validated as (its JSON Schema is published).
    description : str
        What it is, with units.
    default : Any
        Used when omitted (``...`` = required).
    file : {"", "upload", "uploads", "job:propose", "job:score"}
        ``upload``: the value is an upload id; ``uploads``: a list of them;
        ``job:<process>``: the id of a successful job of that process whose
        artifacts are read (a propose job's ``proposal.gpkg``, a score job's folder).
    """

    type: Any
    description: str
    default: Any = None
    file: str = ""

    @property
    def required(self) -> bool:
        """Whether the input must be given."""
        return self.default is ...

    def schema(self) -> dict[str, Any]:
        """JSON Schema of the value."""
        schema = TypeAdapter(self.type).json_schema()
        if not self.required and self.default is not None:
            schema["default"] = self.default
        return schema


@dataclass(frozen=True)
class Process:
    """A process: description, inputs, the function that runs it and who may run it."""

    id: str
    title: str
    description: str
    inputs: dict[str, InputSpec]
    run: ProcessFn
    outputs: dict[str, str] = field(default_factory=dict)
    roles: tuple[str, ...] = ("city", "district")
    example: dict[str, Any] = field(default_factory=dict)
    version: str = "1.0.0"

    def summary(self) -> dict[str, Any]:
        """The process summary of ``GET /processes``."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "version": self.version,
            "jobControlOptions": ["sync-execute", "async-execute", "dismiss"],
            "outputTransmission": ["value", "reference"],
            "links": [
                {
                    "href": f"/processes/{self.id}",
                    "rel": "self",
                    "type": "application/json",
                    "title": "process description",
                },
                {
                    "href": f"/processes/{self.id}/execution",
                    "rel": "http://www.opengis.net/def/rel/ogc/1.0/execute",
                    "type": "application/json",
                    "title": "execute",
                },
            ],
        }

    def description_doc(self) -> dict[str, Any]:
        """The process description of ``GET /processes/{id}``."""
        doc = self.summary()
        inputs: dict[str, Any] = {}
        for name, spec in self.inputs.items():
            inputs[name] = {
                "title": name,
                "description": spec.description,
                "schema": spec.schema(),
                "minOccurs": 1 if spec.required else 0,
                "maxOccurs": 1,
            }
            if spec.file:
                inputs[name]["keywords"] = [spec.file]
        doc["inputs"] = inputs
        doc["outputs"] = {
            "summary": {
                "title": "summary",
                "description": "the figures the CLI prints (JSON)",
                "schema": {"type": "object"},
            },
            "files": {
                "title": "files",
                "description": "artifacts written: "
                + (", ".join(self.outputs.values()) or "see the job's results"),
                "schema": {"type": "array", "items": {"type": "object"}},
            },
        }
        doc["roles"] = list(self.roles)
        if self.example:
            doc["example"] = {"inputs": self.example}
        return doc


class ProcessInputError(Exception):
    """Inputs a process refuses (HTTP 400 with the input's name), or a role it refuses (403)."""

    def __init__(self, message: str, *, status: int = 400, input: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.input = input


PROCESSES: dict[str, Process] = {}


def register(process: Process) -> Process:
    """Add a process to the registry (tests register their own slow process)."""
    PROCESSES[process.id] = process
    return process


def get_process(process_id: str) -> Process:
    """A registered process.

    Raises
    ------
    KeyError
        When there is none of that id.
    """
    return PROCESSES[process_id]


def resolve_run(process_id: str) -> ProcessFn:
    """The function of a process (what the job runner hands to the executor)."""
    return PROCESSES[process_id].run


def validate_inputs(process: Process, raw: dict[str, Any]) -> dict[str, Any]:
    """Check the inputs of an execution request; fill defaults.

    Raises
    ------
    ProcessInputError
        Naming the unknown, missing or invalid input.
    """
    unknown = sorted(set(raw) - set(process.inputs))
    if unknown:
        raise ProcessInputError(
            f"process {process.id!r} has no input {', '.join(map(repr, unknown))}; "
            f"its inputs are {', '.join(process.inputs)}",
            input=unknown[0],
        )
    values: dict[str, Any] = {}
    for name, spec in process.inputs.items():
        if name not in raw or raw[name] is None:
            if spec.required:
                raise ProcessInputError(
                    f"input {name!r} is required: {spec.description}", input=name
                )
            values[name] = spec.default
            continue
        try:
            values[name] = TypeAdapter(spec.type).validate_python(raw[name])
        except PydanticValidationError as err:
            problems = "; ".join(e["msg"] for e in err.errors())
            raise ProcessInputError(
                f"input {name!r}: {problems} ({spec.description})", input=name
            ) from err
    return values


# -- helpers used in workers ---------------------------------------------------------


def _file(ctx: JobContext, inputs: dict[str, Any], name: str) -> Path | None:
    rel = inputs.get(FILES_KEY, {}).get(name)
    if rel is None:
        return None
    if isinstance(rel, list):
        raise TypeError(f"input {name} is a list")
    return ctx.data_dir / rel


def _files(ctx: JobContext, inputs: dict[str, Any], name: str) -> list[Path]:
    rel = inputs.get(FILES_KEY, {}).get(name) or []
    return [ctx.data_dir / r for r in rel]


def _listing(out: Path) -> list[str]:
    """Files written under ``out`` (itself inside ``jobs/.staging``), relative to it."""
    names = (p.relative_to(out) for p in out.rglob("*") if p.is_file())
    return sorted(
        n.as_posix() for n in names if not any(part.startswith(".staging") for part in n.parts)
    )


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, ensure_ascii=False, default=_default))


def _default(value: Any) -> Any:
    if hasattr(value, "item"):
        return value.item()
    if isinstance(value, Path):
        return value.name
    return str(value)


# -- process functions (module level, picklable by reference) -------------------------


def run_inspect(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``siting inspect --json`` on an upload."""
    from layers.output import write_json
    from service.uploads import inspect_upload

    path = _file(ctx, inputs, "file")
    assert path is not None
    ctx.progress(10, f"reading {path.name}")
    report = inspect_upload(
        path, filename=path.name, kind=inputs["kind"], crs=inputs["crs"], repair=inputs["repair"]
    )
    write_json(report, ctx.out_dir / "report.json")
    return _jsonable(report), ["report.json"]


def run_districts(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``siting districts``."""
    from siting.jobs import DISTRICT_SUMMARY_COLUMNS, write_district_layer

    ctx.progress(10, "building the district layer")
    layer, files = write_district_layer(
        ctx.out_dir,
        min_age=inputs["min_age"],
        reference_year=inputs["reference_year"],
        overwrite=True,
    )
    rows = layer[DISTRICT_SUMMARY_COLUMNS].to_dict(orient="records")
    return _jsonable({"districts": rows}), files


def run_ageing(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``siting ageing FILE --out …`` (:func:`siting.jobs_ageing.run_ageing`)."""
    from layers.inventory import AGEING_SUMMARY_COLUMNS
    from siting.jobs_ageing import run_ageing as ageing_job

    path = _file(ctx, inputs, "file")
    assert path is not None
    ctx.progress(10, f"reading {path.name}")
    run = ageing_job(
        path,
        device=inputs["device"],
        min_age=inputs["min_age"],
        reference_year=inputs["reference_year"],
        kind=inputs["kind"],
        crs=inputs["crs"],
        out=ctx.out_dir,
        overwrite=True,
    )
    ctx.progress(90, "table written")
    table, files = run.table, run.files
    attrs = table.attrs
    summary = {
        "device_type": attrs["device_type"],
        "min_age_years": attrs["min_age_years"],
        "reference_year": attrs["reference_year"],
        "districts": table[AGEING_SUMMARY_COLUMNS].to_dict(orient="records"),
    }
    return _jsonable(summary), files


def run_grid_build(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``siting grid build --config …`` (the config upload is a zip of grid.toml + layers)."""
    from layers.riskgrid import build_grid_outputs
    from service.uploads import inspect_upload

    config = _file(ctx, inputs, "config")
    assert config is not None
    inspect_upload(config, filename=config.name)  # refuses paths outside the bundle
    ctx.progress(10, "building the grid")
    result = build_grid_outputs(config, ctx.out_dir, overwrite=True, cells=inputs["cells"])
    summary = {
        "grid_file": result.grid_file,
        "districts": result.table.to_dict(orient="records"),
    }
    return _jsonable(summary), list(result.files)


def run_score(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``siting score``."""
    from siting.jobs_score import SCORE_SUMMARY_COLUMNS, score_job

    ctx.progress(10, f"scoring {inputs['program']}")
    result, files = score_job(
        inputs["program"],
        ctx.out_dir,
        districts_csv=_file(ctx, inputs, "districts"),
        grid=_file(ctx, inputs, "grid"),
        criteria=_file(ctx, inputs, "criteria"),
        budget_krw=inputs["budget"],
        policy=inputs["policy"],
        top_k=inputs["top_k"],
        skip_partials=inputs["skip_partials"],
        rank_population=inputs["rank_population"],
        overwrite=True,
    )
    table = result.table[SCORE_SUMMARY_COLUMNS].to_dict(orient="records")
    return _jsonable({"totals": result.totals, "table": table}), files


def run_propose_process(
    ctx: JobContext, inputs: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``siting propose``."""
    import importlib

    # siting.propose re-exports run_propose from siting.jobs_propose (the CLI's import)
    run_propose = importlib.import_module("siting.propose").run_propose

    ctx.progress(5, "reading inputs and building the coverage matrix")
    proposal, files = run_propose(
        ctx.out_dir,
        device=inputs["device"],
        districts=inputs["district"],
        count=inputs["count"],
        budget=inputs["budget"],
        candidates_path=_file(ctx, inputs, "candidates"),
        existing_path=_file(ctx, inputs, "existing"),
        grid_path=_file(ctx, inputs, "grid"),
        demand_path=_file(ctx, inputs, "demand"),
        excluded_path=_file(ctx, inputs, "excluded"),
        child_zones_path=_file(ctx, inputs, "child_zones"),
        weight_column=inputs["weight_column"],
        radius=inputs["radius"],
        min_spacing=inputs["min_spacing"],
        must_include=inputs["must_include"] or (),
        exclude=inputs["exclude_candidate"] or (),
        lattice_spacing=inputs["lattice_spacing"],
        aged_credit=inputs["aged_credit"],
        existing_cover=inputs["existing_cover"],
        camera_fov=inputs["camera_fov"],
        solver=inputs["solver"],
        time_limit=inputs["time_limit"],
        crs=inputs["crs"],
        seed=inputs["seed"],
        overwrite=True,
    )
    return _jsonable(proposal.summary), files


def run_replace_process(
    ctx: JobContext, inputs: dict[str, Any]
) -> tuple[dict[str, Any], list[str]]:
    """``siting replace``."""
    from siting.jobs_replace import run_replace

    devices = _file(ctx, inputs, "devices")
    assert devices is not None
    ctx.progress(5, "reading the inventory")
    plan, files = run_replace(
        ctx.out_dir,
        devices,
        device=inputs["device"],
        districts=inputs["district"],
        grid_path=_file(ctx, inputs, "grid"),
        demand_path=_file(ctx, inputs, "demand"),
        weight_column=inputs["weight_column"],
        candidates_path=_file(ctx, inputs, "candidates"),
        min_age=inputs["min_age"],
        reference_year=inputs["reference_year"],
        count=inputs["count"],
        budget=inputs["budget"],
        move_within_m=inputs["move_within"],
        radius=inputs["radius"],
        existing_cover=inputs["existing_cover"],
        camera_fov=inputs["camera_fov"],
        crs=inputs["crs"],
        overwrite=True,
    )
    return _jsonable(plan.summary), files


def run_plan_process(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``siting plan`` on a score job's output (or an uploaded ``<program>_round.csv``)."""
    from layers.errors import InputError
    from siting.jobs_plan import run_plan

    round_path = _file(ctx, inputs, "score_job") or _file(ctx, inputs, "round")
    if round_path is None:
        raise InputError(
            "a plan needs a scored round",
            layer="plan",
            fix="give score_job (the id of a successful score job) or round (upload of "
            "<program>_round.csv)",
        )
    ctx.progress(5, "reading the round and the siting inputs")
    result, files = run_plan(
        ctx.out_dir,
        round_path,
        grid_path=_file(ctx, inputs, "grid"),
        demand_path=_file(ctx, inputs, "demand"),
        weight_column=inputs["weight_column"],
        candidates_paths=_files(ctx, inputs, "candidates"),
        existing_path=_file(ctx, inputs, "existing"),
        lattice_fill=inputs["lattice_fill"],
        matching=inputs["matching"],
        districts=inputs["district"],
        must_include=inputs["must_include"] or (),
        exclude=inputs["exclude_candidate"] or (),
        cameras_per_site=inputs["cameras_per_site"],
        site_capacity=inputs["site_capacity"],
        camera_cost_krw=inputs["camera_cost"],
        min_cameras_added=inputs["min_cameras_added"],
        min_spacing=inputs["min_spacing"],
        existing_cover=inputs["existing_cover"],
        camera_fov=inputs["camera_fov"],
        solver=inputs["solver"],
        seed=inputs["seed"],
        crs=inputs["crs"],
        overwrite=True,
    )
    return _jsonable(result.summary), files


def run_map(ctx: JobContext, inputs: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """``siting map districts|grid|equipment|proposals`` into ``map.html``."""
    from maps.jobs import (
        write_district_map,
        write_equipment_map,
        write_grid_map,
        write_proposals_map,
    )

    kind, out = inputs["kind"], ctx.out_dir / "map.html"
    ctx.progress(10, f"drawing the {kind} map")
    tiles_url = (inputs.get(SERVICE_KEY) or {}).get("tile_url") or None
    common: dict[str, Any] = {"title": inputs["title"], "overwrite": True, "tiles_url": tiles_url}
    if kind == "districts":
        write_district_map(
            out,
            column=inputs["column"],
            values=_file(ctx, inputs, "values"),
            tooltip_columns=inputs["tooltip"] or [],
            **common,
        )
    elif kind == "grid":
        grid = _need(_file(ctx, inputs, "grid"), "grid", kind)
        write_grid_map(grid, out, **common)
    elif kind == "equipment":
        inventory = _need(_file(ctx, inputs, "inventory"), "inventory", kind)
        write_equipment_map(
            inventory,
            out,
            # None: the file's device kind decides the label and the ageing threshold
            device_label=inputs.get("device_label"),
            aged_min_age=inputs.get("min_age"),
            exact_positions=bool(inputs.get("exact_positions", False)),
            min_devices=inputs.get("min_devices", 3),
            cell_m=inputs["cell_m"],
            **common,
        )
    else:
        job = _file(ctx, inputs, "job")
        layers = _files(ctx, inputs, "proposals") + ([job] if job else [])
        if not layers:
            from layers.errors import InputError

            raise InputError(
                "a proposals map needs proposal layers",
                layer="map",
                fix="give 'proposals' (upload ids) or 'job' (the id of a propose job)",
            )
        write_proposals_map(layers, out, radius_m=inputs["radius_m"], **common)
    return {"kind": kind, "map": "map.html"}, _listing(ctx.out_dir)


def _need(path: Path | None, name: str, kind: str) -> Path:
    if path is None:
        from layers.errors import InputError

        raise InputError(
            f"a {kind} map needs the input {name!r}", layer="map", fix=f"give {name} (upload id)"
        )
    return path


# -- the registry ---------------------------------------------------------------------

District = InputSpec(
    list[str] | None,
    "districts (names or SIG_CD), default all of Seoul; a district planner's own district",
)
Crs = InputSpec(str | None, "CRS of x/y columns in CSV inputs, e.g. EPSG:5186 (default: by value)")
Kind = InputSpec(str, "dataset kind (default: recognised from the file)", "auto")
Count = InputSpec(Annotated[int, Field(ge=1, le=100_000)] | None, "number of sites")
Budget = InputSpec(Annotated[float, Field(ge=0)] | None, "budget (KRW)")
Radius = InputSpec(
    Annotated[float, Field(gt=0, le=5000)] | None, "coverage radius (m); CCTV 50, Wi-Fi 60"
)
MinAge = InputSpec(
    Annotated[int, Field(ge=0, le=100)] | None, "aged when age >= this (years); cctv 8, wifi 7"
)
RefYear = InputSpec(
    Annotated[int, Field(ge=1990, le=2100)] | None, "year ages are measured at (default: data's)"
)

ExistingCover = InputSpec(
    Literal["cameras", "disc"],
    "existing CCTV site watches min(1, cameras × camera_fov / 360°) of its disc "
    "(cameras) or all of it (disc)",
    "cameras",
)
CameraFov = InputSpec(
    Annotated[float, Field(gt=0, le=360)] | None,
    "horizontal field of view of one camera (°); default 90",
)


def _up(description: str, *, required: bool = False) -> InputSpec:
    return InputSpec(
        UploadId if required else UploadId | None, description, ... if required else None, "upload"
    )


register(
    Process(
        "inspect",
        "Inspect a file",
        "Recognise an uploaded file: dataset kind, encoding, CRS, rows kept and dropped with "
        "row numbers and reasons, swapped coordinates fixed, rows per district "
        "(siting inspect --json).",
        {
            "file": _up("the uploaded file", required=True),
            "kind": Kind,
            "crs": Crs,
            "repair": InputSpec(bool, "repair invalid polygons (make_valid), counted", False),
        },
        run_inspect,
        {"report": "report.json"},
        roles=("city", "district"),
        example={"file": "<upload id>"},
    )
)
register(
    Process(
        "districts",
        "District layer",
        "Seoul's 25 districts with official statistics (GeoPackage + CSV), as siting districts.",
        {
            "min_age": InputSpec(
                Annotated[int, Field(ge=1, le=100)], "CCTV ageing threshold (years)", 8
            ),
            "reference_year": InputSpec(
                Annotated[int, Field(ge=1990, le=2100)], "year ages are measured at", 2024
            ),
        },
        run_districts,
        {"gpkg": "districts.gpkg", "csv": "districts.csv", "manifest": "run.json"},
        example={"min_age": 8},
    )
)
register(
    Process(
        "ageing",
        "Ageing by district",
        "Per-district ageing ratio of any device type (aged / devices with a known install "
        "year), as siting ageing.",
        {
            "file": _up(
                "equipment file (안심이 CCTV, 공공와이파이, CCTV by year …)", required=True
            ),
            "device": InputSpec(
                Literal["cctv", "wifi", "streetlight", "security_light", "pole"] | None,
                "device type (default: from the dataset)",
            ),
            "min_age": MinAge,
            "reference_year": RefYear,
            "crs": Crs,
            "kind": Kind,
        },
        run_ageing,
        {"csv": "<device>_ageing_by_district.csv", "manifest": "run.json"},
        example={"file": "<upload id>", "device": "wifi", "min_age": 7},
    )
)
register(
    Process(
        "grid-build",
        "Build a risk grid",
        "Build a graded risk grid (취약격자) from a zip of grid.toml and its indicator layers "
        "(paths relative to the TOML), as siting grid build.",
        {
            "config": _up("zip upload holding grid.toml and its layers", required=True),
            "cells": InputSpec(bool, "also write the cells as polygons (GeoPackage)", False),
        },
        run_grid_build,
        {"grid": "NAME.tif", "csv": "NAME_by_district.csv", "report": "NAME_report.json"},
        roles=("city",),
        example={"config": "<upload id>"},
    )
)
register(
    Process(
        "score",
        "Score a subsidy round",
        "Score a subsidy round (붙임8 CCTV programmes, Wi-Fi, smart poles), decide eligibility "
        "and allocate the budget, as siting score.",
        {
            "program": InputSpec(
                Literal["cctv-new", "cctv-replace", "cctv-intelligent", "wifi", "pole"],
                "programme to score",
                ...,
            ),
            "districts": _up(
                "CSV of per-district values and requests (overrides the bundled data)"
            ),
            "grid": _up("graded risk grid (GeoTIFF) for D/E cells per district"),
            "criteria": _up("criteria TOML (default: the shipped one)"),
            "budget": InputSpec(
                Annotated[int, Field(ge=0)] | None, "city budget of the round (KRW)"
            ),
            "policy": InputSpec(
                Literal["fill", "proportional", "topk"] | None, "allocation policy"
            ),
            "top_k": InputSpec(
                Annotated[int, Field(ge=1, le=25)] | None, "districts funded under topk"
            ),
            "skip_partials": InputSpec(
                bool | None, "skip a district the remaining budget cannot fully fund"
            ),
            "rank_population": InputSpec(Literal["all", "applicants"] | None, "who is ranked"),
        },
        run_score,
        {"csv": "round.csv", "xlsx": "round.xlsx", "report": "report"},
        roles=("city",),
        example={"program": "cctv-replace", "budget": 2_000_000_000},
    )
)
register(
    Process(
        "propose",
        "Propose new sites",
        "Propose sites for new CCTV, Wi-Fi APs or smart poles that cover the most uncovered "
        "demand (maximal covering, exact or greedy), as siting propose. Give count or budget.",
        {
            "device": InputSpec(Literal["cctv", "wifi", "pole"], "device to site", ...),
            "district": District,
            "count": Count,
            "budget": Budget,
            "candidates": _up("candidate sites (streetlights, poles …); default a lattice"),
            "existing": _up("existing devices (their coverage is removed)"),
            "grid": _up("risk grid GeoTIFF (CCTV demand)"),
            "demand": _up("demand layer, or CSV x,y,weight (Wi-Fi demand)"),
            "excluded": _up("polygons where no site may go"),
            "child_zones": _up("child-protection zones (poles: sites near them only)"),
            "weight_column": InputSpec(str, "weight column of demand", "weight"),
            "radius": Radius,
            "min_spacing": InputSpec(
                Annotated[float, Field(ge=0, le=5000)] | None, "minimum distance between sites (m)"
            ),
            "must_include": InputSpec(list[str] | None, "candidate ids that must be chosen"),
            "exclude_candidate": InputSpec(
                list[str] | None, "candidate ids that may not be chosen"
            ),
            "lattice_spacing": InputSpec(
                Annotated[float, Field(ge=10, le=5000)] | None,
                "lattice spacing (m); default radius",
            ),
            "aged_credit": InputSpec(
                Annotated[float, Field(ge=0, le=1)] | None,
                "coverage credit of aged existing devices (0–1)",
            ),
            "existing_cover": ExistingCover,
            "camera_fov": CameraFov,
            "solver": InputSpec(Literal["auto", "greedy", "exact"], "solver", "auto"),
            "time_limit": InputSpec(
                Annotated[float, Field(gt=0, le=3600)], "solver time limit (s)", 60.0
            ),
            "crs": Crs,
            "seed": InputSpec(Annotated[int, Field(ge=0)], "seed of randomised steps", 0),
        },
        run_propose_process,
        {"gpkg": "proposal.gpkg", "csv": "proposals.csv", "summary": "summary.json"},
        example={"device": "cctv", "district": ["노원구"], "count": 10},
    )
)
register(
    Process(
        "replace",
        "Plan replacements",
        "Rank aged or low-resolution devices by the risk they cover and plan their "
        "replacement, as siting replace.",
        {
            "devices": _up("device inventory (CCTV or Wi-Fi points)", required=True),
            "device": InputSpec(Literal["cctv", "wifi"], "device type", "cctv"),
            "district": District,
            "grid": _up("risk grid GeoTIFF"),
            "demand": _up("demand layer or CSV x,y,weight"),
            "weight_column": InputSpec(str, "weight column of demand", "weight"),
            "min_age": MinAge,
            "reference_year": RefYear,
            "count": Count,
            "budget": Budget,
            "candidates": _up("sites a poorly placed device may move to"),
            "move_within": InputSpec(
                Annotated[float, Field(gt=0, le=5000)] | None, "largest move to a candidate (m)"
            ),
            "radius": Radius,
            "existing_cover": ExistingCover,
            "camera_fov": CameraFov,
            "crs": Crs,
        },
        run_replace_process,
        {"gpkg": "replacement.gpkg", "csv": "replacement.csv"},
        example={"devices": "<upload id>", "device": "cctv", "count": 20},
    )
)
register(
    Process(
        "plan",
        "Plan sites per funded district",
        "Propose sites in every funded district of a scored round, each within its city "
        "share + matching, as siting plan.",
        {
            "score_job": InputSpec(
                JobId | None, "a successful score job whose round is planned", None, "job:score"
            ),
            "round": _up("scored round CSV (<program>_round.csv), instead of score_job"),
            "district": InputSpec(
                list[str] | None,
                "funded districts to plan (names or SIG_CD), default all; a district "
                "planner's own district",
            ),
            "grid": _up("risk grid GeoTIFF (CCTV demand: D/E cells)"),
            "demand": _up("demand layer (Wi-Fi places; CCTV without a grid)"),
            "weight_column": InputSpec(str, "weight column of demand", "weight"),
            "candidates": InputSpec(
                list[UploadId] | None,
                "street candidates: 가로등, 보안등 or CCTV-pole layers (upload ids)",
                None,
                "uploads",
            ),
            "lattice_fill": InputSpec(bool, "add lattice points where no candidate reaches", False),
            "existing": _up("existing devices (their coverage is removed)"),
            "matching": InputSpec(
                Literal["counterpart", "secured"],
                "district money: counterpart of the grant, or all it secured",
                "counterpart",
            ),
            "cameras_per_site": InputSpec(
                Annotated[int, Field(ge=1, le=50)] | None, "cameras a new site gets (4)"
            ),
            "site_capacity": InputSpec(
                Annotated[int, Field(ge=1, le=50)] | None, "most cameras a pole holds (6)"
            ),
            "camera_cost": InputSpec(
                Annotated[float, Field(gt=0)] | None, "KRW a camera, installed (5,000,000)"
            ),
            "min_cameras_added": InputSpec(
                Annotated[int, Field(ge=1, le=50)] | None,
                "fewest cameras worth adding to an existing pole",
            ),
            "min_spacing": InputSpec(
                Annotated[float, Field(ge=0, le=5000)] | None, "minimum distance between sites (m)"
            ),
            "must_include": InputSpec(list[str] | None, "candidate ids that must be chosen"),
            "exclude_candidate": InputSpec(
                list[str] | None, "candidate ids that may not be chosen"
            ),
            "existing_cover": ExistingCover,
            "camera_fov": CameraFov,
            "solver": InputSpec(Literal["auto", "greedy", "exact"], "solver", "auto"),
            "crs": Crs,
            "seed": InputSpec(Annotated[int, Field(ge=0)], "seed of randomised steps", 0),
        },
        run_plan_process,
        {"gpkg": "plan_sites.gpkg"},
        example={"score_job": "<job id>", "grid": "<upload id>"},
    )
)
register(
    Process(
        "map",
        "Offline map",
        "A self-contained offline HTML map (no CDN; tiles only from the service's tile_url) "
        "of districts, a risk grid, "
        "equipment or proposals, as siting map.",
        {
            "kind": InputSpec(
                Literal["districts", "grid", "equipment", "proposals"], "what to map", ...
            ),
            "column": InputSpec(
                str, "districts map: numeric column to colour by", "cctv_ageing_ratio_pct"
            ),
            "values": _up("districts map: per-district table with sig_cd (CSV/xlsx)"),
            "tooltip": InputSpec(list[str] | None, "districts map: further columns shown on hover"),
            "grid": _up("grid map: risk-grid GeoTIFF"),
            "inventory": _up("equipment map: equipment inventory file"),
            "device_label": InputSpec(
                str | None,
                "equipment map: device name in labels (default: the inventory's device kind)",
                None,
            ),
            "min_age": InputSpec(
                Annotated[int, Field(ge=5, le=100)] | None,
                "equipment map: ageing threshold in years (default: the device kind's)",
                None,
            ),
            "min_devices": InputSpec(
                # 3 is the privacy floor (maps.privacy.DEFAULT_MIN_DEVICES): fewer would
                # reveal single sites, which only exact_positions (city staff) may do
                Annotated[int, Field(ge=3, le=1000)],
                "equipment map: fewest devices a cell needs to be drawn",
                3,
            ),
            "cell_m": InputSpec(
                Annotated[float, Field(ge=100, le=5000)],
                "equipment map: aggregation cell (m)",
                500.0,
            ),
            "exact_positions": InputSpec(
                bool, "equipment map: show every site (city staff only)", False
            ),
            "proposals": InputSpec(
                list[UploadId] | None, "proposals map: proposal files (upload ids)", None, "uploads"
            ),
            "job": InputSpec(
                JobId | None,
                "proposals map: a propose job whose proposal.gpkg is drawn",
                None,
                "job:propose",
            ),
            "radius_m": InputSpec(
                Annotated[float, Field(ge=1, le=5000)],
                "proposals map: radius (m) for rows without radius_m",
                50.0,
            ),
            "title": InputSpec(str | None, "map title"),
        },
        run_map,
        {"html": "map.html"},
        example={"kind": "districts", "column": "cctv_ageing_ratio_pct"},
    )
)


def scope_inputs(
    process: Process, values: dict[str, Any], role: str, district: str | None
) -> str | None:
    """Apply role and district rules; return the district (SIG_CD) the job belongs to.

    Raises
    ------
    ProcessInputError
        403 when the role may not run the process, or a planner names another district;
        400 for a district name that is not one of Seoul's 25.
    """
    from layers.districts import district_code

    if role not in process.roles:
        raise ProcessInputError(
            f"role {role!r} may not run {process.id!r} (allowed: {', '.join(process.roles)})",
            status=403,
        )
    if process.id == "map" and values.get("exact_positions") and role != "city":
        raise ProcessInputError(
            "only city staff may draw exact equipment positions",
            status=403,
            input="exact_positions",
        )
    if "district" not in process.inputs:
        return district if role == "district" else None
    names = values.get("district")
    codes: list[str] = []
    for name in names or []:
        code = district_code(str(name))
        if code is None:
            raise ProcessInputError(
                f"{name!r} is not one of Seoul's 25 districts", input="district"
            )
        codes.append(code)
    if role == "district":
        if not codes:
            values["district"] = [district]
            return district
        if set(codes) != {district}:
            raise ProcessInputError(
                f"a district planner runs {process.id!r} only for its own district ({district})",
                status=403,
                input="district",
            )
        return district
    return codes[0] if len(set(codes)) == 1 else None


def file_inputs(
    process: Process,
    values: dict[str, Any],
    upload_path: Callable[[str, str], str],
    job_path: Callable[[str, str, str], str],
) -> dict[str, Any]:
    """Data-folder-relative paths of the file inputs (stored under :data:`FILES_KEY`).

    ``upload_path(upload_id, input_name)`` and ``job_path(job_id, input_name, process_id)`` check
    that the caller may read the upload or job and return its path; they raise
    :class:`ProcessInputError` otherwise.
    """
    files: dict[str, Any] = {}
    for name, spec in process.inputs.items():
        value = values.get(name)
        if value is None or not spec.file:
            continue
        if spec.file == "upload":
            files[name] = upload_path(value, name)
        elif spec.file == "uploads":
            files[name] = [upload_path(v, name) for v in value]
        elif spec.file.startswith("job:"):
            files[name] = job_path(value, name, spec.file.removeprefix("job:"))
    return files
