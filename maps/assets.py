"""The vendored JS/CSS that folium and branca reference, and how to inline it.

folium links about 20 files from public CDNs (Leaflet, jQuery, Bootstrap,
awesome-markers, Font Awesome, plugins) and branca's legend loads d3 from
one. Each of them is committed under ``maps/assets`` with its licence
(``ASSETS.json`` lists package, version, licence and sha256; ``python -m
maps.vendor`` refreshes them from the npm registry).

A link is matched to its vendored file by the link's **file name**
(``leaflet.js``, ``MarkerCluster.Default.css``, ``d3.min.js``), so that a
folium upgrade that moves a CDN host keeps working; a file name that is not
known raises :class:`~layers.errors.InputError` naming the URL.

Examples
--------
>>> asset_for_url("https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js").path.name
'leaflet.js'
"""

from __future__ import annotations

import base64
import json
import mimetypes
import re
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from layers.errors import InputError

__all__ = [
    "VendoredAsset",
    "asset_for_url",
    "asset_manifest",
    "assets_dir",
    "css_with_data_uris",
    "data_uri",
    "read_asset",
]


@dataclass(frozen=True)
class VendoredAsset:
    """One vendored file that replaces a CDN link.

    Parameters
    ----------
    name : str
        Short name (``"leaflet"``, ``"d3"``).
    relpath : str
        Path under ``maps/assets``.
    kind : str
        ``"js"`` or ``"css"``.
    """

    name: str
    relpath: str
    kind: str

    @property
    def path(self) -> Path:
        """Absolute path of the vendored file."""
        return assets_dir() / self.relpath


#: Link file name (as folium/branca write it) → vendored file.
_BY_FILENAME: dict[str, VendoredAsset] = {
    "leaflet.js": VendoredAsset("leaflet", "leaflet/dist/leaflet.js", "js"),
    "leaflet.css": VendoredAsset("leaflet_css", "leaflet/dist/leaflet.css", "css"),
    "jquery-3.7.1.min.js": VendoredAsset("jquery", "jquery/dist/jquery.min.js", "js"),
    "jquery.min.js": VendoredAsset("jquery", "jquery/dist/jquery.min.js", "js"),
    "bootstrap.bundle.min.js": VendoredAsset(
        "bootstrap", "bootstrap/dist/js/bootstrap.bundle.min.js", "js"
    ),
    "bootstrap.min.css": VendoredAsset(
        "bootstrap_css", "bootstrap/dist/css/bootstrap.min.css", "css"
    ),
    "bootstrap-glyphicons.css": VendoredAsset(
        "glyphicons_css", "glyphicons/css/bootstrap-glyphicons.css", "css"
    ),
    "all.min.css": VendoredAsset(
        "awesome_markers_font_css", "fontawesome-free/css/all.min.css", "css"
    ),
    "leaflet.awesome-markers.js": VendoredAsset(
        "awesome_markers", "leaflet.awesome-markers/dist/leaflet.awesome-markers.js", "js"
    ),
    "leaflet.awesome-markers.css": VendoredAsset(
        "awesome_markers_css", "leaflet.awesome-markers/dist/leaflet.awesome-markers.css", "css"
    ),
    "leaflet.awesome.rotate.min.css": VendoredAsset(
        "awesome_rotate_css", "folium-rotate/leaflet.awesome.rotate.css", "css"
    ),
    "leaflet.markercluster.js": VendoredAsset(
        "markerclusterjs", "leaflet.markercluster/dist/leaflet.markercluster.js", "js"
    ),
    "MarkerCluster.css": VendoredAsset(
        "markerclustercss", "leaflet.markercluster/dist/MarkerCluster.css", "css"
    ),
    "MarkerCluster.Default.css": VendoredAsset(
        "markerclusterdefaultcss", "leaflet.markercluster/dist/MarkerCluster.Default.css", "css"
    ),
    "Control.FullScreen.min.js": VendoredAsset(
        "Control.Fullscreen.js", "leaflet.fullscreen/Control.FullScreen.js", "js"
    ),
    "Control.FullScreen.js": VendoredAsset(
        "Control.Fullscreen.js", "leaflet.fullscreen/Control.FullScreen.js", "js"
    ),
    "Control.FullScreen.css": VendoredAsset(
        "Control.FullScreen.css", "leaflet.fullscreen/Control.FullScreen.css", "css"
    ),
    "leaflet-measure.min.js": VendoredAsset(
        "leaflet_measure_js", "leaflet-measure/dist/leaflet-measure.min.js", "js"
    ),
    "leaflet-measure.min.css": VendoredAsset(
        "leaflet_measure_css", "leaflet-measure/dist/leaflet-measure.css", "css"
    ),
    "leaflet-measure.css": VendoredAsset(
        "leaflet_measure_css", "leaflet-measure/dist/leaflet-measure.css", "css"
    ),
    "d3.min.js": VendoredAsset("d3", "d3/d3.min.js", "js"),
}


