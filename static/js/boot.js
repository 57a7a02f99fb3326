// Runs first (classic script in <head>): reads the view from the URL and starts its data requests
// at once, in parallel with Leaflet and the modules. api.js takes these promises by URL.
(function () {
  "use strict";
  var raw = window.location.hash.replace(/^#/, "") || window.location.search.replace(/^\?/, "");
  var params = new URLSearchParams(raw);
  var lang = params.get("lang") === "en" ? "en" : "es";
  var root = document.documentElement;
  root.lang = lang;
  if (/\/embed\/?$/.test(window.location.pathname)) root.classList.add("embed");
  var requests = {};
  function get(url) {
    requests[url] = fetch(url).then(function (response) {
      return response.ok ? response.json() : Promise.reject({ status: response.status });
    });
    requests[url].catch(function () {});
    return requests[url];
  }
  // Same parameters, same order as api.js choroplethParams (main.js asks for this very URL).
  function choropleth(indicator, level, period) {
    var query = new URLSearchParams();
    query.set("indicator", indicator);
    query.set("level", level);
    if (period) query.set("period", period);
    query.set("method", params.get("method") || "quantiles");
    query.set("classes", params.get("classes") || "5");
    query.set("lang", lang);
    // Polygons simplified for zoom 5 (the whole country): api.js fetches the full ones on zooming in.
    get("api/v1/choropleth?" + query.toString() + (level === "distrito" ? "" : "&geometry_zoom=5"));
  }
  get("viewer-config.json");
  var indicators = get("api/v1/indicators?lang=" + lang);
  get("api/v1/establishments?lang=" + lang);
  var indicator = params.get("indicator") || "population";
  var level = params.get("level") || "departamento";
  if (!params.get("indicator") && !params.get("period") && level === "departamento") {
    choropleth(indicator, level, "");
  } else {
    // A shared view: ask for its map only when the indicator has data at that level and period.
    indicators.then(function (body) {
      var ind = (body.indicators || []).filter(function (i) { return i.code === indicator; })[0];
      var byLevel = (ind && ind.periods_by_level) || {};
      var period = params.get("period") || "";
      if (byLevel[level] && byLevel[level].length && (!period || byLevel[level].indexOf(period) >= 0)) {
        choropleth(indicator, level, period);
      }
    }).catch(function () {});
  }
  window.siepEarly = requests;
  // The first number format loads the locale's data (a tenth of the first map's script time on
  // a slow phone): done now, while the page waits for the network.
  new Intl.NumberFormat(lang === "en" ? "en-GB" : "es-PE").format(1.5);
})();
