/* Bildungsatlas browser side: choropleth style, tooltips, school markers, keyboard.
 *
 * dash-leaflet calls functions referenced as {"variable": "bildungsatlas.x"} with the
 * component's props appended as the last argument ("context"); context.hideout is the
 * restyle payload built in layers/choropleth.py (see Hideout there).
 */
(function () {
  "use strict";
  // Special states have their own pattern, never a class colour (see layers/choropleth.py).
  const STATE_FILL = {"-": "url(#ba-nodata)", "x": "url(#ba-suppressed)", "n": "url(#ba-unrated)"};
  const texts = {};      // tooltip texts per values URL (hideout.v), fetched once
  const hideouts = {};   // latest hideout per GeoJSON component id, for tooltips
  const layers = {};     // Leaflet layer per component id and area id, for the outline
  const maps = [];       // Leaflet maps on the page (tests read their view)

  function esc(text) {
    return String(text).replace(/[&<>"']/g, function (c) {
      return {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c];
    });
  }

  function ensurePattern() {
    if (document.getElementById("ba-nodata")) { return; }
    const ns = "http://www.w3.org/2000/svg";
    const svg = document.createElementNS(ns, "svg");
    svg.setAttribute("width", "0");
    svg.setAttribute("height", "0");
    svg.setAttribute("aria-hidden", "true");
    svg.style.position = "absolute";
    svg.innerHTML =
      '<defs><pattern id="ba-nodata" patternUnits="userSpaceOnUse" width="8" height="8" ' +
      'patternTransform="rotate(45)"><rect width="8" height="8" fill="#f2f2f2"/>' +
      '<line x1="0" y1="0" x2="0" y2="8" stroke="#9a9a9a" stroke-width="2"/></pattern>' +
      '<pattern id="ba-suppressed" patternUnits="userSpaceOnUse" width="7" height="7">' +
      '<rect width="7" height="7" fill="#ffffff"/><circle cx="3.5" cy="3.5" r="1.3" ' +
      'fill="#444444"/></pattern>' +
      '<pattern id="ba-unrated" patternUnits="userSpaceOnUse" width="8" height="6">' +
      '<rect width="8" height="6" fill="#ececec"/><line x1="0" y1="3" x2="8" y2="3" ' +
      'stroke="#a0a0a0" stroke-width="1.2"/></pattern></defs>';
    document.body.appendChild(svg);
  }

  function style(feature, context) {
    const h = (context && context.hideout) || {};
    if (context && context.id) { hideouts[context.id] = h; }
    const p = feature.properties;
    const k = (h.k || "")[p.i];
    const selected = h.sel === p.id;
    const s = {
      weight: selected ? 4 : 0.8,
      color: selected ? "#111111" : "#ffffff",
      opacity: 1,
      fillOpacity: 0.9,
      className: "ba-area ba-area-" + p.id,
    };
    if (k === undefined || STATE_FILL[k]) {
      ensurePattern();
      s.fillColor = STATE_FILL[k] || STATE_FILL["-"];
    } else {
      s.fillColor = h.c[Number(k)];
    }
    if (selected && context && layers[context.id] && layers[context.id][p.id]) {
      const layer = layers[context.id][p.id];
      setTimeout(function () { if (layer._map) { layer.bringToFront(); } }, 0);
    }
    return s;
  }

  function tooltip(feature, h) {
    const p = feature.properties;
    let html = "<strong>" + esc(p.name) + "</strong>";
    if (h && h.v) {
      const t = texts[h.v];
      const value = t ? (t.texte[p.i] === undefined ? "keine Daten" : t.texte[p.i]) : "…";
      html += "<br>" + esc(h.h || "") + ": " + esc(value);
      if (h.s) { html += '<br><em class="ba-tip-synth">synthetische Beispielwerte</em>'; }
    }
    return html;
  }

  // The texts of a view are fetched on the first hover and kept: restyling sends no texts.
  function loadTexts(url, done) {
    if (texts[url] || !url) { return; }
    texts[url] = null;
    fetch(url).then(function (r) { return r.ok ? r.json() : null; }).then(function (data) {
      if (data) { texts[url] = data; done(); } else { delete texts[url]; }
    }).catch(function () { delete texts[url]; });
  }

  function bindTooltip(feature, layer, context) {
    const id = context && context.id;
    layers[id] = layers[id] || {};
    layers[id][feature.properties.id] = layer;
    layer.bindTooltip(function () { return tooltip(feature, hideouts[id]); },
                      {sticky: true, direction: "auto", className: "ba-tip"});
    layer.on("tooltipopen", function () {
      const h = hideouts[id];
      if (h && h.v && texts[h.v] === undefined) {
        loadTexts(h.v, function () {
          if (layer.isTooltipOpen()) { layer.setTooltipContent(tooltip(feature, hideouts[id])); }
        });
      }
    });
  }

  function labelMarker(feature, latlng) {
    return L.marker(latlng, {
      icon: L.divIcon({className: "ba-name", html: "<span>" + esc(feature.properties.name) +
                       "</span>", iconSize: null}),
      interactive: false, keyboard: false,
    });
  }

  const SCHOOL_STYLE = {
    radius: 5, color: "#1a1a1a", weight: 1.5, opacity: 1, fillColor: "#ffffff", fillOpacity: 1,
  };

  function schoolMarker(feature, latlng) {
    // Own pane (own SVG) above the areas: whichever layer loads last, schools stay on top.
    return L.circleMarker(latlng, Object.assign({className: "ba-school", pane: "markerPane"},
                                                SCHOOL_STYLE));
  }

  // dash-leaflet applies a default GeoJSON style to every vector layer, points included.
  function schoolStyle() { return SCHOOL_STYLE; }

  function bindSchoolTooltip(feature, layer) {
    layer.bindTooltip(esc(feature.properties.name), {className: "ba-tip"});
  }

  // Keep Leaflet's idea of the map size right when the page layout changes (header, panel,
  // window), so that a fit to bounds really fits.
  if (window.L && L.Map && window.ResizeObserver) {
    L.Map.addInitHook(function () {
      const map = this;
      maps.push(map);
      new ResizeObserver(function () { map.invalidateSize({pan: false}); })
        .observe(map.getContainer());
    });
  }

  // The "Darstellung" panel opens below its button, shifted left as far as needed to stay
  // inside the window (the button moves with the header's content).
  document.addEventListener("toggle", function (ev) {
    const det = ev.target;
    if (!det.classList || !det.classList.contains("ba-options-panel") || !det.open) { return; }
    const panel = det.querySelector(".ba-options");
    if (!panel) { return; }
    panel.style.left = "0px";
    const left = det.getBoundingClientRect().left;
    const overflow = left + panel.offsetWidth - (window.innerWidth - 12);
    panel.style.left = (overflow > 0 ? -Math.min(overflow, left - 12) : 0) + "px";
  }, true);

  // Keyboard (not while typing in a field): Escape leaves presentation mode or goes one level
  // up like "Zurück"; the arrow keys step through the years (outside the map, which pans).
  function clickIf(id) {
    const el = document.getElementById(id);
    if (el && !el.disabled) { el.click(); return true; }
    return false;
  }
  document.addEventListener("keydown", function (ev) {
    if (ev.defaultPrevented || ev.altKey || ev.ctrlKey || ev.metaKey) { return; }
    const t = ev.target || {};
    const tag = t.tagName || "";
    // Typing keys belong to text fields and open lists; a clicked year, checkbox or radio
    // button must not swallow Escape or the arrow keys.
    const typing = tag === "TEXTAREA" || tag === "SELECT" || t.isContentEditable ||
      (tag === "INPUT" && !/^(checkbox|radio|button|submit|range)$/.test(t.type || ""));
    const inOpenList = t.closest && t.closest(".dash-dropdown-options, [aria-expanded=true]");
    if (typing || inOpenList) { return; }
    if (ev.key === "Escape") {
      const app = document.getElementById("app");
      if (app && app.classList.contains("ba-present")) { clickIf("praesentation-ende"); }
      else { clickIf("zurueck"); }
    } else if ((ev.key === "ArrowLeft" || ev.key === "ArrowRight") &&
               !(t.closest && t.closest(".leaflet-container, [role=listbox]"))) {
      if (clickIf(ev.key === "ArrowLeft" ? "jahr-zurueck" : "jahr-vor")) { ev.preventDefault(); }
    }
  });

  // Clientside callback: put the canonical query in the address bar without a history entry.
  function replaceSearch(query) {
    if (query && query !== window.location.search) {
      window.history.replaceState(window.history.state, "", window.location.pathname + query);
      // Let dcc.Location read the new address, so that its next push starts from it.
      window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
    }
    return query;
  }
  window.dash_clientside = Object.assign({}, window.dash_clientside, {
    bildungsatlas: {replaceSearch: replaceSearch},
  });

  window.bildungsatlas = {
    style: style, bindTooltip: bindTooltip, schoolMarker: schoolMarker,
    bindSchoolTooltip: bindSchoolTooltip, schoolStyle: schoolStyle, labelMarker: labelMarker, escapeHtml: esc, maps: maps,
  };
})();
