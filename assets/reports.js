/* Reports in the browser: the report basket (views kept in localStorage, reordered,
 * downloaded as one DOCX, PPTX or PDF) and the batch of Steckbriefe with a progress bar.
 * Server side: callbacks/reports.py.
 */
(function () {
  "use strict";
  const KEY = "bildungsatlas.berichtskorb";
  const MAX = 12;  // geodata/reports/content.py MAX_VIEWS

  function status(text) {
    const el = document.getElementById("export-status");
    if (el) { el.textContent = text; }
  }
  function progress(done, total) {
    const bar = document.getElementById("export-fortschritt");
    if (!bar) { return; }
    bar.hidden = total === null;
    if (total) { bar.max = total; bar.value = done; }
  }

  function load() {
    try {
      const items = JSON.parse(window.localStorage.getItem(KEY) || "[]");
      return Array.isArray(items) ? items.filter(function (i) { return i && i.q; }) : [];
    } catch (e) { return []; }
  }
  function save(items) {
    window.localStorage.setItem(KEY, JSON.stringify(items));
    render();
  }

  function render() {
    const list = document.getElementById("korb-liste");
    if (!list) { return; }
    const items = load();
    document.getElementById("korb-zahl").textContent = String(items.length);
    document.getElementById("korb-leer").hidden = items.length > 0;
    list.textContent = "";
    items.forEach(function (item, i) {
      const li = document.createElement("li");
      const text = document.createElement("span");
      text.className = "ba-korb-titel";
      text.textContent = item.t;
      li.appendChild(text);
      [["↑", "nach oben", -1], ["↓", "nach unten", 1], ["×", "entfernen", 0]].forEach(
        function (b) {
          const btn = document.createElement("button");
          btn.type = "button";
          btn.className = "ba-korb-knopf";
          btn.textContent = b[0];
          btn.setAttribute("aria-label", "„" + item.t + "“ " + b[1]);
          btn.title = b[1];
          btn.disabled = (b[2] === -1 && i === 0) || (b[2] === 1 && i === items.length - 1);
          btn.addEventListener("click", function () {
            const now = load();
            if (b[2] === 0) { now.splice(i, 1); }
            else { const moved = now.splice(i, 1)[0]; now.splice(i + b[2], 0, moved); }
            save(now);
            const again = document.querySelectorAll("#korb-liste li")[
              Math.min(Math.max(i + b[2], 0), now.length - 1)];
            if (again) { (again.querySelector("button:not([disabled])") || again).focus(); }
          });
          li.appendChild(btn);
        });
      list.appendChild(li);
    });
  }

  function download(url, label) {
    status(label + " wird erstellt …");
    return window.baDownload(url, "bericht").then(function (res) {
      progress(0, null);
      status("Fertig: " + res[1]);
    }).catch(function (e) {
      progress(0, null);
      status("Export fehlgeschlagen: " + e.message);
    });
  }

  // The batch: start, poll the progress twice a second, then fetch the file.
  function batch(fmt) {
    const query = window.location.search;
    status("Steckbriefe werden vorbereitet …");
    progress(0, 1);
    fetch("/export/serie." + fmt + query, {method: "POST"}).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error(body.fehler || r.statusText); }
        return body;
      });
    }).then(function (job) {
      function poll() {
        fetch("/export/serie/" + job.auftrag, {cache: "no-store"}).then(function (r) {
          return r.json();
        }).then(function (st) {
          if (st.status === "fehler") { throw new Error(st.fehler); }
          progress(st.fertig, st.gesamt);
          if (st.status === "fertig") {
            download("/export/serie/" + job.auftrag + "/datei", "Datei");
          } else {
            status("Steckbriefe: " + st.fertig + " von " + st.gesamt + " fertig …");
            setTimeout(poll, 500);
          }
        }).catch(function (e) { progress(0, null); status("Export fehlgeschlagen: " + e.message); });
      }
      status("Steckbriefe: 0 von " + job.gesamt + " fertig …");
      progress(0, job.gesamt);
      poll();
    }).catch(function (e) { progress(0, null); status("Export fehlgeschlagen: " + e.message); });
  }

  document.addEventListener("click", function (ev) {
    const t = ev.target;
    if (!t.closest) { return; }
    if (t.closest("#korb-dazu")) {
      const items = load();
      if (items.length >= MAX) {
        status("Der Berichtskorb fasst höchstens " + MAX + " Ansichten.");
        return;
      }
      const title = (document.getElementById("ansicht-titel") || {}).textContent || "Ansicht";
      const sel = document.getElementById("profil-titel");
      const q = window.location.search;
      const withArea = /[?&]auswahl=/.test(q) && sel ? " · Steckbrief " + sel.textContent : "";
      items.push({q: q, t: title.replace(/^Karte: /, "") + withArea});
      save(items);
      status("Im Berichtskorb: " + items.length + " Ansicht" + (items.length > 1 ? "en" : ""));
      return;
    }
    if (t.closest("#korb-leeren")) { save([]); status("Berichtskorb geleert"); return; }
    const get = t.closest(".ba-korb-laden");
    if (get) {
      const items = load();
      if (!items.length) { status("Der Berichtskorb ist leer."); return; }
      const params = items.map(function (i) {
        return "bericht=" + encodeURIComponent(i.q.replace(/^\?/, ""));
      }).join("&");
      progress(0, null);
      download("/export/bericht." + get.getAttribute("data-format") + "?" + params, "Bericht");
      return;
    }
    const serie = t.closest(".ba-serie");
    if (serie) { batch(serie.getAttribute("data-serie")); }
  });

  // Render the basket once the layout is there (and in other tabs' changes).
  window.addEventListener("storage", function (e) { if (e.key === KEY) { render(); } });
  const wait = setInterval(function () {
    if (document.getElementById("korb-liste")) { clearInterval(wait); render(); }
  }, 200);
})();
