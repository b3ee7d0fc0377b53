"""Refresh the vendored JS/CSS under ``maps/assets`` from the npm registry.

This is a maintainer tool, not used at run time: the assets are committed
with their licences so that maps build offline and CI needs no network.
Run it after a folium or branca upgrade changes the versions they reference::

    python -m maps.vendor            # needs `npm` and access to the npm registry

Each package is fetched with ``npm pack NAME@VERSION`` (the ordinary client),
the files listed below are copied with their licence, and
``maps/assets/ASSETS.json`` records package, version, licence, npm integrity
and every file's sha256. Two assets are derived rather than copied, and say
so in the manifest:

- ``glyphicons``: folium links the Bootstrap 3.0.0 ``bootstrap-glyphicons.css``,
  which is not on npm; the ``@font-face`` and ``.glyphicon*`` rules are
  extracted from ``bootstrap@3.4.1``'s ``dist/css/bootstrap.css`` (same
  licence), woff2 font only.
- ``folium-rotate``: folium links its own ``leaflet.awesome.rotate.min.css``
  (``.fa-rotate-N`` classes rotating icons by N degrees); it is generated here.

Font Awesome's ``all.min.css`` keeps only its woff2 fonts (every browser that
runs Leaflet 1.9 reads woff2) and drops the ``@font-face`` aliases for Font
Awesome 4/5 family names (each would embed the same font again once inlined).
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import logging
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

__all__ = ["PACKAGES", "NpmPackage", "vendor_all"]

log = logging.getLogger(__name__)

ASSETS_DIR = Path(__file__).parent / "assets"


@dataclass(frozen=True)
class NpmPackage:
    """One npm package and the files of it that maps use.

    Parameters
    ----------
    folder : str
        Folder under ``maps/assets`` (kept apart per package).
    spec : str
        ``name@version`` as given to ``npm pack``.
    files : tuple of str
        Glob patterns of paths inside the package (without ``package/``).
    licence : str
        Path of the licence file inside the package.
    """

    folder: str
    spec: str
    files: tuple[str, ...]
    licence: str


PACKAGES: tuple[NpmPackage, ...] = (
    NpmPackage(
        "leaflet",
        "leaflet@1.9.3",
        ("dist/leaflet.js", "dist/leaflet.css", "dist/images/*.png"),
        "LICENSE",
    ),
    NpmPackage("jquery", "jquery@3.7.1", ("dist/jquery.min.js",), "LICENSE.txt"),
    NpmPackage(
        "bootstrap",
        "bootstrap@5.2.2",
        ("dist/js/bootstrap.bundle.min.js", "dist/css/bootstrap.min.css"),
        "LICENSE",
    ),
    NpmPackage(
        "leaflet.awesome-markers",
        "leaflet.awesome-markers@2.0.5",
        (
            "dist/leaflet.awesome-markers.js",
            "dist/leaflet.awesome-markers.css",
            "dist/images/markers-soft*.png",
            "dist/images/markers-shadow*.png",
        ),
        "LICENSE",
    ),
    NpmPackage(
        "fontawesome-free",
        "@fortawesome/fontawesome-free@6.2.0",
        ("css/all.min.css", "webfonts/*.woff2"),
        "LICENSE.txt",
    ),
    NpmPackage(
        "leaflet.markercluster",
        "leaflet.markercluster@1.1.0",
        (
            "dist/leaflet.markercluster.js",
            "dist/MarkerCluster.css",
            "dist/MarkerCluster.Default.css",
        ),
        "MIT-LICENCE.txt",
    ),
    NpmPackage(
        "leaflet.fullscreen",
        "leaflet.fullscreen@3.0.0",
        ("Control.FullScreen.js", "Control.FullScreen.css", "icon-fullscreen.svg"),
        "LICENSE",
    ),
    NpmPackage(
        "leaflet-measure",
        "leaflet-measure@2.1.7",
        ("dist/leaflet-measure.min.js", "dist/leaflet-measure.css", "dist/images/*.png"),
        "LICENSE",
    ),
    NpmPackage("d3", "d3@3.5.5", ("d3.min.js",), "LICENSE"),
)

_BOOTSTRAP3 = "bootstrap@3.4.1"


def _npm_pack(spec: str, work: Path) -> tuple[Path, dict[str, str]]:
    """Fetch one package tarball with ``npm pack``; return it and its metadata."""
    result = subprocess.run(
        ["npm", "pack", spec, "--json", "--silent"],
        cwd=work,
        check=True,
        capture_output=True,
        text=True,
    )
    info = json.loads(result.stdout)[0]
    return work / info["filename"], {
        "integrity": info.get("integrity", ""),
        "version": info["version"],
        "name": info["name"],
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _members(tar: tarfile.TarFile) -> dict[str, tarfile.TarInfo]:
    return {m.name.removeprefix("package/"): m for m in tar.getmembers() if m.isfile()}


def _read(tar: tarfile.TarFile, member: tarfile.TarInfo) -> bytes:
    handle = tar.extractfile(member)
    if handle is None:
        raise FileNotFoundError(member.name)
    return handle.read()


_TTF_FALLBACK = re.compile(r',url\([^)]*\.ttf\) format\("truetype"\)')
# @font-face aliases for Font Awesome 4/5 class names (v4-shims, v5 compatibility);
# folium's icons use the Font Awesome 6 families, and each alias would embed the
# same font again once inlined.
_FA_ALIASES = re.compile(
    r'@font-face\{font-family:"(?:Font Awesome 5 [A-Za-z]+|FontAwesome)";[^}]*\}'
)


def _vendor_package(package: NpmPackage, work: Path) -> dict[str, object]:
    tarball, meta = _npm_pack(package.spec, work)
    target = ASSETS_DIR / package.folder
    shutil.rmtree(target, ignore_errors=True)
    written: dict[str, str] = {}
    with tarfile.open(tarball) as tar:
        members = _members(tar)
        wanted = sorted(
            {name for pattern in package.files for name in fnmatch.filter(members, pattern)}
            | {package.licence}
        )
        for name in wanted:
            data = _read(tar, members[name])
            if name == "css/all.min.css":
                css = _TTF_FALLBACK.sub("", data.decode("utf-8"))
                data = _FA_ALIASES.sub("", css).encode("utf-8")
            out = target / name
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            written[name] = _sha256(out)
    return {
        "folder": package.folder,
        "package": meta["name"],
        "version": meta["version"],
        "integrity": meta["integrity"],
        "licence_file": f"{package.folder}/{package.licence}",
        "files": written,
    }


def _vendor_glyphicons(work: Path) -> dict[str, object]:
    tarball, meta = _npm_pack(_BOOTSTRAP3, work)
    target = ASSETS_DIR / "glyphicons"
    shutil.rmtree(target, ignore_errors=True)
    (target / "css").mkdir(parents=True)
    (target / "fonts").mkdir()
    with tarfile.open(tarball) as tar:
        members = _members(tar)
        css = _read(tar, members["dist/css/bootstrap.css"]).decode("utf-8")
        start = css.index('@font-face {\n  font-family: "Glyphicons Halflings";')
        last = css.index(".glyphicon-menu-up:before")
        end = css.index("}", last) + 1
        block = css[start:end]
        block = re.sub(
            r"src: url\(\"\.\./fonts/glyphicons-halflings-regular\.eot\"\);\s*src: [^;]*;",
            'src: url("../fonts/glyphicons-halflings-regular.woff2") format("woff2");',
            block,
        )
        header = (
            "/* Glyphicons rules extracted from Bootstrap v3.4.1 dist/css/bootstrap.css "
            "(MIT, see LICENSE), woff2 font only. */\n"
        )
        (target / "css" / "bootstrap-glyphicons.css").write_text(header + block + "\n")
        font = "dist/fonts/glyphicons-halflings-regular.woff2"
        (target / "fonts" / "glyphicons-halflings-regular.woff2").write_bytes(
            _read(tar, members[font])
        )
        (target / "LICENSE").write_bytes(_read(tar, members["LICENSE"]))
    files = {
        str(p.relative_to(target)): _sha256(p) for p in sorted(target.rglob("*")) if p.is_file()
    }
    return {
        "folder": "glyphicons",
        "package": meta["name"],
        "version": meta["version"],
        "integrity": meta["integrity"],
        "licence_file": "glyphicons/LICENSE",
        "derived": "Glyphicons rules extracted from dist/css/bootstrap.css; woff2 only",
        "files": files,
    }


def _vendor_rotate() -> dict[str, object]:
    target = ASSETS_DIR / "folium-rotate"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    rules = "\n".join(
        f".fa-rotate-{deg}{{-webkit-transform:rotate({deg}deg);transform:rotate({deg}deg);}}"
        for deg in range(1, 360)
    )
    out = target / "leaflet.awesome.rotate.css"
    out.write_text(
        "/* .fa-rotate-N: rotate an awesome-marker icon by N degrees (generated by "
        "maps/vendor.py; replaces folium's leaflet.awesome.rotate.min.css). */\n" + rules + "\n"
    )
    return {
        "folder": "folium-rotate",
        "package": "generated",
        "version": "1",
        "integrity": "",
        "licence_file": "",
        "derived": "generated by maps/vendor.py (project licence)",
        "files": {out.name: _sha256(out)},
    }


def vendor_all() -> Path:
    """Fetch every package and rewrite ``maps/assets`` and its ``ASSETS.json``.

    Returns
    -------
    Path
        The manifest written.
    """
    entries: list[dict[str, object]] = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for package in PACKAGES:
            log.info("vendoring %s", package.spec)
            entries.append(_vendor_package(package, work))
        entries.append(_vendor_glyphicons(work))
    entries.append(_vendor_rotate())
    manifest = ASSETS_DIR / "ASSETS.json"
    manifest.write_text(json.dumps(entries, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return manifest


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    vendor_all()
