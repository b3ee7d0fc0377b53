"""The working CRS and the envelopes used to recognise coordinates by value.

Everything inside the project is in :data:`WORKING_CRS` (EPSG:5186, Korea
2000 / Central Belt 2010, metres). Reprojection happens only at the I/O edge
(:mod:`layers.readers`, :mod:`maps`). Algorithms call :func:`require_working_crs`
and raise :class:`~layers.errors.CRSError` naming the layer, never warn.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
from pyproj import CRS

from layers.errors import CRSError

__all__ = [
    "ENVELOPES",
    "SEOUL_LATLON",
    "WORKING_CRS",
    "WORKING_EPSG",
    "Envelope",
    "require_working_crs",
    "to_working_crs",
]

WORKING_EPSG = 5186
WORKING_CRS = f"EPSG:{WORKING_EPSG}"


@dataclass(frozen=True)
class Envelope:
    """An axis-aligned box, in one CRS, that holds all of Seoul with a margin.

    Parameters
    ----------
    crs : str
        The CRS the box is expressed in (``"EPSG:5186"``).
    xmin, xmax, ymin, ymax : float
        Bounds in the CRS's units (degrees or metres).
    """

    crs: str
    xmin: float
    xmax: float
    ymin: float
    ymax: float

    def contains(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Boolean mask of points inside the box (NaN is outside)."""
        with np.errstate(invalid="ignore"):
            return (x >= self.xmin) & (x <= self.xmax) & (y >= self.ymin) & (y <= self.ymax)


#: Seoul's extent in degrees (lat 37.41–37.72, lon 126.76–127.19, the range
#: of the city's open-data coordinates, e.g. 안심이 CCTV 연계 현황, OA-20923)
#: widened by about 2 km so that points near the boundary are judged by the polygon test, not by the box.
SEOUL_LATLON = Envelope("EPSG:4326", 126.74, 127.21, 37.39, 37.74)

#: Seoul's box in each CRS met in Korean open data, widened by about 2 km.
#: EPSG:5181 and EPSG:5174 sit exactly (5181) or nearly (5174, Bessel) 100 km
#: south of EPSG:5186, which is how a wrong declaration is caught.
ENVELOPES: dict[str, Envelope] = {
    "EPSG:4326": SEOUL_LATLON,
    "EPSG:5186": Envelope("EPSG:5186", 176_700.0, 218_900.0, 532_500.0, 571_000.0),
    "EPSG:5181": Envelope("EPSG:5181", 176_700.0, 218_900.0, 432_500.0, 471_000.0),
    "EPSG:5174": Envelope("EPSG:5174", 176_600.0, 218_800.0, 432_200.0, 470_700.0),
    "EPSG:5179": Envelope("EPSG:5179", 932_500.0, 974_700.0, 1_932_500.0, 1_971_200.0),
}


def _epsg_label(crs: object) -> str:
    if crs is None:
        return "no CRS"
    parsed = CRS.from_user_input(crs)
    epsg = parsed.to_epsg()
    return f"EPSG:{epsg}" if epsg else parsed.name


def require_working_crs(gdf: gpd.GeoDataFrame | gpd.GeoSeries, layer: str) -> None:
    """Raise unless ``gdf`` is in the working CRS (EPSG:5186).

    Parameters
    ----------
    gdf : GeoDataFrame or GeoSeries
        The layer to check.
    layer : str
        Its name, for the message.

    Raises
    ------
    CRSError
        ``layer 'candidates': is EPSG:4326; expected EPSG:5186``.
    """
    if gdf.crs is None or not CRS.from_user_input(gdf.crs).equals(CRS.from_epsg(WORKING_EPSG)):
        raise CRSError(
            f"is {_epsg_label(gdf.crs)}; expected {WORKING_CRS}",
            layer=layer,
            fix="read the layer with layers.read_layer (which reprojects) "
            "or call layers.to_working_crs first",
        )


def to_working_crs(gdf: gpd.GeoDataFrame, layer: str) -> gpd.GeoDataFrame:
    """Reproject a layer to EPSG:5186; a layer without a CRS is an error.

    Parameters
    ----------
    gdf : GeoDataFrame
        Any layer with a declared CRS.
    layer : str
        Its name, for messages.

    Returns
    -------
    GeoDataFrame
        The layer in EPSG:5186 (the same object if it already was).
    """
    if gdf.crs is None:
        raise CRSError(
            "has no CRS",
            layer=layer,
            fix="declare it (a .prj next to a shapefile, or --crs EPSG:NNNN on the command line)",
        )
    if CRS.from_user_input(gdf.crs).equals(CRS.from_epsg(WORKING_EPSG)):
        return gdf
    return gdf.to_crs(WORKING_CRS)
