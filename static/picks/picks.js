// Pick'em pages: small conveniences, and live pick status and standings while games are on.
// Kickoff times are localised by the site's js/localtime.js (<time data-localtime>). Plain
// JavaScript, no build step; every page works without it.
(function () {
  "use strict";

  var SETTLED = { final: true, postponed: true, canceled: true };
  var LONGEST_WAIT = 5 * 60 * 1000; // a game may start before its kickoff time: look at least this often

  function wireConveniences(root) {
    root.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    root.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () { input.select(); });
    });
  }

  // A wide table scrolls inside its box; its hint shows only while there is something to scroll to.
  function wireScrollHints(root) {
    var boxes = root.querySelectorAll("[data-scroll-hint]");
    if (!boxes.length) return;
    function update() {
      boxes.forEach(function (box) {
        var hint = document.getElementById(box.getAttribute("data-scroll-hint"));
        if (hint) hint.hidden = box.scrollWidth <= box.clientWidth + 1;
      });
    }
    update();
    window.addEventListener("resize", update);
  }

  // GET a JSON document again only when it changed (ETag / If-None-Match); null when it did not.
  function fetcher(url) {
    var etag = null;
    return function () {
      var headers = { Accept: "application/json" };
      if (etag) headers["If-None-Match"] = etag;
      return fetch(url, { credentials: "same-origin", headers: headers, cache: "no-cache" }).then(function (response) {
        if (response.status === 304 || !response.ok) return null;
        etag = response.headers.get("ETag");
        return response.json();
      });
    };
  }

  function idleSeconds(node) {
    return Math.max(1, parseInt(node.getAttribute("data-idle-seconds"), 10) || 300) * 1000;
  }

  function seconds(node) {
    return Math.max(1, parseInt(node.getAttribute("data-refresh-seconds"), 10) || 30) * 1000;
  }

  // ------------------------------------------------------------------ my picks

  // The server words the score and the status (picks/presenters.py, as the page's rows): shown as they come.
  function applyGame(item, game) {
    var score = item.querySelector("[data-score]");
    var status = item.querySelector("[data-status]");
    var lock = item.querySelector("[data-lock]");
    if (score) score.textContent = game.score_text;
    if (status) status.lastChild.textContent = game.status.display;
    if (game.locked) {
      item.querySelectorAll("input, select").forEach(function (field) { field.disabled = true; });
      item.classList.add("is-locked");
      if (lock) {
        lock.textContent = "Locked: " + game.lock_reason;
        lock.hidden = false;
      }
    }
    item.setAttribute("data-phase", game.phase);
    item.className = item.className.replace(/\bstatus-[\w-]+/, "status-" + game.status.code);
  }

  function updateSaveButton(form) {
    var button = form.querySelector("button[type=submit]");
    var open = form.querySelectorAll("input:not([type=hidden]):not(:disabled), select:not(:disabled)");
    if (!button || open.length || button.disabled) return;
    var note = document.createElement("p");
    note.className = "hint";
    note.id = "all-locked";
    note.textContent = "Every game this week has locked: there is nothing left to save.";
    button.parentNode.insertBefore(note, button);
    button.disabled = true;
    button.setAttribute("aria-describedby", note.id);
  }

  // Polling: while a game is on, every few seconds; before, at the next kickoff; after the last, never.
  // Streaming: only at the next kickoff (a pick locks at its kickoff time, which no feed change
  // announces); the stream tells when a game starts or its score moves.
  function nextPollIn(form, streaming) {
    var items = form.querySelectorAll("[data-game-id]");
    var live = false, nextKickoff = Infinity, now = Date.now();
    items.forEach(function (item) {
      var phase = item.getAttribute("data-phase");
      if (phase === "live" || phase === "suspended") live = true;
      else if (phase === "scheduled") nextKickoff = Math.min(nextKickoff, Date.parse(item.getAttribute("data-kickoff")));
    });
    if (streaming) return nextKickoff > now && nextKickoff !== Infinity ? Math.min(nextKickoff - now + 1000, LONGEST_WAIT) : null;
    if (nextKickoff === Infinity) return live ? seconds(form) : null;
    // Past its kickoff but not started yet (a late start): look as often as for a live game.
    if (live || nextKickoff <= now) return seconds(form);
    return Math.min(nextKickoff - now + 1000, LONGEST_WAIT);
  }

  // One mechanism at a time: the live stream while it is up (a refresh when it says one of the
  // form's games changed), ETag polling while it is down or the browser has no EventSource.
  function followGames(form) {
    var url = form.getAttribute("data-status-url");
    if (!url || nextPollIn(form, false) === null) return; // every game settled: nothing will change
    var read = fetcher(url);
    var timer = null, pending = null, stream = null, streaming = false;
    function schedule() {
      clearTimeout(timer);
      var wait = nextPollIn(form, streaming);
      if (wait !== null) timer = setTimeout(tick, wait);
      else if (!streaming && stream) { stream.close(); stream = null; } // every game settled
    }
    function tick() {
      if (document.hidden && !streaming) { schedule(); return; }
      read()
        .then(function (body) {
          if (!body) return;
          body.games.forEach(function (game) {
            var item = form.querySelector('[data-game-id="' + game.game_id + '"]');
            if (item) applyGame(item, game);
          });
          if (body.tiebreaker && body.tiebreaker.locked) {
            form.querySelectorAll(".tiebreaker input").forEach(function (field) { field.disabled = true; });
          }
          updateSaveButton(form);
          if (streaming && nextPollIn(form, false) === null && stream) { stream.close(); stream = null; }
        })
        .catch(function () { /* the next tick or change tries again */ })
        .then(schedule);
    }

    var streamUrl = form.getAttribute("data-stream-url");
    if (!streamUrl || !window.Scores || !window.Scores.openStream) { schedule(); return; }
    stream = window.Scores.openStream(streamUrl, {
      events: {
        snapshot: function () { tick(); }, // (re)connected: catch up on what happened meanwhile
        games: function (delta) {
          var mine = delta.games.some(function (game) {
            return form.querySelector('[data-game-id="' + game.id + '"]') !== null;
          });
          // One refresh for a burst of changes: the status comes from this member's own picks.
          if (mine && !pending) pending = setTimeout(function () { pending = null; tick(); }, 500);
        }
      },
      up: function () { streaming = true; schedule(); },
      down: function () {
        if (streaming || !timer) { streaming = false; schedule(); }
      }
    });
    if (!stream) schedule(); // no EventSource: `down` already scheduled the poll
  }

  // ------------------------------------------------------------------ standings

  function percent(value) {  // as the page's |percent filter writes a chance
    if (value === null || value === undefined) return "—";
    if (value > 0 && value < 0.005) return "<1%";
    if (value >= 0.995 && value < 1) return ">99%";
    return Math.round(value * 100) + "%";
  }

  function applyStandings(table, rows) {
    rows.forEach(function (row) {
      var tr = table.querySelector('tr[data-entry-id="' + row.entry_id + '"]');
      if (!tr) return;
      var rank = tr.querySelector("td");
      var points = tr.querySelector("[data-points]");
      var live = tr.querySelector("[data-live-points]");
      var record = tr.querySelector(".record");
      if (rank) rank.textContent = String(row.rank);
      if (points && row.points !== undefined) points.textContent = String(row.points);
      if (record && row.record !== undefined) record.textContent = row.record;
      if (live) live.firstChild.textContent = row.projected_points + " ";
      if (live && live.querySelector(".hint")) live.querySelector(".hint").textContent = "(#" + row.live_rank + ")";
      // Survivor (polled, never streamed): the pick and its chance null while another's pick is hidden,
      // and the cells say so; once it locks, they show.
      if (row.chance_survive !== undefined && row.chance_survive !== null) {
        tr.querySelectorAll("[data-chance-survive]").forEach(function (cell) { cell.textContent = percent(row.chance_survive); });
      }
      var weekPick = tr.querySelector("[data-week-pick]");
      if (weekPick && row.week_pick) weekPick.textContent = row.week_pick;
      var lives = tr.querySelector("[data-lives]");
      if (lives && row.lives_left !== undefined && row.lives_left !== null) lives.textContent = String(row.lives_left);
      var used = tr.querySelector("[data-teams-used]");
      if (used && row.teams_used) used.textContent = row.teams_used.join(", ") || "—";
      var chance = table.getAttribute("data-view") === "season" ? row.chance_season : row.chance_week;
      if (chance !== undefined) {
        tr.querySelectorAll("[data-chance]").forEach(function (cell) { cell.textContent = percent(chance); });
      }
    });
  }

  // While games are on: the league's standings stream (the worker's projection after each poll);
  // polling the standings API with ETags while the stream is down. A week still to be played
  // (data-follow) is followed too, so a page opened before kickoff moves once the games do: the
  // stream says nothing until then, and the poll looks at the poller's idle pace while nothing is live.
  function followStandings(table) {
    var url = table.getAttribute("data-standings-url");
    var live = table.hasAttribute("data-live");
    if (!url || !(live || table.hasAttribute("data-follow"))) return;
    var read = fetcher(url);
    var timer = null, stream = null;
    function stop() { clearInterval(timer); timer = null; if (stream) { stream.close(); stream = null; } }
    function poll() {
      if (timer) return;
      timer = setInterval(function () {
        if (document.hidden) return;
        read()
          .then(function (body) {
            if (!body) return;
            applyStandings(table, body.rows);
            if (!body.live_games && body.week_complete !== false) { stop(); return; }
            if (!!body.live_games !== live) { live = !!body.live_games; clearInterval(timer); timer = null; poll(); }
          })
          .catch(function () { /* the next tick tries again */ });
      }, live ? seconds(table) : Math.max(seconds(table), idleSeconds(table)));
    }

    var streamUrl = table.getAttribute("data-stream-url");
    if (!streamUrl || !window.Scores || !window.Scores.openStream) { poll(); return; }
    var week = table.getAttribute("data-week");
    stream = window.Scores.openStream(streamUrl, {
      events: {
        standings: function (doc) {
          if (doc.week && doc.week.slug === week) applyStandings(table, doc.rows);
        }
      },
      up: function () { clearInterval(timer); timer = null; },
      down: poll
    });
    if (!stream) poll();
  }

  document.addEventListener("DOMContentLoaded", function () {
    wireConveniences(document);
    wireScrollHints(document);
    document.querySelectorAll("form.pick-form").forEach(followGames);
    document.querySelectorAll("table#standings").forEach(followStandings);
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
    ["Entry", "Points", "Chance"].forEach(function (name) { head.appendChild(cell("th", name, "col")); });
    var rows = table.createTBody();
    body.rows.forEach(function (row) {
      var line = rows.insertRow();
      line.appendChild(cell("th", row.entry_name, "row"));
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
