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

  function followLiveGames(form) {
    var url = form.getAttribute("data-status-url");
    if (!url || !form.hasAttribute("data-live")) return;
    var timer = setInterval(function () {
      if (document.hidden) return;
      fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (body) {
          if (!body) return;
          applyStatus(form, body.games);
          var stillLive = body.games.some(function (g) { return g.phase === "live"; });
          if (!stillLive) clearInterval(timer);
        })
        .catch(function () { /* the next tick tries again */ });
    }, 30000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireConveniences(document);
    document.querySelectorAll("form.pick-form").forEach(followLiveGames);
  });
})();
