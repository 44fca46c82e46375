// /games/<id>/: draws the win-probability chart as SVG and, while the game is live, polls
// /api/games/<id>/ to update the score, situation, score by period, plays and the chart.
(function () {
  "use strict";
  var root = document.getElementById("game");
  var dataNode = document.getElementById("game-data");
  if (!root || !dataNode) return;
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(dataNode.textContent);
  var apiUrl = root.getAttribute("data-api-url");
  var W = 640, H = 240, PAD = { left: 44, right: 12, top: 14, bottom: 26 };

  function svg(tag, attrs, text) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, attrs[key]); });
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  // ---------------------------------------------------------------- the chart

  function drawChart(points) {
    var chart = document.getElementById("wp-chart");
    if (!chart) return;
    Array.prototype.slice.call(chart.querySelectorAll("g.plot")).forEach(function (g) { chart.removeChild(g); });
    var plot = svg("g", { "class": "plot", "aria-hidden": "true" });
    var x0 = PAD.left, x1 = W - PAD.right, y0 = PAD.top, y1 = H - PAD.bottom;
    var y = function (home) { return y0 + (1 - home) * (y1 - y0); };
    plot.appendChild(svg("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: "none", "class": "grid" }));
    plot.appendChild(svg("line", { x1: x0, x2: x1, y1: y(0.5), y2: y(0.5), "class": "mid" }));
    plot.appendChild(svg("text", { x: 4, y: y0 + 10 }, data.home.abbreviation + " 100%"));
    plot.appendChild(svg("text", { x: 4, y: y(0.5) + 4 }, "50%"));
    plot.appendChild(svg("text", { x: 4, y: y1 }, data.away.abbreviation + " 100%"));
    if (points.length) {
      var step = points.length > 1 ? (x1 - x0) / (points.length - 1) : 0;
      var coords = [], lastPeriod = null;
      points.forEach(function (point, i) {
        var x = x0 + i * step;
        coords.push(x.toFixed(1) + "," + y(point.home).toFixed(1));
        if (point.period && point.period !== lastPeriod) {
          if (lastPeriod !== null) plot.appendChild(svg("line", { x1: x, x2: x, y1: y0, y2: y1, "class": "grid" }));
          plot.appendChild(svg("text", { x: x + 3, y: H - 8 }, (data.period_prefix || "") + point.period));
          lastPeriod = point.period;
        }
      });
      plot.appendChild(svg("polyline", { points: coords.join(" "), "class": "line", "data-points": String(points.length) }));
    } else {
      plot.appendChild(svg("text", { x: W / 2 - 60, y: H / 2 - 8 }, "No win probability yet"));
    }
    chart.appendChild(plot);
    var last = points[points.length - 1];
    if (last) {
      var home = Math.round(last.home * 100);
      var words = "After the latest play: " + data.home.abbreviation + " " + home + "%, " + data.away.abbreviation + " " + (100 - home) + "%";
      document.getElementById("wp-desc").textContent = words + ".";
      document.getElementById("wp-caption").textContent = words + " to win.";
    }
  }

  // ---------------------------------------------------------------- live updates

  function playItem(play) {
    var when = (data.period_prefix || "") + play.period + (play.clock ? " · " + play.clock : "");
    return el("li", { "class": "play" + (play.scoring_play ? " scoring-play" : ""), "data-play-id": play.id }, [
      el("span", { "class": "play-when" }, [when]), " ",
      el("span", { "class": "play-text" }, [play.text]),
      play.scoring_play ? " " : null,
      play.scoring_play ? el("strong", { "class": "play-score" }, [play.away_score + "–" + play.home_score]) : null
    ]);
  }

  function fillList(id, plays, emptyText) {
    var list = document.getElementById(id);
    var items = plays.length ? plays.map(playItem) : [el("li", { "class": "empty" }, [emptyText])];
    list.replaceChildren.apply(list, items);
    if (id === "plays") updatePlaysToggle();
  }

  // A finished game has 150-odd plays: show the latest few, the rest a tap away (all of them without JS).
  var PLAYS_SHOWN = 25;
  var playsToggle = null;
  function updatePlaysToggle() {
    var list = document.getElementById("plays");
    var items = list.querySelectorAll("li:not(.empty)");
    var count = items.length;
    // Hidden items do not count in a list's numbering: number each play itself, newest first.
    Array.prototype.forEach.call(items, function (item, index) { item.value = count - index; });
    if (!playsToggle) {
      if (count <= PLAYS_SHOWN) return;
      playsToggle = el("button", { type: "button", "class": "plays-toggle", "aria-controls": "plays" });
      playsToggle.addEventListener("click", function () {
        list.classList.toggle("collapsed");
        updatePlaysToggle();
      });
      list.classList.add("collapsed");
      list.parentNode.insertBefore(playsToggle, list.nextSibling);
    }
    var collapsed = list.classList.contains("collapsed");
    playsToggle.hidden = count <= PLAYS_SHOWN;
    playsToggle.setAttribute("aria-expanded", String(!collapsed));
    playsToggle.textContent = collapsed ? "Show all " + count + " plays" : "Show the latest " + PLAYS_SHOWN + " plays";
  }

  function updateTeams(game) {
    ["away", "home"].forEach(function (side, index) {
      var row = document.querySelectorAll("#game-teams .team")[index];
      if (!row) return;
      var score = game[side].score;
      row.querySelector(".score").textContent = score === null || game.status.phase === "scheduled" ? "" : String(score);
      var situation = game.situation || {};
      var hasBall = !!situation.possession_team_espn_id && situation.possession_team_espn_id === game[side].espn_id;
      row.classList.toggle("has-ball", hasBall);
      var ball = row.querySelector(".ball");
      if (hasBall && !ball) {
        ball = el("span", { "class": "ball", title: "Has the ball" }, [el("span", { "aria-hidden": "true" }, ["◀"]), " ball"]);
        row.insertBefore(ball, row.querySelector(".score"));
      } else if (!hasBall && ball) {
        row.removeChild(ball);
      }
    });
  }

  function updateStatus(game) {
    var status = document.getElementById("game-status");
    var phase = game.status.phase;
    var marker = phase === "live" ? (game.status.name === "STATUS_HALFTIME" ? "HALFTIME" : "LIVE") : phase === "scheduled" ? "" : phase.toUpperCase();
    var children = [];
    if (marker) children.push(el("strong", { "class": "marker marker-" + phase }, [marker]), " ");
    children.push(el("span", { "class": "detail" }, [game.status.detail]));
    status.replaceChildren.apply(status, children);
    root.className = "game-detail phase-" + phase;
    root.setAttribute("data-phase", phase);
  }

  function updateLinescore(game) {
    var rows = document.querySelectorAll("#linescore tbody tr");
    var head = document.querySelector("#linescore thead tr");
    var count = Math.max(game.away.linescores.length, game.home.linescores.length);
    var periods = head.children.length - 2;
    for (var p = periods; p < count; p++) {
      head.insertBefore(el("th", { scope: "col" }, [p >= 4 ? "OT" + (p > 4 ? p - 3 : "") : String(p + 1)]), head.lastElementChild);
    }
    ["away", "home"].forEach(function (side, index) {
      var row = rows[index];
      if (!row) return;
      var cells = [el("th", { scope: "row" }, [game[side].abbreviation])];
      for (var i = 0; i < Math.max(count, periods); i++) {
        var value = game[side].linescores[i];
        cells.push(el("td", {}, [value === undefined ? "–" : String(value)]));
      }
      cells.push(el("td", { "class": "total" }, [game[side].score === null ? "–" : String(game[side].score)]));
      row.replaceChildren.apply(row, cells);
    });
  }

  function updateSituation(game) {
    var section = document.getElementById("situation-section");
    var list = document.getElementById("situation");
    var s = game.situation;
    section.hidden = !s;
    if (!s) return;
    var items = [];
    if (s.down_distance_text) {
      items.push(el("dt", {}, ["Down and distance"]),
        el("dd", {}, [s.down_distance_text, s.is_red_zone ? " " : null, s.is_red_zone ? el("strong", { "class": "red-zone" }, ["RED ZONE"]) : null]));
    }
    ["away", "home"].forEach(function (side) {
      if (s.possession_team_espn_id && s.possession_team_espn_id === game[side].espn_id) {
        items.push(el("dt", {}, ["Ball"]), el("dd", {}, [game[side].display_name]));
      }
    });
    if (s.last_play) items.push(el("dt", {}, ["Last play"]), el("dd", {}, [s.last_play]));
    list.replaceChildren.apply(list, items);
  }

  function apply(game) {
    updateStatus(game);
    updateTeams(game);
    updateLinescore(game);
    updateSituation(game);
    fillList("scoring-plays", game.scoring_plays, "No scoring plays yet.");
    fillList("plays", game.plays, "No plays yet.");
    data.win_probability = game.win_probability;
    drawChart(game.win_probability);
  }

  var timer = null;
  function schedule() {
    clearTimeout(timer);
    if (root.getAttribute("data-phase") !== "live") return;
    timer = setTimeout(poll, document.hidden ? 60000 : 15000);
  }

  function poll() {
    fetch(apiUrl + "?plays=500", { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (game) { if (game) apply(game); })
      .catch(function () { /* the next poll tries again */ })
      .then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && root.getAttribute("data-phase") === "live") { clearTimeout(timer); poll(); }
  });
  window.Scores = window.Scores || {};
  window.Scores.pollGameNow = poll;
  drawChart(data.win_probability || []);
  updatePlaysToggle();
  schedule();

  // Score, status, line score and situation pushed by the live stream as soon as the server has
  // them; the plays and the chart still come with the polls above.
  var streamUrl = root.getAttribute("data-stream-url");
  var gameId = root.getAttribute("data-game-id");
  function pushed(games) {
    games.forEach(function (game) {
      if (String(game.id) !== gameId) return;
      var wasLive = root.getAttribute("data-phase") === "live";
      updateStatus(game);
      updateTeams(game);
      updateLinescore(game);
      updateSituation(game);
      if (!wasLive && game.status.phase === "live") schedule();
    });
  }
  if (streamUrl && window.Scores.openStream) {
    window.Scores.openStream(streamUrl, {
      events: {
        snapshot: function (doc) { pushed(doc.games); },
        games: function (delta) { pushed(delta.games); }
      }
    });
  }
})();
