// Pick'em pages: small conveniences, and live pick status while games are on. Kickoff times are
// localised by the site's js/localtime.js (<time data-localtime>). Plain JavaScript, no build step;
// every page works without it.
(function () {
  "use strict";

  function wireConveniences(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    root.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  function scoreText(game) {
    if (game.home.score === null || game.away.score === null) return "";
    var text = game.away.abbreviation + " " + game.away.score + " – " + game.home.score + " " + game.home.abbreviation;
    return game.status_detail ? text + " · " + game.status_detail : text;
  }

  function applyStatus(form, games) {
    games.forEach(function (game) {
      var item = form.querySelector('[data-game-id="' + game.game_id + '"]');
      if (!item) return;
      var score = item.querySelector("[data-score]");
      var status = item.querySelector("[data-status]");
      if (score) score.textContent = scoreText(game);
      if (status) {
        var words = game.status.text;
        if (game.pick && game.pick.result === "win") words += " · " + game.pick.points + " pt" + (game.pick.points === 1 ? "" : "s");
        status.lastChild.textContent = words;
      }
      item.className = item.className.replace(/\bstatus-[\w-]+/, "status-" + game.status.code);
    });
  }

  // While games are on: refreshed when the live stream says one of the form's games changed;
  // every 30 s instead while the stream is down (or the browser has no EventSource).
  function followLiveGames(form) {
    var url = form.getAttribute("data-status-url");
    if (!url || !form.hasAttribute("data-live")) return;
    var timer = null, stream = null, pending = null;

    function refresh() {
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body) return;
          applyStatus(form, body.games);
          var stillLive = body.games.some(function (g) { return g.phase === "live"; });
          if (!stillLive) { clearInterval(timer); timer = null; if (stream) stream.close(); }
        })
        .catch(function () { /* the next change or tick tries again */ });
    }

    function poll() {
      if (!timer) timer = setInterval(function () { if (!document.hidden) refresh(); }, 30000);
    }

    var streamUrl = form.getAttribute("data-stream-url");
    if (!streamUrl || !window.Scores || !window.Scores.openStream) { poll(); return; }
    stream = window.Scores.openStream(streamUrl, {
      events: {
        snapshot: function () { refresh(); },
        games: function (delta) {
          var mine = delta.games.some(function (game) {
            return form.querySelector('[data-game-id="' + game.id + '"]') !== null;
          });
          // One refresh for a burst of changes: the status comes from this member's own picks.
          if (mine && !pending) pending = setTimeout(function () { pending = null; refresh(); }, 500);
        }
      },
      up: function () { clearInterval(timer); timer = null; },
      down: poll
    });
  }

  // A league's standings table: the live projection pushed by the worker after each poll.
  function followStandings(table) {
    var url = table.getAttribute("data-stream-url");
    if (!url || !window.Scores || !window.Scores.openStream) return;
    var week = table.getAttribute("data-week");

    function put(row, selector, value) {
      var node = row.querySelector(selector);
      if (node) node.textContent = String(value);
    }

    window.Scores.openStream(url, {
      events: {
        standings: function (doc) {
          if (!doc.week || doc.week.slug !== week) return;
          doc.rows.forEach(function (found) {
            var row = table.querySelector('tr[data-entry-id="' + found.entry_id + '"]');
            if (!row) return;
            put(row, '[data-cell="rank"]', found.rank);
            put(row, '[data-cell="points"]', found.points);
            put(row, '[data-cell="record"]', found.record);
            put(row, '[data-cell="live"] [data-value]', found.projected_points);
            put(row, '[data-cell="live"] [data-live-rank]', found.live_rank);
          });
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireConveniences(document);
    document.querySelectorAll("form.pick-form").forEach(followLiveGames);
    document.querySelectorAll("table.standings[data-stream-url]").forEach(followStandings);
  });
})();
