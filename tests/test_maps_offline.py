"""Self-contained HTML: vendored assets, inlining, the external-URL check, atomic saving."""

from __future__ import annotations

import hashlib
from pathlib import Path

import branca.colormap as cm
import folium
import pytest
from folium.plugins import Draw, FastMarkerCluster, Fullscreen, MarkerCluster, MeasureControl
from hypothesis import given, settings
from hypothesis import strategies as st

from layers.errors import InputError, OutputExistsError
from maps.assets import asset_for_url, asset_manifest, assets_dir, css_with_data_uris
from maps.offline import external_urls, render_offline, save_html


def _full_map() -> folium.Map:
    m = folium.Map(location=[37.55, 126.98], zoom_start=11, tiles=None)
    Fullscreen().add_to(m)
    MeasureControl().add_to(m)
    MarkerCluster().add_to(m)
    FastMarkerCluster([[37.5, 127.0], [37.6, 127.1]]).add_to(m)
    folium.Marker([37.55, 126.98], icon=folium.Icon(icon="info-sign")).add_to(m)
    cm.LinearColormap(["#ffffff", "#ff0000"], vmin=0, vmax=1, caption="점수").add_to(m)
    folium.LayerControl().add_to(m)
    return m


def test_every_folium_default_asset_is_inlined() -> None:
    raw = _full_map().get_root().render()
    assert "https://" in raw  # folium links CDNs by default
    page = render_offline(_full_map())
    assert external_urls(page) == []
    assert "<script src=" not in page
    assert '<link rel="stylesheet"' not in page
    for vendored in ("leaflet/dist/leaflet.js", "d3/d3.min.js", "fontawesome-free/css/all.min.css"):
        assert f"vendored: {vendored}" in page
    assert "data:font/woff2;base64," in page
    assert '<meta charset="utf-8">' in page or 'charset="UTF-8"' in page


def test_rendering_is_deterministic() -> None:
    assert render_offline(_full_map()) == render_offline(_full_map())


def test_an_asset_that_is_not_vendored_is_refused() -> None:
    m = folium.Map(tiles=None)
    Draw().add_to(m)
    with pytest.raises(InputError, match=r"leaflet\.draw\.js.*not vendored"):
        render_offline(m)


@pytest.mark.parametrize(
    "html",
    [
        '<html><head><script src="https://cdn.example/x.js"></script></head></html>',
        '<html><head><link rel="stylesheet" href="//cdn.example/x.css"></head></html>',
        "<html><style>.a{background:url(http://cdn.example/a.png)}</style></html>",
        "<html><style>@import 'https://cdn.example/b.css';</style></html>",
        "<html><div style=\"background-image: url('https://x.example/i.png')\"></div></html>",
        '<html><img srcset="a.png 1x, https://x.example/b.png 2x"></html>',
    ],
)
def test_external_urls_are_found(html: str) -> None:
    assert len(external_urls(html)) == 1


def test_local_and_script_text_urls_are_not_fetches() -> None:
    html = (
        "<html><style>.a{background:url(data:image/png;base64,AAAA)}</style>"
        '<script>var s = "<a href=\\"https://leafletjs.com\\">";</script>'
        '<a href="#top">top</a><img src="local.png"></html>'
    )
    assert external_urls(html) == []


def test_external_url_left_in_the_page_raises() -> None:
    m = folium.Map(tiles=None)
    m.get_root().header.add_child(
        folium.Element('<link rel="icon" href="https://example.org/favicon.ico">')
    )
    with pytest.raises(InputError, match="external URL"):
        render_offline(m)


def test_css_urls_become_data_uris(tmp_path: Path) -> None:
    (tmp_path / "img").mkdir()
    (tmp_path / "img" / "a.png").write_bytes(b"\x89PNG\r\n")
    css = ".a{background:url('img/a.png')} .b{behavior:url(#default#VML)}"
    out = css_with_data_uris(css, tmp_path)
    assert 'url("data:image/png;base64,' in out
    assert "url(#default#VML)" in out
    with pytest.raises(InputError, match="external URL"):
        css_with_data_uris(".a{background:url(https://x.example/a.png)}", tmp_path)
    with pytest.raises(InputError, match="not vendored"):
        css_with_data_uris(".a{background:url(missing.png)}", tmp_path)


def test_asset_lookup_by_file_name() -> None:
    asset = asset_for_url("https://cdnjs.cloudflare.com/ajax/libs/d3/3.5.5/d3.min.js")
    assert asset.path.is_file()
    with pytest.raises(InputError, match="not vendored"):
        asset_for_url("https://unpkg.com/something/else.js")


def test_vendored_files_match_their_manifest_and_have_licences() -> None:
    root = assets_dir()
    for entry in asset_manifest():
        if entry["licence_file"]:
            assert (root / entry["licence_file"]).is_file(), entry["folder"]
        for name, sha in entry["files"].items():
            data = (root / entry["folder"] / name).read_bytes()
            assert hashlib.sha256(data).hexdigest() == sha, name


def test_save_is_atomic_and_refuses_to_overwrite(tmp_path: Path) -> None:
    out = tmp_path / "map.html"
    save_html(folium.Map(tiles=None), out)
    first = out.read_text(encoding="utf-8")
    with pytest.raises(OutputExistsError, match="already exist"):
        save_html(folium.Map(tiles=None), out)
    assert out.read_text(encoding="utf-8") == first
    save_html(folium.Map(tiles=None), out, overwrite=True)
    assert [p.name for p in tmp_path.iterdir()] == ["map.html"]


def test_save_never_replaces_an_input(tmp_path: Path) -> None:
    source = tmp_path / "grid.html"
    source.write_text("input", encoding="utf-8")
    with pytest.raises(InputError, match="overwrite an input"):
        save_html(folium.Map(tiles=None), source, overwrite=True, protected=[source])
    assert source.read_text(encoding="utf-8") == "input"


def test_tiles_only_when_a_tile_url_is_given() -> None:
    import geopandas as gpd

    from layers import load_districts
    from maps import base_map, finish_map

    districts: gpd.GeoDataFrame = load_districts()
    plain, _ = base_map(districts, title="t")
    assert "L.tileLayer(" not in render_offline(finish_map(plain))
    tiled, _ = base_map(
        districts,
        title="t",
        tiles_url="https://tiles.city.internal/{z}/{x}/{y}.png",
        tiles_attribution="Seoul internal tiles",
    )
    page = render_offline(finish_map(tiled))
    assert "L.tileLayer(" in page
    assert "tiles.city.internal/{z}/{x}/{y}.png" in page


@settings(max_examples=60, deadline=None)
@given(
    scheme=st.sampled_from(["http://", "https://", "//", "HTTPS://"]),
    host=st.from_regex(r"[a-z]{1,10}\.[a-z]{2,3}", fullmatch=True),
    attribute=st.sampled_from(["src", "href", "poster"]),
    tag=st.sampled_from(["script", "img", "link", "iframe", "video"]),
)
def test_any_external_url_in_an_attribute_is_found(
    scheme: str, host: str, attribute: str, tag: str
) -> None:
    url = f"{scheme}{host}/asset"
    html = f'<html><body><{tag} {attribute}="{url}"></{tag}></body></html>'
    assert external_urls(html) == [url]
