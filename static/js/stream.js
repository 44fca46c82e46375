// Server-Sent Events with a way back: Scores.openStream(url, {events, up, down}).
// `events` maps event names to handlers (parsed JSON data, event id). `up` runs when the stream
// is connected, `down` when it is not (the page then polls as it did before streams). The
// browser reconnects by itself with Last-Event-ID; when the server refuses the stream (an error
// status) the browser gives up, so this tries again later with ?last_event_id=.
(function () {
  "use strict";
  var RETRY_REFUSED_MS = 30000;
  window.Scores = window.Scores || {};
  window.Scores.openStream = function (url, on) {
    if (!window.EventSource) { if (on.down) on.down(); return null; }
    var source = null, lastId = "", retry = null, opened = false;
    // A proxy that buffers the response never lets the stream open: poll meanwhile.
    var OPEN_WITHIN_MS = 5000;

    function connect() {
      var target = lastId ? url + (url.indexOf("?") < 0 ? "?" : "&") + "last_event_id=" + encodeURIComponent(lastId) : url;
      source = new EventSource(target, { withCredentials: true });
      var opening = setTimeout(function () { if (!opened && on.down) on.down(); }, OPEN_WITHIN_MS);
      source.addEventListener("open", function () { opened = true; clearTimeout(opening); if (on.up) on.up(); });
      Object.keys(on.events).forEach(function (name) {
        source.addEventListener(name, function (event) {
          if (event.lastEventId) lastId = event.lastEventId;
          on.events[name](JSON.parse(event.data), event.lastEventId);
        });
      });
      source.addEventListener("error", function () {
        opened = false;
        clearTimeout(opening);
        if (on.down) on.down();
        if (source.readyState === EventSource.CLOSED) {
          clearTimeout(retry);
          retry = setTimeout(connect, RETRY_REFUSED_MS);
        }
      });
    }

    connect();
    return { close: function () { clearTimeout(retry); if (source) source.close(); } };
  };
})();
