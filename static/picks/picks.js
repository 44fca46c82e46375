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

// "What if" on the league page: post the chosen outcomes to the API and show the standings that
// would follow, without a reload (the form also works without JavaScript, by a plain GET).
(function () {
  "use strict";

  function percent(value) {
    if (value === null) return "—";
    if (value > 0 && value < 0.005) return "<1%";
    if (value >= 0.995 && value < 1) return ">99%";
    return Math.round(value * 100) + "%";
  }

  function cell(tag, text, scope) {
    var element = document.createElement(tag);
    element.textContent = text;
    if (scope) element.setAttribute("scope", scope);
    return element;
  }

  function render(target, body) {
    var table = document.createElement("table");
    table.className = "standings what-if-table";
    table.appendChild(cell("caption", "Standings if so"));
    var head = table.createTHead().insertRow();
    ["Member", "Points", "Chance"].forEach(function (name) { head.appendChild(cell("th", name, "col")); });
    var rows = table.createTBody();
    body.rows.forEach(function (row) {
      var line = rows.insertRow();
      line.appendChild(cell("th", row.username, "row"));
      line.appendChild(cell("td", String(row.points)));
      line.appendChild(cell("td", percent(row.chance_week)));
    });
    target.replaceChildren(table);
  }

  function wire(form) {
    var target = document.getElementById("what-if-result");
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var outcomes = {};
      form.querySelectorAll("input[type=radio]:checked").forEach(function (input) {
        if (input.value) outcomes[input.name.replace("outcome-", "")] = input.value;
      });
      fetch(form.getAttribute("data-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: {
          "Content-Type": "application/json",
          Accept: "application/json",
          "X-CSRFToken": form.querySelector("input[name=csrfmiddlewaretoken]").value,
        },
        body: JSON.stringify({ week: form.getAttribute("data-week"), outcomes: outcomes }),
      })
        .then(function (response) { return response.json().then(function (body) { return { ok: response.ok, body: body }; }); })
        .then(function (answer) {
          if (answer.ok) return render(target, answer.body);
          var message = document.createElement("p");
          message.className = "error";
          message.textContent = answer.body.detail || "Could not work that out.";
          target.replaceChildren(message);
        })
        .catch(function () {
          var message = document.createElement("p");
          message.className = "error";
          message.textContent = "Could not reach the server: try again.";
          target.replaceChildren(message);
        });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var form = document.getElementById("what-if-form");
    if (form) wire(form);
  });
})();
