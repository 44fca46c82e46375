// Kickoff times in the viewer's own time zone. The server writes UTC text inside
// <time datetime="ISO" data-localtime="time|date|datetime">; this replaces the text.
(function () {
  "use strict";
  var formats = {
    time: { weekday: "short", hour: "numeric", minute: "2-digit", timeZoneName: "short" },
    date: { weekday: "short", day: "numeric", month: "short" },
    datetime: { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit", timeZoneName: "short" }
  };
  var formatters = {};

  function formatter(kind) {
    if (!formatters[kind]) {
      try {
        formatters[kind] = new Intl.DateTimeFormat(undefined, formats[kind] || formats.datetime);
      } catch (e) {
        formatters[kind] = null;
      }
    }
    return formatters[kind];
  }

  function localize(root) {
    var nodes = (root || document).querySelectorAll("time[data-localtime]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var when = new Date(node.getAttribute("datetime"));
      var fmt = formatter(node.getAttribute("data-localtime"));
      if (!fmt || isNaN(when.getTime())) continue;
      node.textContent = fmt.format(when);
      node.title = when.toUTCString();
    }
  }

  window.Scores = window.Scores || {};
  window.Scores.localizeTimes = localize;
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { localize(document); });
  } else {
    localize(document);
  }
})();
