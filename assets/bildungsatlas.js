// Fetch a download and save it under the server's file name; a German error from the
// server ({"fehler": …}) becomes the rejection's message. Resolves to [blob, file name].
window.baDownload = function (url, fallback) {
  return fetch(url).then(function (r) {
    if (!r.ok) {
      return r.json().then(function (e) { throw new Error(e.fehler || r.statusText); });
    }
    const cd = r.headers.get("Content-Disposition") || "";
    const m = /filename="([^"]+)"/.exec(cd);
    return r.blob().then(function (blob) { return [blob, m ? m[1] : fallback]; });
  }).then(function (res) {
    const link = document.createElement("a");
    link.href = URL.createObjectURL(res[0]);
    link.download = res[1];
    document.body.appendChild(link); link.click(); link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 10000);
    return res;
  });
};

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
    const pos = (h.sel || []).indexOf(p.id);
    const selected = pos >= 0;
    // A need index's borderline areas (class depends on the weights): dark dashed outline.
    const border = !selected && (h.g || []).indexOf(p.id) >= 0;
    const s = {
      weight: pos === 0 ? 4 : (selected ? 3 : (border ? 2.5 : 0.8)),
      dashArray: pos > 0 ? "6 3" : (border ? "5 4" : null),
      color: selected || border ? "#111111" : "#ffffff",
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
      // What this area's value is ("amtlich", "synthetisch, …"): per value, not per map.
      const origin = t && t.herkunft ? t.herkunft[p.i] : "";
      if (origin) {
        html += '<br><em class="' + (origin.indexOf("synthetisch") >= 0 ? "ba-tip-synth"
                                     : "ba-tip-origin") + '">' + esc(origin) + "</em>";
      } else if (h.s) {
        html += '<br><em class="ba-tip-synth">synthetische Beispielwerte</em>';
      }
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
    // Ctrl/Shift/Cmd-click adds to the selection instead of drilling down: the server reads
    // this store together with the click (set first, in the same event).
    layer.on("click", function (e) {
      const ev = e.originalEvent || {};
      if (window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props("klick-taste",
                                         {data: ev.ctrlKey || ev.shiftKey || ev.metaKey ? 1 : 0});
      }
    });
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

  function schoolMarker(feature, latlng, context) {
    // Own pane (own SVG) above the areas: whichever layer loads last, institutions stay on top.
    const color = (context && context.hideout && context.hideout.color) || "#1a1a1a";
    return L.circleMarker(latlng, Object.assign({}, SCHOOL_STYLE, {
      className: "ba-school ba-inst-" + feature.properties.type, pane: "markerPane", color: color,
    }));
  }

  // A cluster of institutions: a round badge with the count, in the type's colour.
  function clusterMarker(feature, latlng, index, context) {
    const n = feature.properties.point_count;
    const h = (context && context.hideout) || {};
    const size = n < 10 ? 26 : (n < 100 ? 32 : 38);
    const label = n + " " + (h.label || "Einrichtungen");
    return L.marker(latlng, {
      icon: L.divIcon({
        className: "ba-cluster",
        html: '<span style="background:' + esc(h.color || "#1f4e79") + ";width:" + size +
              "px;height:" + size + 'px" title="' + esc(label) + ' – Klick: hineinzoomen">' +
              n + "</span>",
        iconSize: [size, size],
      }),
      title: label, alt: label,
    });
  }

  // dash-leaflet applies a default GeoJSON style to every vector layer, points included.
  function schoolStyle(feature, context) {
    const color = (context && context.hideout && context.hideout.color) || "#1a1a1a";
    return Object.assign({}, SCHOOL_STYLE, {color: color});
  }

  function bindSchoolTooltip(feature, layer) {
    if (feature.properties.cluster) { return; }
    layer.bindTooltip(esc(feature.properties.name) + "<br><small>Klick: Einzelheiten</small>",
                      {className: "ba-tip"});
  }

  // Drawing a rectangle or polygon selects the areas in it: the shape goes to the server
  // (store "gezeichnet"), then disappears. Leaflet.draw's texts in German.
  const DRAW_DE = {
    "draw.toolbar.buttons.rectangle": "Rechteck: Gebiete darin auswählen",
    "draw.toolbar.buttons.polygon": "Vieleck: Gebiete darin auswählen",
    "draw.toolbar.actions.text": "Abbrechen", "draw.toolbar.actions.title": "Zeichnen abbrechen",
    "draw.toolbar.finish.text": "Fertig", "draw.toolbar.finish.title": "Vieleck abschließen",
    "draw.toolbar.undo.text": "Letzten Punkt löschen",
    "draw.toolbar.undo.title": "Letzten Punkt löschen",
    "draw.handlers.rectangle.tooltip.start": "Klicken und ziehen: Rechteck aufziehen",
    "draw.handlers.simpleshape.tooltip.end": "Maus loslassen: auswählen",
    "draw.handlers.polygon.tooltip.start": "Klicken: ersten Eckpunkt setzen",
    "draw.handlers.polygon.tooltip.cont": "Klicken: nächsten Eckpunkt setzen",
    "draw.handlers.polygon.tooltip.end": "Ersten Punkt klicken: Vieleck schließen",
    "draw.handlers.polyline.error": "<strong>Fehler:</strong> Kanten dürfen sich nicht kreuzen",
  };
  function germanDraw() {
    if (!window.L || !L.drawLocal) { return false; }
    Object.keys(DRAW_DE).forEach(function (path) {
      const keys = path.split(".");
      let obj = L.drawLocal;
      for (let i = 0; i < keys.length - 1; i++) { obj = obj[keys[i]] = obj[keys[i]] || {}; }
      obj[keys[keys.length - 1]] = DRAW_DE[path];
    });
    document.querySelectorAll(".leaflet-draw-draw-rectangle").forEach(function (a) {
      a.title = DRAW_DE["draw.toolbar.buttons.rectangle"];
      a.setAttribute("aria-label", a.title);
    });
    document.querySelectorAll(".leaflet-draw-draw-polygon").forEach(function (a) {
      a.title = DRAW_DE["draw.toolbar.buttons.polygon"];
      a.setAttribute("aria-label", a.title);
    });
    return document.querySelector(".leaflet-draw-draw-rectangle") !== null;
  }
  const drawTimer = setInterval(function () { if (germanDraw()) { clearInterval(drawTimer); } },
                                200);

  function onDrawn(e) {
    const shape = e.layer;
    if (window.dash_clientside && window.dash_clientside.set_props) {
      window.dash_clientside.set_props("gezeichnet", {data: {
        geometry: shape.toGeoJSON().geometry, t: Date.now(),
      }});
    }
    setTimeout(function () {  // brief feedback, then away (also from dash-leaflet's group)
      Object.values(shape._eventParents || {}).forEach(function (g) {
        if (g.removeLayer) { g.removeLayer(shape); }
      });
      shape.remove();
    }, 600);
  }

  // Keep Leaflet's idea of the map size right when the page layout changes (header, panel,
  // window), so that a fit to bounds really fits.
  if (window.L && L.Map && window.ResizeObserver) {
    L.Map.addInitHook(function () {
      const map = this;
      maps.push(map);
      map.on("draw:created", onDrawn);
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
    const app = document.getElementById("app");
    const present = app && app.classList.contains("ba-present");
    if (ev.key === "Escape") {
      if (present) { clickIf("praesentation-ende"); }
      else { clickIf("zurueck"); }
    } else if ((ev.key === "ArrowLeft" || ev.key === "ArrowRight") &&
               !(t.closest && t.closest(".leaflet-container, [role=listbox]"))) {
      if (clickIf(ev.key === "ArrowLeft" ? "jahr-zurueck" : "jahr-vor")) { ev.preventDefault(); }
    } else if (present && (ev.key === "PageUp" || ev.key === "PageDown")) {
      // Presenter remotes send these: previous and next year.
      if (clickIf(ev.key === "PageUp" ? "jahr-zurueck" : "jahr-vor")) { ev.preventDefault(); }
    } else if (present && ev.key === "Backspace") {
      if (clickIf("zurueck")) { ev.preventDefault(); }  // one level up
    }
  });

  // A new panel (another area, index or tab) starts at its top, not at the old scroll
  // position; a re-render of the same panel (e.g. a chart's picker) keeps it.
  let panelKey = null;
  new MutationObserver(function () {
    const panel = document.getElementById("gebietsprofil");
    if (!panel) { return; }
    const title = panel.querySelector("#profil-titel, .ba-panel-title");
    const tab = panel.querySelector(".ba-tab-on");
    const key = (title ? title.textContent : "") + "|" + (tab ? tab.textContent : "");
    if (key !== panelKey) { panelKey = key; panel.scrollTop = 0; }
    // Dropdowns of the forms: their accessible name starts with the field's label.
    panel.querySelectorAll("[data-ba-labelledby]").forEach(function (wrap) {
      const button = wrap.querySelector("button.dash-dropdown");
      const lbl = wrap.getAttribute("data-ba-labelledby");
      const ref = button ? (button.getAttribute("aria-labelledby") || "") : "";
      if (button && ref.split(" ")[0] !== lbl) {
        button.setAttribute("aria-labelledby", (lbl + " " + ref).trim());
      }
    });
  }).observe(document.body, { childList: true, subtree: true, attributes: true,
                              attributeFilter: ["aria-labelledby"] });

  // Links of the panel (a.ba-nav) change the view in place, with a history entry; a click
  // with a modifier key keeps the browser's own behaviour (new tab or window).
  document.addEventListener("click", function (ev) {
    const a = ev.target.closest && ev.target.closest("a.ba-nav");
    if (!a || ev.defaultPrevented || ev.button !== 0 || ev.ctrlKey || ev.metaKey ||
        ev.shiftKey || ev.altKey) { return; }
    ev.preventDefault();
    window.history.pushState({}, "", a.getAttribute("href"));
    window.dispatchEvent(new CustomEvent("_dashprivate_pushstate"));
  });

  // Exports: the link gets the current view's query; the file is fetched with a progress
  // note (rendering a 300-dpi map takes a moment), then saved under the server's name.
  function exportStatus(text) {
    const el = document.getElementById("export-status");
    if (el) { el.textContent = text; }
  }
  document.addEventListener("click", function (ev) {
    const copy = ev.target.closest && ev.target.closest("#link-kopieren");
    if (copy) {
      const url = window.location.href;
      const done = function () { exportStatus("Link kopiert: " + url); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(url).then(done, function () { exportStatus(url); });
      } else {  // plain http on a LAN: the old way
        const area = document.createElement("textarea");
        area.value = url; document.body.appendChild(area); area.select();
        try { document.execCommand("copy"); done(); } catch (e) { exportStatus(url); }
        area.remove();
      }
      return;
    }
    const a = ev.target.closest && ev.target.closest("a.ba-export");
    if (!a || ev.button !== 0) { return; }
    ev.preventDefault();
    const params = new URLSearchParams(window.location.search);
    let url;
    if (a.dataset.export === "steckbrief") {
      const sel = (params.get("auswahl") || "").split(",")[0];
      if (!sel) { exportStatus("Bitte zuerst ein Gebiet auswählen."); return; }
      url = "/export/steckbrief/" + encodeURIComponent(sel) + ".pdf?jahr=" +
            encodeURIComponent(params.get("jahr") || "");
    } else {
      url = a.dataset.export + window.location.search +
            (a.dataset.extra ? (window.location.search ? "&" : "?") + a.dataset.extra : "");
    }
    exportStatus("Export wird erstellt …");
    a.setAttribute("aria-busy", "true");
    window.baDownload(url, "bildungsatlas").then(function (res) {
      exportStatus("Fertig: " + res[1]);
    }).catch(function (e) {
      exportStatus("Export fehlgeschlagen: " + e.message);
    }).finally(function () { a.removeAttribute("aria-busy"); });
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
    clusterMarker: clusterMarker,
    bindSchoolTooltip: bindSchoolTooltip, schoolStyle: schoolStyle, labelMarker: labelMarker, escapeHtml: esc, maps: maps,
  };
})();
