/* Leaflet maps of the pages. Configuration comes from <script type="application/json" id="map-config">:
   {geojson: URL of the district boundaries, districts: {sig_cd: {colour, label}},
    legend: {caption, stops: [[colour, text], ...]}, tile_url: "" (none by default),
    tile_note: text shown when there is no base map, highlight: sig_cd or null,
    sites: [{lat, lon, radius_m, label, kind}]}.
   Labels are set as text (never HTML). No request leaves this server unless tile_url names
   the city's own tile server. */
(function () {
  "use strict";
  var holder = document.getElementById("map");
  var configNode = document.getElementById("map-config");
  if (!holder || !configNode || typeof L === "undefined") { return; }
  var cfg = JSON.parse(configNode.textContent);
  var map = L.map(holder, { zoomSnap: 0.25, keyboard: true, attributionControl: !!cfg.tile_url });
  if (cfg.tile_url) {
    L.tileLayer(cfg.tile_url, { maxZoom: 19 }).addTo(map);
  }

  function textTip(text) {
    var el = document.createElement("span");
    el.textContent = text;
    return el;
  }

  var districts = cfg.districts || {};
  var bounds = null;
  fetch(cfg.geojson, { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(function (doc) {
      var layer = L.geoJSON(doc, {
        style: function (feature) {
          var code = feature.properties.sig_cd;
          var d = districts[code];
          var strong = cfg.highlight && cfg.highlight === code;
          return {
            color: strong ? "#000000" : "#444444",
            weight: strong ? 3 : 1,
            fillColor: d ? d.colour : "#ffffff",
            fillOpacity: d ? 0.75 : 0.05,
            className: "siting-district"
          };
        },
        onEachFeature: function (feature, lyr) {
          var code = feature.properties.sig_cd;
          var d = districts[code];
          var label = d ? d.label : feature.properties.name_ko;
          lyr.bindTooltip(textTip(label), { sticky: true });
        }
      }).addTo(map);
      if (cfg.highlight) {
        layer.eachLayer(function (lyr) {
          if (lyr.feature.properties.sig_cd === cfg.highlight) { bounds = lyr.getBounds(); }
        });
      }
      // a view first: circles need one to compute their size
      map.fitBounds(bounds || layer.getBounds(), { animate: false });
      var sites = cfg.sites || [];
      if (sites.length) {
        var group = L.featureGroup();
        sites.forEach(function (s) {
          if (s.radius_m) {
            L.circle([s.lat, s.lon], {
              radius: s.radius_m, color: "#1f5fbf", weight: 1, fillOpacity: 0.12,
              className: "siting-coverage", interactive: false
            }).addTo(group);
          }
          var marker = L.circleMarker([s.lat, s.lon], {
            radius: 6, color: "#ffffff", weight: 2, fillColor: s.kind === "excluded" ? "#888888" : "#c0392b",
            fillOpacity: 1, className: "siting-site"
          });
          marker.bindTooltip(textTip(s.label), { sticky: true });
          marker.addTo(group);
        });
        group.addTo(map);
        bounds = L.latLngBounds(sites.map(function (s) { return [s.lat, s.lon]; })).pad(0.2);
      }
      map.fitBounds(bounds || layer.getBounds(), { animate: false });
      holder.setAttribute("data-ready", "1");
    })
    .catch(function (err) {
      holder.setAttribute("data-error", String(err));
    });

  if (cfg.legend && cfg.legend.stops && cfg.legend.stops.length) {
    var legend = L.control({ position: "bottomright" });
    legend.onAdd = function () {
      var box = L.DomUtil.create("div", "map-legend");
      var cap = document.createElement("div");
      cap.className = "map-legend-caption";
      cap.textContent = cfg.legend.caption;
      box.appendChild(cap);
      cfg.legend.stops.forEach(function (stop) {
        var row = document.createElement("div");
        var swatch = document.createElement("span");
        swatch.className = "map-legend-swatch";
        swatch.style.backgroundColor = stop[0];
        row.appendChild(swatch);
        row.appendChild(document.createTextNode(" " + stop[1]));
        box.appendChild(row);
      });
      return box;
    };
    legend.addTo(map);
  }
  if (!cfg.tile_url && cfg.tile_note) {
    var note = L.control({ position: "bottomleft" });
    note.onAdd = function () {
      var box = L.DomUtil.create("div", "map-note");
      box.textContent = cfg.tile_note;
      return box;
    };
    note.addTo(map);
  }
})();
