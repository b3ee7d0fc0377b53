"""Self-contained HTML: every script and style sheet inlined, nothing fetched.

:func:`render_offline` renders a folium map, replaces each CDN
``<script src>`` and ``<link href>`` by the vendored file's text (see
:mod:`maps.assets`), turns style-sheet images and fonts into data URIs, and
then checks the page: any ``http(s)://`` or protocol-relative URL left in a
``src``/``href`` attribute or a CSS ``url()`` raises. :func:`save_html` writes
the result atomically, never over an input and never over an existing file
unless asked.

Element ids that folium draws at random are renumbered in order of
appearance, so the same map gives byte-identical HTML.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Sequence
from html.parser import HTMLParser
from pathlib import Path

import folium
from branca.element import Figure

from layers.errors import InputError
from layers.output import staged_outputs
from maps.assets import asset_for_url, assets_dir, data_uri, read_asset

__all__ = ["external_urls", "render_offline", "save_html"]

log = logging.getLogger(__name__)

_SCRIPT_LINK = re.compile(r'<script src="([^"]+)"></script>')
_CSS_LINK = re.compile(r'<link rel="stylesheet" href="([^"]+)"\s*/?>')
_FOLIUM_ID = re.compile(r"(?<=_)[0-9a-f]{32}(?![0-9a-f])")
_EXTERNAL = re.compile(r"^\s*(https?:)?//", re.IGNORECASE)
_CSS_URL = re.compile(r"""url\(\s*['"]?([^'")]+)""", re.IGNORECASE)
_CSS_IMPORT = re.compile(r"""@import\s+['"]([^'"]+)""", re.IGNORECASE)
_URL_ATTRIBUTES = {"src", "href", "data", "poster", "action", "xlink:href", "background"}


class _UrlScanner(HTMLParser):
    """Collect URLs a browser would fetch from tags, styles and style attributes."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def _check_css(self, css: str) -> None:
        for target in _CSS_URL.findall(css) + _CSS_IMPORT.findall(css):
            if _EXTERNAL.match(target):
                self.found.append(target.strip())

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._in_style = tag == "style"
        for name, value in attrs:
            if value is None:
                continue
            if name in _URL_ATTRIBUTES and _EXTERNAL.match(value):
                self.found.append(value.strip())
            elif name == "srcset":
                self.found.extend(
                    part.split()[0] for part in value.split(",") if _EXTERNAL.match(part)
                )
            elif name == "style":
                self._check_css(value)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._check_css(data)


def external_urls(html: str) -> list[str]:
    """URLs in ``html`` that a browser would fetch from the network.

    Looks at ``src``, ``href``, ``srcset`` and similar attributes, ``<style>``
    blocks and ``style`` attributes (``url()`` and ``@import``); ``data:`` and
    relative URLs are local. Text inside ``<script>`` is code, not a fetch.

    Parameters
    ----------
    html : str
        A whole page.

    Returns
    -------
    list of str
        Every ``http(s)://`` or ``//host`` URL found, in document order.
    """
    scanner = _UrlScanner()
    scanner.feed(html)
    scanner.close()
    return scanner.found


def _renumber_ids(html: str) -> str:
    numbers: dict[str, str] = {}

    def replace(match: re.Match[str]) -> str:
        token = match.group(0)
        if token not in numbers:
            numbers[token] = f"{len(numbers) + 1:032d}"
        return numbers[token]

    return _FOLIUM_ID.sub(replace, html)


def _inline_script(match: re.Match[str]) -> str:
    asset = asset_for_url(match.group(1))
    code = read_asset(asset.relpath).replace("</script", "<\\/script")
    log.debug("inlined %s from %s", match.group(1), asset.relpath)
    script = f"<script>/* vendored: {asset.relpath} */\n{code}\n</script>"
    if asset.name == "leaflet":
        script += "\n" + _leaflet_icon_fix()
    return script


def _inline_style(match: re.Match[str]) -> str:
    asset = asset_for_url(match.group(1))
    css = read_asset(asset.relpath).replace("</style", "<\\/style")
    return f"<style>/* vendored: {asset.relpath} */\n{css}\n</style>"


def _leaflet_icon_fix() -> str:
    """Point Leaflet's default marker icons at data URIs (no image path to guess)."""
    images = assets_dir() / "leaflet" / "dist" / "images"
    return (
        "<script>L.Icon.Default.imagePath = '';"
        "L.Icon.Default.mergeOptions({"
        f"iconUrl: '{data_uri(images / 'marker-icon.png')}',"
        f"iconRetinaUrl: '{data_uri(images / 'marker-icon-2x.png')}',"
        f"shadowUrl: '{data_uri(images / 'marker-shadow.png')}'"
        "});</script>"
    )


def render_offline(m: folium.Map | Figure) -> str:
    """Render a folium map (or branca figure) as one self-contained HTML page.

    Parameters
    ----------
    m : folium.Map or branca.element.Figure
        The map.

    Returns
    -------
    str
        The page, UTF-8 declared, with every script and style inlined.

    Raises
    ------
    InputError
        When the map links a file that is not vendored, or any external URL
        remains after inlining.
    """
    root = m.get_root()
    html = _renumber_ids(root.render())
    html = _SCRIPT_LINK.sub(_inline_script, html)
    html = _CSS_LINK.sub(_inline_style, html)
    if not re.search(r"<meta charset=", html, flags=re.IGNORECASE):
        html = re.sub(r"<head>", '<head>\n<meta charset="utf-8">', html, count=1)
    remaining = external_urls(html)
    if remaining:
        shown = ", ".join(sorted(set(remaining))[:5])
        raise InputError(
            f"the map still references {len(remaining)} external URL(s): {shown}",
            layer="map",
            fix="remove the element that links them, or vendor the file under maps/assets",
        )
    return html


def save_html(
    m: folium.Map | Figure,
    path: str | os.PathLike[str],
    *,
    overwrite: bool = False,
    protected: Sequence[str | os.PathLike[str]] = (),
) -> Path:
    """Write a map as self-contained HTML (UTF-8), atomically.

    Parameters
    ----------
    m : folium.Map or branca.element.Figure
        The map.
    path : path
        Output file (``.html``).
    overwrite : bool, default False
        Replace an existing file.
    protected : sequence of path
        Input files the output must never replace.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    OutputExistsError
        When ``path`` exists and ``overwrite`` is false.
    InputError
        When ``path`` is one of ``protected`` or the page is not self-contained.
    """
    out = Path(path)
    html = render_offline(m)
    with staged_outputs(out.parent, overwrite=overwrite, protected=protected) as stage:
        (stage / out.name).write_text(html, encoding="utf-8")
    log.info("wrote %s (%.1f MB)", out, out.stat().st_size / 1e6)
    return out
