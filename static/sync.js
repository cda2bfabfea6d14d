// StockBridge sync pages: live progress over Server-Sent Events and the requests/pushes chart.
// The pages render the latest snapshots server-side; this file only keeps them current.
(function () {
  "use strict";

  var FIELDS = ["pushed", "skipped", "failed", "planned", "requests", "message"];

  // Fill one progress block from a progress message.
  function fill(block, p) {
    block.setAttribute("data-status", p.status);
    block.querySelectorAll("[data-field]").forEach(function (el) {
      var name = el.getAttribute("data-field");
      if (name === "percent") {
        el.textContent = p.percent + " %";
      } else if (name === "status") {
        el.textContent = p.status.toLowerCase();
        el.className = "badge run-status run-" + p.status.toLowerCase();
      } else if (FIELDS.indexOf(name) >= 0 && p[name] !== undefined) {
        el.textContent = p[name];
      }
    });
    var bar = block.querySelector(".bar");
    if (bar) {
      bar.setAttribute("aria-valuenow", p.percent);
    }
    var fillEl = block.querySelector(".bar-fill");
    if (fillEl) {
      fillEl.style.width = p.percent + "%";
    }
  }

  // A new block for a run the page has not shown yet (overview only).
  function addBlock(p) {
    var list = document.querySelector("[data-sync-list]");
    var template = document.getElementById("run-progress-template");
    if (!list || !template) {
      return null;
    }
    var block = template.content.firstElementChild.cloneNode(true);
    block.setAttribute("data-run-progress", p.run_id);
    var head = block.querySelector(".run-progress-head");
    var link = head.querySelector("a");
    link.href = "/sync/runs/" + p.run_id;
    link.textContent = "Run #" + p.run_id;
    head.querySelector(".muted").textContent = p.trigger + " · " + p.scope;
    block.querySelector(".bar").setAttribute("aria-label", "Run #" + p.run_id + " progress");
    list.insertBefore(block, list.querySelector(".live-empty"));
    list.querySelector(".live-empty").hidden = true;
    return block;
  }

  var ROW_COUNTERS = ["planned", "pushed", "skipped", "failed", "requests"];

  // Keep the run's row in the recent-runs table current too: status and counters.
  function fillRow(p) {
    var row = document.querySelector("[data-run-row='" + p.run_id + "']");
    if (!row) {
      return;
    }
    var badge = row.querySelector(".run-status");
    if (badge) {
      badge.textContent = p.status.toLowerCase();
      badge.className = "badge run-status run-" + p.status.toLowerCase();
    }
    ROW_COUNTERS.forEach(function (name) {
      var cell = row.querySelector("[data-field='" + name + "'] .num");
      if (cell && typeof p[name] === "number") {
        cell.textContent = p[name].toLocaleString("en-US");
      }
    });
  }

  function onProgress(event) {
    var p = JSON.parse(event.data);
    var blocks = document.querySelectorAll("[data-run-progress='" + p.run_id + "']");
    if (blocks.length === 0) {
      var added = addBlock(p);
      blocks = added ? [added] : [];
    }
    blocks.forEach(function (block) { fill(block, p); });
    fillRow(p);
  }

  function listen() {
    if (!document.querySelector("[data-sync-live]") || !window.EventSource) {
      return;
    }
    var source = new EventSource("/api/sync/events");
    source.addEventListener("progress", onProgress);
    window.addEventListener("pagehide", function () { source.close(); });
  }

  function drawChart() {
    var canvas = document.getElementById("sync-chart");
    if (!canvas || !window.Chart) {
      return;
    }
    var points = JSON.parse(canvas.getAttribute("data-points") || "[]");
    var style = getComputedStyle(document.documentElement);
    new window.Chart(canvas, {
      type: "bar",
      data: {
        labels: points.map(function (p) { return p.label; }),
        datasets: [
          { label: "Requests", data: points.map(function (p) { return p.requests; }),
            backgroundColor: style.getPropertyValue("--accent").trim() || "#1f6feb" },
          { label: "Listings pushed", data: points.map(function (p) { return p.pushed; }),
            backgroundColor: style.getPropertyValue("--ok").trim() || "#1a7f37" }
        ]
      },
      options: {
        maintainAspectRatio: false,
        animation: false,
        scales: { y: { beginAtZero: true, ticks: { precision: 0 } } },
        plugins: { legend: { position: "bottom" } }
      }
    });
  }

  function start() {
    listen();
    drawChart();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
