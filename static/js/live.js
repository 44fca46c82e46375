// /live/: keep the board current without a reload.
// Pushed: the stream (/api/games/live/stream/, js/stream.js) sends a snapshot, then the games
// that changed; each repaints only the cards whose game changed (keyed by game id).
// While the stream is down (or the browser has no EventSource) it polls /api/games/live/ with
// If-None-Match instead; a 304 costs nothing. The next poll waits the response's Cache-Control
// max-age (the server's time until its next ESPN poll), longer when nothing is live and much
// longer while the tab is hidden. Markup mirrors templates/games/_game_card.html; what it shows
// (marker, colours, labels, odds) comes in each game's `display` block, worked out by the server.
(function () {
  "use strict";
  var board = document.getElementById("live-board");
  if (!board || !window.fetch) return;

  var apiUrl = board.getAttribute("data-api-url");
  var streamUrl = board.getAttribute("data-stream-url");
  var streaming = false;
  var etag = board.getAttribute("data-etag") || "";
  var initial = JSON.parse(document.getElementById("live-feed").textContent);
  var known = {}; // game id -> JSON of the game as last painted
  var timer = null;
  var failures = 0;
  var liveCount = initial.live_count;

  var current = initial; // the whole document as last applied: deltas are merged into it
  initial.games.forEach(function (game) { known[game.id] = JSON.stringify(game); });

  // ---------------------------------------------------------------- rendering

  function h(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (attrs[key] === null || attrs[key] === undefined || attrs[key] === false) return;
      node.setAttribute(key, attrs[key]);
    });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined || child === "") return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function utcText(iso, withDate) {
    var text = iso.slice(11, 16) + " UTC";
    return withDate ? iso.slice(0, 10) + " " + text : text;
  }

  // Everything shown comes worked out in the game's `display` block (games/presenters.py):
  // this only builds the card's elements from it.
  function teamRow(game, side) {
    var team = game[side], shown = game.display[side];
    return h("li", { "class": "team " + side + (shown.winner ? " winner" : "") + (shown.has_ball ? " has-ball" : "") }, [
      h("span", { "class": "badge", style: "background:" + shown.badge_bg + ";color:" + shown.badge_fg, "aria-hidden": "true" }, [team.abbreviation]),
      h("span", { "class": "team-name" }, [team.display_name]),
      shown.has_ball ? h("span", { "class": "ball", title: "Has the ball" }, [h("span", { "aria-hidden": "true" }, ["◀"]), " ball"]) : null,
      shown.winner ? h("span", { "class": "visually-hidden" }, ["winner"]) : null,
      h("span", { "class": "score" }, [shown.score_text])
    ]);
  }

  function renderCard(game) {
    var phase = game.status.phase, shown = game.display, mark = shown.marker;
    var status = h("span", { "class": "status" }, [
      mark ? h("strong", { "class": "marker marker-" + phase }, [mark]) : null,
      mark ? " " : null,
      phase === "scheduled"
        ? h("time", { datetime: game.kickoff, "data-localtime": "time" }, [utcText(game.kickoff, false)])
        : (shown.detail ? h("span", { "class": "detail" }, [shown.detail]) : null)
    ]);
    var meta = [
      phase !== "scheduled"
        ? h("time", { datetime: game.kickoff, "data-localtime": "datetime" }, [utcText(game.kickoff, true)])
        : h("time", { datetime: game.kickoff, "data-localtime": "date" }, [game.kickoff.slice(0, 10)])
    ];
    if (game.broadcast) meta.push(" · ", h("span", { "class": "broadcast" }, ["TV: " + game.broadcast]));
    if (shown.odds_text) meta.push(" · ", h("span", { "class": "odds" }, [shown.odds_text]));
    return h("article", {
      "class": "game-card phase-" + phase, id: "game-" + game.id, "data-game-id": String(game.id),
      "data-phase": phase, "aria-label": shown.aria_label
    }, [
      h("header", { "class": "card-head" }, [h("span", { "class": "league" }, [game.league_label]), status]),
      h("h3", { "class": "matchup" }, [h("a", { "class": "card-link", href: "/games/" + game.id + "/" }, [game.short_name || game.name])]),
      h("ul", { "class": "teams" }, [teamRow(game, "away"), teamRow(game, "home")]),
      shown.situation_text || shown.red_zone
        ? h("p", { "class": "situation" }, [shown.situation_text, shown.red_zone ? " " : null,
            shown.red_zone ? h("strong", { "class": "red-zone" }, ["RED ZONE"]) : null])
        : null,
      h("p", { "class": "meta" }, meta)
    ]);
  }

  // ---------------------------------------------------------------- applying a new feed

  function section(group) { return document.getElementById("group-" + group); }

  function scoreline(game) {
    return game.away.abbreviation + " " + game.away.score + ", " + game.home.abbreviation + " " + game.home.score;
  }

  function applyDelta(delta) {
    var byId = {};
    delta.games.forEach(function (game) { byId[game.id] = game; });
    var games = current.games.map(function (game) {
      var changed = byId[game.id];
      delete byId[game.id];
      return changed || game;
    });
    Object.keys(byId).forEach(function (id) { games.push(byId[id]); });
    apply({ day: current.day, live_count: delta.live_count, games: games });
  }

  function apply(doc) {
    current = doc;
    var seen = {}, announcements = [];
    doc.games.forEach(function (game) {
      seen[game.id] = true;
      var json = JSON.stringify(game);
      var existing = document.getElementById("game-" + game.id);
      var group = game.display.group;
      var container = section(group).querySelector(".cards");
      if (existing && known[game.id] === json && existing.parentNode === container) return;
      var before = known[game.id] ? JSON.parse(known[game.id]) : null;
      if (before && (before.home.score !== game.home.score || before.away.score !== game.away.score)) {
        announcements.push(scoreline(game));
      }
      var card = renderCard(game);
      if (existing) {
        card.classList.add("updated");
        setTimeout(function () { card.classList.remove("updated"); }, 2500);
        if (existing.parentNode === container) {
          existing.parentNode.replaceChild(card, existing);
        } else {
          existing.parentNode.removeChild(existing);
          container.appendChild(card);
        }
      } else {
        container.appendChild(card);
      }
      known[game.id] = json;
      if (window.Scores && window.Scores.localizeTimes) window.Scores.localizeTimes(card);
    });
    Object.keys(known).forEach(function (id) {
      if (seen[id]) return;
      var gone = document.getElementById("game-" + id);
      if (gone) gone.parentNode.removeChild(gone);
      delete known[id];
    });
    var order = {};
    doc.games.forEach(function (game, index) { order[game.id] = index; });
    ["live", "upcoming", "final"].forEach(function (group) {
      var sec = section(group), container = sec.querySelector(".cards");
      var cards = Array.prototype.slice.call(container.children);
      var sorted = cards.slice().sort(function (a, b) { return order[a.dataset.gameId] - order[b.dataset.gameId]; });
      if (sorted.some(function (card, i) { return card !== cards[i]; })) {
        sorted.forEach(function (card) { container.appendChild(card); });
      }
      sec.querySelector(".count").textContent = "(" + cards.length + ")";
      sec.querySelector(".empty").hidden = cards.length > 0;
    });
    liveCount = doc.live_count;
    document.getElementById("live-summary").textContent = liveCount ? liveCount + " live" : "None live";
    if (announcements.length) document.getElementById("score-announcer").textContent = "Score update: " + announcements.join("; ");
  }

  // ---------------------------------------------------------------- polling

  function maxAge(response) {
    var match = /max-age=(\d+)/.exec(response.headers.get("Cache-Control") || "");
    return match ? parseInt(match[1], 10) : 10;
  }

  function delaySeconds(seconds) {
    var delay = Math.max(2, Math.min(seconds, 60));
    if (!liveCount) delay = Math.max(delay, 30);      // nothing live: a kickoff is the next news
    if (document.hidden) delay = Math.max(delay * 4, 60); // nobody is looking
    return delay;
  }

  function schedule(seconds) {
    clearTimeout(timer);
    timer = setTimeout(poll, delaySeconds(seconds) * 1000);
  }

  function poll() {
    if (streaming) return;
    var headers = etag ? { "If-None-Match": etag } : {};
    fetch(apiUrl, { headers: headers, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304) { failures = 0; schedule(maxAge(response)); return null; }
        if (response.status === 429) {
          schedule(parseInt(response.headers.get("Retry-After") || "30", 10));
          return null;
        }
        if (!response.ok) throw new Error("HTTP " + response.status);
        var age = maxAge(response);
        var tag = response.headers.get("ETag");
        return response.json().then(function (doc) {
          failures = 0;
          if (tag) etag = tag;
          apply(doc);
          document.getElementById("feed-updated").textContent = "updated " + new Date().toLocaleTimeString();
          schedule(age);
        });
      })
      .catch(function () {
        failures += 1;
        schedule(Math.min(60, 5 * Math.pow(2, failures - 1)));
      });
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && !streaming) { clearTimeout(timer); poll(); }
  });
  window.Scores = window.Scores || {};
  window.Scores.pollLiveNow = poll;

  // ---------------------------------------------------------------- the stream, polling while it is down

  function painted() {
    document.getElementById("feed-updated").textContent = "updated " + new Date().toLocaleTimeString();
  }

  if (streamUrl && window.Scores.openStream) {
    window.Scores.openStream(streamUrl, {
      events: {
        snapshot: function (doc) { apply(doc); painted(); },
        games: function (delta) { applyDelta(delta); painted(); }
      },
      up: function () { streaming = true; clearTimeout(timer); failures = 0; },
      down: function () {
        if (streaming || !timer) { streaming = false; schedule(2); }
      }
    });
  } else {
    schedule(initial.live_count ? 5 : 30);
  }
})();
