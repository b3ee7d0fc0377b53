"""Legends that follow their layer, and colour bars with round ticks.

A legend bound to a layer (``layer=``) is shown only while that layer is on
the map: it hides when the layer is switched off in the layer control and
comes back with it. :class:`ColourBar` replaces branca's d3 colour scale with
a CSS gradient whose ticks are round numbers (0, 10, 20, … rather than the
0/10/20/31/41 of evenly split ranges), chosen by :func:`nice_ticks`.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence

from branca.element import MacroElement
from jinja2 import Template

__all__ = ["CategoricalLegend", "ColourBar", "format_tick", "nice_ticks"]


def nice_ticks(vmin: float, vmax: float, *, target: int = 5) -> list[float]:
    """Round tick values (1, 2 or 5 × 10ᵏ apart) inside ``[vmin, vmax]``.

    Parameters
    ----------
    vmin, vmax : float
        Range of the colour bar.
    target : int, default 5
        About how many ticks to give.

    Returns
    -------
    list of float
        Ticks in ascending order, at least two when the range is not empty.

    Examples
    --------
    >>> nice_ticks(0, 41.3)
    [0.0, 10.0, 20.0, 30.0, 40.0]
    >>> nice_ticks(1.5, 12.5)
    [2.0, 4.0, 6.0, 8.0, 10.0, 12.0]
    >>> nice_ticks(0, 1)
    [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
    """
    if not (math.isfinite(vmin) and math.isfinite(vmax)) or vmax <= vmin:
        return [float(vmin)]
    raw = (vmax - vmin) / max(target - 1, 1)
    power = math.floor(math.log10(raw))
    best: tuple[float, float] | None = None  # (distance from target, step)
    for exponent in (power - 1, power, power + 1):
        for factor in (1.0, 2.0, 5.0):
            step = factor * 10.0**exponent
            count = math.floor(vmax / step + 1e-9) - math.ceil(vmin / step - 1e-9) + 1
            if count < 2:
                continue
            score = (abs(count - target), -step)
            if best is None or score < (best[0], -best[1]):
                best = (score[0], step)
    if best is None:  # a narrow range: show its ends
        return [float(vmin), float(vmax)]
    step = best[1]
    first = math.ceil(vmin / step - 1e-9)
    last = math.floor(vmax / step + 1e-9)
    return [float(round(i * step, 10)) for i in range(first, last + 1)]


def format_tick(value: float) -> str:
    """A tick label with thousands separators and no needless decimals."""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


_BOUND_JS = """
        {% if this.layers %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var layers = [{{ this.layers|join(', ') }}];
            var div = {{ this.get_name() }}.getContainer();
            function sync() {
                var on = layers.some(function (l) { return map.hasLayer(l); });
                div.style.display = on ? '' : 'none';
            }
            map.on('layeradd layerremove', sync);
            sync();
        })();
        {% endif %}
"""


class _BoundLegend(MacroElement):
    """A Leaflet control holding ``self.html``, shown only while ``layer`` is on the map."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        var {{ this.get_name() }} = L.control({position: {{ this.position|tojson }}});
        {{ this.get_name() }}.onAdd = function (map) {
            var div = L.DomUtil.create('div', {{ this.css_class|tojson }});
            div.innerHTML = {{ this.html|tojson }};
            return div;
        };
        {{ this.get_name() }}.addTo({{ this._parent.get_name() }});
        """
        + _BOUND_JS
        + """
        {% endmacro %}
        """
    )

    def __init__(
        self,
        html_text: str,
        *,
        position: str,
        layer: MacroElement | Sequence[MacroElement] | None,
    ) -> None:
        super().__init__()
        self.position = position
        self.html = html_text
        self.css_class = "legend siting-legend"
        bound = [] if layer is None else [layer] if isinstance(layer, MacroElement) else layer
        self.layers = [item.get_name() for item in bound]


class CategoricalLegend(_BoundLegend):
    """A legend of coloured boxes (or outline/hatch swatches) for classes.

    Parameters
    ----------
    title : str
        Legend heading.
    items : sequence of (label, colour) or (label, colour, css)
        One line per class, in order; ``css`` (trusted, built by this package)
        replaces the swatch style, e.g. a thick outline or a hatch.
    position : str
        Leaflet control position.
    layer : folium layer or sequence of them, optional
        Show the legend only while this layer (any of them) is on the map.
    """

    def __init__(
        self,
        title: str,
        items: Sequence[tuple[str, str] | tuple[str, str, str]],
        *,
        position: str = "bottomright",
        layer: MacroElement | Sequence[MacroElement] | None = None,
    ) -> None:
        rows = []
        for item in items:
            label, colour = item[0], item[1]
            style = item[2] if len(item) > 2 else f"background:{html.escape(colour)}"
            rows.append(f'<div><i style="{style}"></i>{html.escape(label)}</div>')
        super().__init__(
            f"<b>{html.escape(title)}</b>{''.join(rows)}", position=position, layer=layer
        )
        self._name = "CategoricalLegend"


class ColourBar(_BoundLegend):
    """A horizontal colour bar with round ticks, for a continuous colour scale.

    Parameters
    ----------
    colours : sequence of str
        Colours from ``vmin`` to ``vmax`` (evenly spaced, as in
        ``branca.colormap.LinearColormap``).
    vmin, vmax : float
        Range of the scale.
    caption : str
        Title, with units.
    position : str
        Leaflet control position.
    layer : folium layer, optional
        Show the bar only while this layer is on the map.
    """

    def __init__(
        self,
        colours: Sequence[str],
        vmin: float,
        vmax: float,
        *,
        caption: str,
        position: str = "bottomright",
        layer: MacroElement | None = None,
    ) -> None:
        gradient = ", ".join(html.escape(c) for c in colours)
        span = vmax - vmin if vmax > vmin else 1.0
        ticks = "".join(
            f'<span class="siting-tick" style="left:{100 * (t - vmin) / span:.2f}%">'
            f"{html.escape(format_tick(t))}</span>"
            for t in nice_ticks(vmin, vmax)
        )
        body = (
            f"<b>{html.escape(caption)}</b>"
            f'<div class="siting-bar" style="background:linear-gradient(to right, {gradient})">'
            "</div>"
            f'<div class="siting-ticks">{ticks}</div>'
        )
        super().__init__(body, position=position, layer=layer)
        self._name = "ColourBar"
        self.ticks = nice_ticks(vmin, vmax)
