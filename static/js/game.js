// /games/<id>/: draws the win-probability chart as SVG and, while the game is live, polls
// /api/games/<id>/?plays=0 to update the score, situation, score by period, scoring plays and the
// chart. New plays (the scoring plays among them, and their win-probability points) come by push from
// /api/games/<id>/stream/; while that stream is down the page polls /api/games/<id>/plays/?after_seq=N
// (with its ETag: 304 while nothing is new) instead.
// Nothing shown is worked out here: the status marker, scores, who has the ball and the score by period's
// headings come in the game's `display` block, the chart's caption and period names in its
// `win_probability_chart` (games/presenters.py).
(function () {
  "use strict";
  var root = document.getElementById("game");
  var dataNode = document.getElementById("game-data");
  if (!root || !dataNode) return;
  var SVG = "http://www.w3.org/2000/svg";
  var data = JSON.parse(dataNode.textContent);
  var apiUrl = root.getAttribute("data-api-url");
  var playsUrl = root.getAttribute("data-plays-url");
  var playsCursor = root.getAttribute("data-plays-cursor") || "";
  var playsEtag = null;
  var PAD = { left: 48, right: 12, top: 14, bottom: 26 };

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
  // Drawn at the figure's real pixel size (no scaling), so its labels are as large on a phone as on a
  // laptop; redrawn when that size changes. The x axis is game time when the sport's clock is known.

  function clockSeconds(clock) {
    if (!clock) return null;
    var parts = String(clock).split(":");
    var total = 0;
    for (var i = 0; i < parts.length; i++) {
      var value = parseFloat(parts[i]);
      if (isNaN(value)) return null;
      total = total * 60 + value;
    }
    return total;
  }

  // [regulation periods, seconds each, seconds of an overtime] from the page, or null: by play count.
  function timeline(points) {
    var clock = data.clock;
    var last = 0;
    points.forEach(function (p) { if (p.period) last = Math.max(last, p.period); });
    if (!clock) return null;
    var regulation = clock[0], length = clock[1], overtime = clock[2];
    var periods = Math.max(regulation, last);
    var starts = [];
    for (var n = 1; n <= periods + 1; n++) {
      starts.push(n <= regulation + 1 ? (n - 1) * length : regulation * length + (n - 1 - regulation) * overtime);
    }
    return {
      periods: periods,
      start: function (period) { return starts[period - 1]; },
      length: function (period) { return period <= regulation ? length : overtime; },
      total: starts[periods]
    };
  }

  function elapsed(line, point, index, points) {
    if (!line) return index / Math.max(points.length - 1, 1);
    if (!point.period) return 0;
    var left = clockSeconds(point.clock);
    var span = line.length(point.period);
    var inPeriod = left === null ? 0 : Math.min(Math.max(span - left, 0), span);
    return (line.start(point.period) + inPeriod) / line.total;
  }

  // The server's name of period n (1: the first), or "".
  function periodLabel(n) {
    return (data.period_labels || [])[n - 1] || "";
  }

  function drawChart(points) {
    var chart = document.getElementById("wp-chart");
    if (!chart) return;
    var W = Math.round(chart.clientWidth) || 640, H = Math.round(chart.clientHeight) || 240;
    chart.setAttribute("viewBox", "0 0 " + W + " " + H);
    Array.prototype.slice.call(chart.querySelectorAll("g.plot, defs")).forEach(function (g) { chart.removeChild(g); });
    var plot = svg("g", { "class": "plot", "aria-hidden": "true" });
    var x0 = PAD.left, x1 = W - PAD.right, y0 = PAD.top, y1 = H - PAD.bottom;
    var y = function (home) { return y0 + (1 - home) * (y1 - y0); };
    var mid = y(0.5);
    plot.appendChild(svg("rect", { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: "none", "class": "grid frame" }));
    // Which side is which: the team's colour and its abbreviation.
    plot.appendChild(svg("rect", { x: 4, y: y0, width: 10, height: 10, fill: data.home.color, "class": "swatch" }));
    plot.appendChild(svg("text", { x: 18, y: y0 + 10, "class": "team-label" }, data.home.abbreviation));
    plot.appendChild(svg("text", { x: 4, y: mid + 4 }, "50%"));
    plot.appendChild(svg("rect", { x: 4, y: y1 - 10, width: 10, height: 10, fill: data.away.color, "class": "swatch" }));
    plot.appendChild(svg("text", { x: 18, y: y1, "class": "team-label" }, data.away.abbreviation));
    var line = timeline(points);
    if (line) {
      for (var n = 1; n <= line.periods; n++) {
        var left = x0 + (line.start(n) / line.total) * (x1 - x0);
        var right = x0 + ((line.start(n) + line.length(n)) / line.total) * (x1 - x0);
        if (n > 1) plot.appendChild(svg("line", { x1: left, x2: left, y1: y0, y2: y1, "class": "grid" }));
        plot.appendChild(svg("text", { x: (left + right) / 2, y: H - 6, "text-anchor": "middle", "class": "period-label" }, periodLabel(n)));
      }
    }
    if (points.length) {
      var coords = [];
      points.forEach(function (point, i) {
        var x = x0 + elapsed(line, point, i, points) * (x1 - x0);
        coords.push(x.toFixed(1) + "," + y(point.home).toFixed(1));
      });
      if (!line) {
        var lastPeriod = null;
        points.forEach(function (point, i) {
          if (!point.period || point.period === lastPeriod) return;
          var x = parseFloat(coords[i]);
          if (lastPeriod !== null) plot.appendChild(svg("line", { x1: x, x2: x, y1: y0, y2: y1, "class": "grid" }));
          plot.appendChild(svg("text", { x: x + 3, y: H - 6, "class": "period-label" }, periodLabel(point.period)));
          lastPeriod = point.period;
        });
      }
      // The area between the line and 50%: the home team's colour above, the away team's below.
      var first = coords[0].split(","), lastX = coords[coords.length - 1].split(",")[0];
      var area = first[0] + "," + mid + " " + coords.join(" ") + " " + lastX + "," + mid;
      var defs = svg("defs", {});
      var clipHome = svg("clipPath", { id: "wp-clip-home" }), clipAway = svg("clipPath", { id: "wp-clip-away" });
      clipHome.appendChild(svg("rect", { x: x0, y: y0, width: x1 - x0, height: mid - y0 }));
      clipAway.appendChild(svg("rect", { x: x0, y: mid, width: x1 - x0, height: y1 - mid }));
      defs.appendChild(clipHome);
      defs.appendChild(clipAway);
      chart.appendChild(defs);
      plot.appendChild(svg("polygon", { points: area, fill: data.home.color, "clip-path": "url(#wp-clip-home)", "class": "area home" }));
      plot.appendChild(svg("polygon", { points: area, fill: data.away.color, "clip-path": "url(#wp-clip-away)", "class": "area away" }));
      plot.appendChild(svg("line", { x1: x0, x2: x1, y1: mid, y2: mid, "class": "mid" }));
      plot.appendChild(svg("polyline", { points: coords.join(" "), "class": "line", "data-points": String(points.length) }));
    } else {
      plot.appendChild(svg("line", { x1: x0, x2: x1, y1: mid, y2: mid, "class": "mid" }));
      plot.appendChild(svg("text", { x: (x0 + x1) / 2, y: mid - 8, "text-anchor": "middle" }, "No win probability yet"));
    }
    chart.appendChild(plot);
    var words = data.caption;
    if (words) {
      document.getElementById("wp-desc").textContent = words;
      document.getElementById("wp-caption").textContent = words;
    }
  }

  // ---------------------------------------------------------------- live updates

  function playItem(play) {
    var when = play.period_label + (play.clock ? " · " + play.clock : "");
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
      var shown = game.display[side];
      row.querySelector(".score").textContent = shown.score_text;
      var hasBall = shown.has_ball;
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
    var marker = game.display.marker;
    var children = [];
    if (marker) children.push(el("strong", { "class": "marker marker-" + phase }, [marker]), " ");
    if (phase === "scheduled") {
      // As the page first drew it: the kickoff in the viewer's time zone, not ESPN's Eastern wording.
      var kickoff = el("time", { datetime: game.kickoff, "data-localtime": "datetime" },
        [game.kickoff.slice(0, 10) + " " + game.kickoff.slice(11, 16) + " UTC"]);
      children.push(el("span", { "class": "detail" }, ["Kickoff ", kickoff]));
    } else {
      children.push(el("span", { "class": "detail" }, [game.display.full_detail]));
    }
    status.replaceChildren.apply(status, children);
    if (window.Scores && window.Scores.localizeTimes) window.Scores.localizeTimes(status);
    root.className = "game-detail phase-" + phase;
    root.setAttribute("data-phase", phase);
  }

  function updateLinescore(game) {
    var rows = document.querySelectorAll("#linescore tbody tr");
    var head = document.querySelector("#linescore thead tr");
    var labels = game.display.period_labels;
    if (!labels) return;  // a game cached by a server from before the labels were sent: the next poll has them
    var headings = labels.map(function (label) { return el("th", { scope: "col" }, [label]); });
    head.replaceChildren.apply(head, [el("th", { scope: "col" }, ["Team"])].concat(headings, [el("th", { scope: "col" }, ["Total"])]));
    ["away", "home"].forEach(function (side, index) {
      var row = rows[index];
      if (!row) return;
      var cells = [el("th", { scope: "row" }, [game[side].abbreviation])];
      for (var i = 0; i < labels.length; i++) {
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
      if (game.display[side].has_ball) {
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
    data.win_probability = game.win_probability;
    data.caption = game.win_probability_chart.caption;
    data.period_labels = game.win_probability_chart.period_labels;
    drawChart(game.win_probability);
  }

  function addPoints(page) {
    // A pushed page of plays brings their win-probability points, with the chart's caption and period
    // names after them: the chart moves with the plays, not only with the next poll.
    var chart = page.win_probability_chart;
    if (!chart || !page.win_probability || !page.win_probability.length) return;
    var known = {};
    data.win_probability.forEach(function (point) { known[point.play_id] = true; });
    var fresh = page.win_probability.filter(function (point) { return !known[point.play_id]; });
    if (!fresh.length) return;  // a snapshot repeats points the page has
    data.win_probability = data.win_probability.concat(fresh);
    data.caption = chart.caption;
    data.period_labels = chart.period_labels;
    drawChart(data.win_probability);
  }

  var timer = null;
  function schedule() {
    clearTimeout(timer);
    if (root.getAttribute("data-phase") !== "live") return;
    timer = setTimeout(poll, document.hidden ? 60000 : 15000);
  }

  function addPlays(page) {
    // Only plays after the last one shown: a stream's snapshot repeats the latest 50.
    var shown = playsCursor === "" ? -1 : Number(playsCursor);
    var fresh = page.plays.filter(function (play) { return play.sequence > shown; });
    if (!fresh.length) return;
    playsCursor = String(fresh[fresh.length - 1].sequence);
    page = { plays: fresh };
    var list = document.getElementById("plays");
    var empty = list.querySelector("li.empty");
    if (empty) list.removeChild(empty);
    page.plays.forEach(function (play) { list.insertBefore(playItem(play), list.firstChild); });  // newest first
    updatePlaysToggle();
    addScoringPlays(fresh);
  }

  function addScoringPlays(plays) {
    // The scoring plays (game order) grow with the pushed plays, not only with the next poll.
    var scoring = plays.filter(function (play) { return play.scoring_play; });
    if (!scoring.length) return;
    var list = document.getElementById("scoring-plays");
    var empty = list.querySelector("li.empty");
    if (empty) list.removeChild(empty);
    scoring.forEach(function (play) {
      if (!list.querySelector('[data-play-id="' + play.id + '"]')) list.appendChild(playItem(play));
    });
  }

  var streamUp = false;
  function pollPlays() {
    if (streamUp) return Promise.resolve();  // pushed by the game's stream
    var url = playsUrl + "?limit=500" + (playsCursor !== "" ? "&after_seq=" + encodeURIComponent(playsCursor) : "");
    var headers = playsEtag ? { "If-None-Match": playsEtag } : {};
    return fetch(url, { headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 304 || !response.ok) return null;
        playsEtag = response.headers.get("ETag");
        return response.json();
      })
      .then(function (page) {
        if (!page) return;
        addPlays(page);
        if (page.cursor !== null) playsCursor = String(page.cursor);
        if (page.has_more) return pollPlays();
      });
  }

  function poll() {
    var state = fetch(apiUrl + "?plays=0", { cache: "no-store", credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (game) { if (game) apply(game); });
    Promise.all([state, pollPlays()])
      .catch(function () { /* the next poll tries again */ })
      .then(schedule);
  }

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && root.getAttribute("data-phase") === "live") { clearTimeout(timer); poll(); }
  });
  window.Scores = window.Scores || {};
  window.Scores.pollGameNow = poll;
  drawChart(data.win_probability || []);
  var resizeTimer = null;
  window.addEventListener("resize", function () {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(function () { drawChart(data.win_probability || []); }, 100);
  });
  updatePlaysToggle();
  schedule();

  // Score, status, line score, situation, new plays, scoring plays and chart points pushed by the game's
  // stream as soon as the server has them; the polls above still bring corrections.
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
        snapshot: function (doc) { pushed([doc.game]); addPlays(doc); addPoints(doc); },
        plays: function (page) { addPlays(page); addPoints(page); },
        game: function (game) { pushed([game]); }
      },
      up: function () { streamUp = true; },
      down: function () { streamUp = false; }
    });
  }
})();
