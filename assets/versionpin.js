/* Bildungsatlas: a page stays on the data version of its first answer.
 *
 * Every answer of the server names the data version it was built from (header
 * X-Atlas-Version, see geodata/storage/live.py). The first one this page receives is kept,
 * and every later request of the page (Dash callbacks, geometry, tooltip texts) sends it back,
 * so a page never mixes two versions while several server workers switch after an import.
 * Reloading the page starts on the newest version.
 */
(function () {
  "use strict";
  if (!window.fetch || window.__bildungsatlasVersionPin) { return; }
  window.__bildungsatlasVersionPin = true;
  const HEADER = "X-Atlas-Version";
  const original = window.fetch.bind(window);
  let version = null;

  function sameOrigin(input) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  window.fetch = function (input, init) {
    const ours = sameOrigin(input);
    if (ours && version) {
      init = Object.assign({}, init || {});
      const headers = new Headers(init.headers ||
                                  (typeof input !== "string" && input.headers) || {});
      headers.set(HEADER, version);
      init.headers = headers;
    }
    return original(input, init).then(function (response) {
      if (ours && !version) {
        const named = response.headers.get(HEADER);
        if (named) { version = named; }
      }
      return response;
    });
  };
})();
