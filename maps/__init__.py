"""Maps: folium maps of district scores, risk grids, equipment and proposals.

Every map is saved as self-contained HTML (:func:`save_html`): the JS/CSS that
folium and branca reference is vendored under ``maps/assets`` and inlined, so
the files open on a network without internet.
"""

import logging

from maps.base import base_map, district_layer, finish_map
from maps.choropleth import choropleth_map, join_values
from maps.offline import external_urls, render_offline, save_html

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "base_map",
    "choropleth_map",
    "district_layer",
    "external_urls",
    "finish_map",
    "join_values",
    "render_offline",
    "save_html",
]
