"""Maps: folium maps of district scores, risk grids, equipment and proposals.

Every map is saved as self-contained HTML (:func:`save_html`): the JS/CSS that
folium and branca reference is vendored under ``maps/assets`` and inlined, so
the files open on a network without internet. No basemap tiles are used unless
a tile URL is given; the district boundaries are the basemap (cleaned into a
coverage so shared borders are one line) and the map says so. Exact positions
of existing equipment are hidden unless asked for (:func:`equipment_map`);
distances to existing devices are shown in bands and small cells suppressed
(:mod:`maps.privacy`).
"""

import logging

from maps.base import base_map, district_layer, finish_map
from maps.boundaries import display_geometry, district_labels, dong_layer
from maps.choropleth import choropleth_map, join_values
from maps.equipment import add_equipment_layers, age_classes, equipment_map
from maps.grid import add_grid_layers, grid_images, grid_map
from maps.legends import ColourBar, nice_ticks
from maps.offline import external_urls, render_offline, save_html
from maps.privacy import distance_band, suppress_small_cells
from maps.proposals import explain_site, plan_numbers, proposals_map
from maps.rounds import funding_status, round_map

logging.getLogger(__name__).addHandler(logging.NullHandler())

__all__ = [
    "ColourBar",
    "add_equipment_layers",
    "add_grid_layers",
    "age_classes",
    "base_map",
    "choropleth_map",
    "display_geometry",
    "distance_band",
    "district_labels",
    "district_layer",
    "dong_layer",
    "equipment_map",
    "explain_site",
    "external_urls",
    "finish_map",
    "funding_status",
    "grid_images",
    "grid_map",
    "join_values",
    "nice_ticks",
    "plan_numbers",
    "proposals_map",
    "render_offline",
    "round_map",
    "save_html",
    "suppress_small_cells",
]
