"""Maps: folium maps of district scores, risk grids, equipment and proposals.

Every map is saved as self-contained HTML (:func:`save_html`): the JS/CSS that
folium and branca reference is vendored under ``maps/assets`` and inlined, so
the files open on a network without internet. No basemap tiles are used unless
a tile URL is given; the district boundaries are the basemap. Exact positions
of existing equipment are hidden unless asked for (:func:`equipment_map`).
"""

import logging

from maps.base import base_map, district_layer, finish_map
from maps.choropleth import choropleth_map, join_values
from maps.equipment import add_equipment_layers, age_classes, equipment_map
from maps.grid import add_grid_layers, grid_images, grid_map
from maps.offline import external_urls, render_offline, save_html
from maps.proposals import explain_site, proposals_map

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "add_equipment_layers",
    "add_grid_layers",
    "age_classes",
    "base_map",
    "choropleth_map",
    "district_layer",
    "equipment_map",
    "explain_site",
    "external_urls",
    "finish_map",
    "grid_images",
    "grid_map",
    "join_values",
    "proposals_map",
    "render_offline",
    "save_html",
]
