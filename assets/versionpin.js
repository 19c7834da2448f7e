/* Bildungsatlas: a page stays on the data version of its first answer.
 *
 * Every answer of the server names the data version it was built from (header
 * X-Atlas-Version, see geodata/storage/live.py). The first one this page receives is kept,
 * and every later request of the page (Dash callbacks, geometry, tooltip texts) sends it back,
 * so a page never mixes two versions while several server workers switch after an import.
 * Requests started while the first answer is still on its way wait for it (Dash asks for its
 * layout and its callbacks at the same moment), so none of them goes out without the version.
 * Reloading the page starts on the newest version.
 */
(function () {
  "use strict";
  if (!window.fetch || window.__bildungsatlasVersionPin) { return; }
  window.__bildungsatlasVersionPin = true;
  const HEADER = "X-Atlas-Version";
  const original = window.fetch.bind(window);
  let version = null;
  let first = null; // the first same-origin request, until its answer has arrived
  let settled = false;

  function sameOrigin(input) {
    const url = typeof input === "string" ? input : (input && input.url) || "";
    try {
      return new URL(url, window.location.href).origin === window.location.origin;
    } catch (e) {
      return false;
    }
  }

  function withVersion(input, init) {
    if (!version) { return original(input, init); }
    init = Object.assign({}, init || {});
    const headers = new Headers(init.headers ||
                                (typeof input !== "string" && input.headers) || {});
    headers.set(HEADER, version);
    init.headers = headers;
    return original(input, init);
  }

  window.fetch = function (input, init) {
    if (!sameOrigin(input)) { return original(input, init); }
    if (settled) { return withVersion(input, init); }
    if (first) {
      return first.then(function () { return withVersion(input, init); },
                        function () { return withVersion(input, init); });
    }
    const request = original(input, init).then(function (response) {
      const named = response.headers.get(HEADER);
      if (named) { version = named; }
      settled = true;
      return response;
    }, function (err) {
      settled = true;
      throw err;
    });
    first = request;
    return request;
  };
})();
