/* Bildungsatlas layout in the browser: the map fits its visible pane, names that fit, phone
 * controls and bottom sheet, the export toast, the sortable table view.
 *
 * Loaded after bildungsatlas.js (Dash loads assets in alphabetical order), before any map
 * exists.
 */
(function () {
  "use strict";
  const MARGIN = 12;  // free pixels between the fitted areas and whatever covers the map

  // --- The visible pane: the map minus legend, attribution, controls and strips -----------
  // Everything that lies over the map and may hide areas.
  const COVERS = [".ba-legend", ".ba-attribution", ".ba-inst-filter", ".leaflet-top.leaflet-left",
                  ".ba-legend-toggle"];

  function visibleRect(el) {
    if (!el || !el.getClientRects().length) { return null; }
    const style = window.getComputedStyle(el);
    if (style.display === "none" || style.visibility === "hidden") { return null; }
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0 ? r : null;
  }

  // The largest free rectangle left when each cover cuts off the side that costs least.
  function freeRect(map) {
    const c = map.getContainer().getBoundingClientRect();
    const wrap = map.getContainer().parentElement;
    let free = {l: c.left, t: c.top, r: c.right, b: c.bottom};
    const covers = [];
    COVERS.forEach(function (sel) {
      wrap.querySelectorAll(sel).forEach(function (el) {
        const r = visibleRect(el);
        if (r) { covers.push(r); }
      });
    });
    covers.sort(function (a, b) { return b.width * b.height - a.width * a.height; });
    covers.forEach(function (o) {
      const ol = Math.max(o.left, free.l), or = Math.min(o.right, free.r);
      const ot = Math.max(o.top, free.t), ob = Math.min(o.bottom, free.b);
      if (ol >= or || ot >= ob) { return; }  // does not cover what is still free
      const options = [
        {l: or, t: free.t, r: free.r, b: free.b}, {l: free.l, t: free.t, r: ol, b: free.b},
        {l: free.l, t: ob, r: free.r, b: free.b}, {l: free.l, t: free.t, r: free.r, b: ot},
      ];
      let best = null, bestArea = -1;
      options.forEach(function (f) {
        const w = f.r - f.l, h = f.b - f.t;
        // A fit needs some room in both directions: prefer shapes near the pane's own.
        const area = w > 40 && h > 40 ? w * h * Math.min(1, (w / h) / 0.4, (h / w) / 0.4) : 0;
        if (area > bestArea) { best = f; bestArea = area; }
      });
      if (best && bestArea > 0) { free = best; }
    });
    return {container: c, free: free};
  }

  function fitPadding(map) {
    const fr = freeRect(map), c = fr.container, f = fr.free;
    return {
      paddingTopLeft: [f.l - c.left + MARGIN, f.t - c.top + MARGIN],
      paddingBottomRight: [c.right - f.r + MARGIN, c.bottom - f.b + MARGIN],
    };
  }

  // The server's viewport (layers/view.py) carries baFit: its bounds are remembered and fitted
  // into the free rectangle, now and whenever the pane changes size.
  function refit(map, animate) {
    if (!map._baBounds || !map.getSize().x || !map.getSize().y) { return; }
    map.invalidateSize({pan: false});
    const opts = Object.assign({}, map._baFitOptions || {}, fitPadding(map),
                               animate ? {} : {animate: false});
    map._baFitting = true;
    (animate ? map._baFly : map._baFit).call(map, map._baBounds, opts);
    map._baFitted = {center: map.getCenter(), zoom: map.getZoom()};
    setTimeout(function () { map._baFitting = false; }, 50);
  }

  function userMoved(map) {
    const f = map._baFitted;
    if (!f) { return true; }  // a fit is still flying: its own end re-checks
    return Math.abs(map.getZoom() - f.zoom) > 1e-6 || !map.getCenter().equals(f.center, 1e-7);
  }

  const maps = [];
  if (window.L && L.Map) {
    L.Map.addInitHook(function () {
      const map = this;
      maps.push(map);
      map._baFit = map.fitBounds;
      map._baFly = map.flyToBounds;
      function wrapped(animate) {
        return function (bounds, options) {
          if (options && options.baFit) {
            map._baBounds = L.latLngBounds(bounds);
            map._baFitOptions = options;
            const pad = fitPadding(map);
            const opts = Object.assign({}, options, pad);
            map._baFitted = null;
            const out = (animate ? map._baFly : map._baFit).call(map, map._baBounds, opts);
            map.once("moveend", function () {
              map._baFitted = {center: map.getCenter(), zoom: map.getZoom()};
              // The legend of the new view may have grown during the flight.
              if (JSON.stringify(fitPadding(map)) !== JSON.stringify(pad)) { refit(map, false); }
            });
            return out;
          }
          return (animate ? map._baFly : map._baFit).call(map, bounds, options);
        };
      }
      map.fitBounds = wrapped(false);
      map.flyToBounds = wrapped(true);
      const container = map.getContainer();
      container.setAttribute("aria-label",
                             "Karte; alle Gebiete auch in der „Tabelle der Gebiete“ im Profil");
      let timer = null;
      let size = null;
      let forced = false;
      function later(force) {
        clearTimeout(timer);
        forced = forced || force;
        timer = setTimeout(function () {
          if (forced || (map._baFitted && !userMoved(map))) { refit(map, false); }
          forced = false;
        }, 120);
      }
      if (window.ResizeObserver) {
        // The pane itself (window, panel, mode, sheet): always re-fit.
        new ResizeObserver(function () {
          const s = container.clientWidth + "x" + container.clientHeight;
          if (s !== size) { size = s; later(true); }
        }).observe(container);
        // What covers it (legend of another indicator, attribution): unless the user moved.
        setTimeout(function () {
          const wrap = container.parentElement;
          const attribution = wrap.querySelector(".ba-attribution");
          const ro = new ResizeObserver(function () {
            if (attribution) {
              wrap.style.setProperty("--ba-attr-h", attribution.offsetHeight + "px");
            }
            later(false);
          });
          wrap.querySelectorAll(".ba-legend, .ba-attribution, .ba-inst-filter").forEach(
            function (el) { ro.observe(el); });
        }, 0);
      }
      // Presentation on or off changes font sizes and the strip: re-fit when the mode flips.
      const app = document.getElementById("app");
      if (app && window.MutationObserver) {
        let present = app.classList.contains("ba-present");
        new MutationObserver(function () {
          const now = app.classList.contains("ba-present");
          if (now !== present) {
            present = now;
            // The menu that switched the mode closes with it (and the phone's controls).
            document.querySelectorAll("details.ba-options-panel[open]").forEach(
              function (d) { d.open = false; });
            if (document.documentElement.classList.contains("ba-controls-open")) {
              toggle("steuerung-knopf", "ba-controls-open");
            }
            later(true);
            updateNames(map);
          }
        }).observe(app, {attributes: true, attributeFilter: ["class"]});
      }
      map.on("zoomend", function () { updateNames(map); });
      // Areas are reached by the table view, not by one Tab stop per polygon.
      map.on("layeradd", function (e) {
        const el = e.layer && e.layer.getElement && e.layer.getElement();
        if (el && el.classList && el.classList.contains("ba-area")) {
          el.setAttribute("tabindex", "-1");
          el.setAttribute("aria-hidden", "true");
        }
      });
    });
  }

  // --- Names: shown from the zoom at which they fit (geodata/views/labels.py) -------------
  function updateNames(map) {
    const app = document.getElementById("app");
    // Phones keep the normal font in the meeting mode (assets/layout.css).
    const present = app && app.classList.contains("ba-present") && window.innerWidth > 700;
    const zoom = map.getZoom();
    map.getContainer().querySelectorAll(".ba-name").forEach(function (el) {
      const z = el.getAttribute(present ? "data-zp" : "data-z");
      el.classList.toggle("ba-name-off", z === "" || z === null || zoom < Number(z) - 1e-6);
    });
  }

  function labelMarker(feature, latlng) {
    const p = feature.properties;
    const esc = window.bildungsatlas.escapeHtml;
    const m = L.marker(latlng, {
      icon: L.divIcon({
        className: "ba-name",
        html: '<span style="--dy:' + Number(p.dy || 0) + "px;--dyp:" + Number(p.dyp || 0) +
              'px">' + esc(p.name) + "</span>",
        iconSize: null,
      }),
      interactive: false, keyboard: false,
    });
    m.on("add", function () {
      const el = m.getElement();
      if (!el) { return; }
      el.setAttribute("data-z", p.z === null || p.z === undefined ? "" : String(p.z));
      el.setAttribute("data-zp", p.zp === null || p.zp === undefined ? "" : String(p.zp));
      el.setAttribute("aria-hidden", "true");
      if (m._map) { updateNames(m._map); }
    });
    return m;
  }
  window.bildungsatlas = Object.assign(window.bildungsatlas || {}, {labelMarker: labelMarker,
                                                                    fitPadding: fitPadding});

  // --- Phones: folding controls and the bottom sheet ---------------------------------------
  function toggle(buttonId, cls, openText, closedText) {
    const b = document.getElementById(buttonId);
    if (!b) { return; }
    const open = !document.documentElement.classList.contains(cls);
    document.documentElement.classList.toggle(cls, open);
    b.setAttribute("aria-expanded", open ? "true" : "false");
    if (openText) { b.textContent = open ? openText : closedText; }
  }
  document.addEventListener("click", function (ev) {
    const t = ev.target;
    if (!t.closest) { return; }
    if (t.closest("#steuerung-knopf")) { toggle("steuerung-knopf", "ba-controls-open"); }
    if (t.closest("#blatt-knopf")) {
      toggle("blatt-knopf", "ba-sheet-open", "Profil kleiner", "Profil größer");
    }
    if (t.closest("#toast-zu")) { hideToast(); }
    // The table view: a header sorts, a click anywhere on a row follows its name's link.
    const sort = t.closest("button.ba-sort");
    if (sort) { sortTable(sort); return; }
    const row = t.closest("#gebietstabelle tbody tr");
    if (row && !t.closest("a")) {
      const link = row.querySelector("a.ba-row-link");
      if (link) { link.click(); }
    }
  });

  // --- The export toast ----------------------------------------------------------------------
  let toastTimer = null;
  function hideToast() {
    const toast = document.getElementById("export-toast");
    if (toast) { toast.hidden = true; }
  }
  // bildungsatlas.js writes progress into #export-status; the toast shows whenever it has
  // text and hides a while after the last "Fertig".
  if (window.MutationObserver) {
    new MutationObserver(function () {
      const status = document.getElementById("export-status");
      const toast = document.getElementById("export-toast");
      if (!status || !toast) { return; }
      const text = status.textContent || "";
      toast.hidden = !text;
      toast.classList.toggle("ba-toast-error", /fehlgeschlagen|Bitte zuerst/.test(text));
      clearTimeout(toastTimer);
      if (/^(Fertig|Link kopiert)/.test(text)) { toastTimer = setTimeout(hideToast, 8000); }
    }).observe(document.documentElement, {childList: true, characterData: true, subtree: true});
  }

  // --- Sorting the table view ----------------------------------------------------------------
  function sortTable(button) {
    const th = button.closest("th");
    const table = button.closest("table");
    const col = Array.prototype.indexOf.call(th.parentElement.children, th);
    const numeric = button.getAttribute("data-sort-kind") === "num";
    const asc = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("thead th").forEach(function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", asc ? "ascending" : "descending");
    const body = table.tBodies[0];
    const rows = Array.prototype.slice.call(body.rows);
    function key(row) {
      const v = row.cells[col].getAttribute("data-sort") || "";
      return numeric ? (v === "" ? null : Number(v)) : v;
    }
    rows.sort(function (a, b) {
      const ka = key(a), kb = key(b);
      if (ka === kb) { return 0; }
      if (ka === null || ka === "") { return 1; }  // empty cells last in both directions
      if (kb === null || kb === "") { return -1; }
      const d = numeric ? ka - kb : String(ka).localeCompare(String(kb), "de");
      return asc ? d : -d;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  }

  // --- Dash's choice lists as screen readers expect them ----------------------------------
  // dcc.RadioItems and dcc.Checklist render a "listbox" of "option" labels that each hold a
  // real radio button or checkbox: interactive elements nested in interactive roles, and a
  // listbox without a name. The native inputs do the work: the list becomes a named
  // radiogroup (or group), its labels plain labels. Dash's dropdown keeps a focusable input
  // under aria-hidden; it is reached by the dropdown's button, so it leaves the Tab order.
  function nameOf(list) {
    const label = list.id && document.querySelector('label[for="' + CSS.escape(list.id) + '"]');
    if (label) {
      label.id = label.id || list.id + "-beschriftung";
      return ["aria-labelledby", label.id];
    }
    const group = list.parentElement && list.parentElement.closest("[aria-labelledby]");
    if (group) { return ["aria-labelledby", group.getAttribute("aria-labelledby")]; }
    return ["aria-label", (list.textContent || "").trim() || "Auswahl"];
  }
  function fixChoices() {
    document.querySelectorAll('[role="listbox"]').forEach(function (list) {
      const input = list.querySelector('input[type="radio"], input[type="checkbox"]');
      if (!input) { return; }
      list.setAttribute("role", input.type === "radio" ? "radiogroup" : "group");
      list.removeAttribute("aria-multiselectable");
      if (!list.hasAttribute("aria-labelledby") && !list.hasAttribute("aria-label")) {
        const name = nameOf(list);
        list.setAttribute(name[0], name[1]);
      }
    });
    document.querySelectorAll('[role="radiogroup"] [role="option"], [role="group"] [role="option"]')
      .forEach(function (opt) {
        opt.removeAttribute("role");
        opt.removeAttribute("aria-selected");
        opt.removeAttribute("aria-disabled");
      });
    document.querySelectorAll('.dash-dropdown-focus-target[aria-hidden="true"]')
      .forEach(function (el) {
        if (el.getAttribute("tabindex") !== "-1") { el.setAttribute("tabindex", "-1"); }
      });
    document.querySelectorAll('input[type="file"]:not([aria-label])').forEach(function (el) {
      el.setAttribute("aria-label", "Datei auswählen");
    });
  }
  let fixPending = false;
  if (window.MutationObserver) {
    new MutationObserver(function () {
      if (fixPending) { return; }
      fixPending = true;
      window.requestAnimationFrame(function () { fixPending = false; fixChoices(); });
    }).observe(document.documentElement, {childList: true, subtree: true, attributes: true,
                                          attributeFilter: ["role", "tabindex"]});
  }

  // --- Escape closes what is open first: a menu, the phone's controls, the sheet -----------
  document.addEventListener("keydown", function (ev) {
    if (ev.key !== "Escape" || ev.defaultPrevented) { return; }
    const open = Array.prototype.find.call(
      document.querySelectorAll("details.ba-options-panel[open]"),
      function (d) { return d.offsetParent !== null; });  // a hidden menu is no menu
    if (open) {
      open.open = false;
      const summary = open.querySelector("summary");
      if (summary) { summary.focus(); }
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return;
    }
    // The search's list of results: Escape empties the box (and so closes the list).
    const results = document.getElementById("suche-treffer");
    const box = document.getElementById("suche");
    if (results && box && results.children.length && box.value &&
        (results.contains(document.activeElement) || document.activeElement === box)) {
      if (window.dash_clientside && window.dash_clientside.set_props) {
        window.dash_clientside.set_props("suche", {value: ""});
      }
      box.focus();
      ev.preventDefault();
      ev.stopImmediatePropagation();
      return;
    }
    const root = document.documentElement;
    for (const [cls, id] of [["ba-controls-open", "steuerung-knopf"],
                             ["ba-sheet-open", "blatt-knopf"]]) {
      if (root.classList.contains(cls)) {
        document.getElementById(id).click();
        ev.preventDefault();
        ev.stopImmediatePropagation();
        return;
      }
    }
  }, true);  // capture: before bildungsatlas.js's handler goes a level up
})();