def assets_dir() -> Path:
    """The folder holding the vendored files (``maps/assets``)."""
    return Path(str(files("maps") / "assets"))


@cache
def asset_manifest() -> list[dict[str, Any]]:
    """``ASSETS.json``: package, version, licence file and sha256 of every vendored file."""
    data: list[dict[str, Any]] = json.loads(
        (assets_dir() / "ASSETS.json").read_text(encoding="utf-8")
    )
    return data


def asset_for_url(url: str) -> VendoredAsset:
    """The vendored file that replaces a CDN ``url``.

    Parameters
    ----------
    url : str
        A ``src`` or ``href`` folium or branca wrote.

    Returns
    -------
    VendoredAsset

    Raises
    ------
    InputError
        When no vendored file has that file name.
    """
    name = urlsplit(url).path.rsplit("/", 1)[-1]
    asset = _BY_FILENAME.get(name)
    if asset is None:
        raise InputError(
            f"the map links {url!r}, which is not vendored, so it would not load "
            "on a network without internet",
            layer="map assets",
            fix="use only folium features whose assets are vendored (see maps/assets/ASSETS.json), "
            "or add the package to maps/vendor.py and maps/assets.py",
        )
    return asset


@cache
def read_asset(relpath: str) -> str:
    """Text of a vendored JS or CSS file; CSS comes with its ``url(...)`` as data URIs."""
    path = assets_dir() / relpath
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".css":
        text = css_with_data_uris(text, path.parent)
    return text


def data_uri(path: Path) -> str:
    """A ``data:`` URI holding the bytes of ``path`` (base64)."""
    mime = {
        ".woff2": "font/woff2",
        ".woff": "font/woff",
        ".svg": "image/svg+xml",
        ".png": "image/png",
    }.get(path.suffix.lower()) or (mimetypes.guess_type(path.name)[0] or "application/octet-stream")
    encoded = base64.b64encode(path.read_bytes()).decode("ascii")
    return f"data:{mime};base64,{encoded}"


_CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def css_with_data_uris(css: str, base: Path) -> str:
    """Replace every relative ``url(...)`` in ``css`` by a data URI of the file it names.

    ``data:`` and fragment (``#…``) URLs are kept; an absolute ``http(s)://``
    or protocol-relative URL, or a relative one whose file is not vendored,
    raises.

    Parameters
    ----------
    css : str
        Style sheet text.
    base : Path
        Folder the relative URLs are relative to.

    Returns
    -------
    str
        The style sheet with no external references.

    Raises
    ------
    InputError
        When a URL cannot be made local.
    """

    def replace(match: re.Match[str]) -> str:
        target = match.group(2).strip()
        if target.startswith(("data:", "#")):
            return match.group(0)
        if re.match(r"^(https?:)?//", target, flags=re.IGNORECASE):
            raise InputError(
                f"a style sheet references the external URL {target!r}",
                layer="map assets",
                fix="vendor the file under maps/assets and reference it relatively",
            )
        local = (base / urlsplit(target).path).resolve()
        if not local.is_file():
            raise InputError(
                f"a style sheet references {target!r}, which is not vendored ({local})",
                layer="map assets",
                fix="run `python -m maps.vendor` to restore maps/assets",
            )
        return f'url("{data_uri(local)}")'

    return _CSS_URL.sub(replace, css)
