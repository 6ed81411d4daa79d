/* Live results without reloading: the board (data-live="board") and the hall's big screen
   (data-live="screen") fetch the JSON named by data-source every data-interval ms and redraw their rows
   in place; the screen also refreshes its figures ([data-count]). Polling pauses while the tab is
   hidden and resumes, with an immediate refresh, when it is shown again.
   An external file using fetch() to the same origin only: fits `script-src 'self'; connect-src 'self'`.
   Values are written with textContent, never as HTML. */
(function () {
  "use strict";

  var root = document.querySelector("[data-live]");
  if (!root || !window.fetch) {
    return;
  }
  var mode = root.getAttribute("data-live");
  var source = root.getAttribute("data-source");
  var interval = parseInt(root.getAttribute("data-interval"), 10) || (mode === "screen" ? 10000 : 5000);
  var rows = root.querySelector("[data-rows]");
  var rowTemplate = root.querySelector("template[data-row-template]");
  var emptyTemplate = root.querySelector("template[data-empty-template]");
  var updated = root.querySelector("[data-updated]");
  var timer = null;
  var inFlight = false;

  function shownKeys() {
    var keys = {};
    rows.querySelectorAll("[data-key]").forEach(function (el) {
      keys[el.getAttribute("data-key")] = true;
    });
    return keys;
  }

  function buildRow(row, fresh) {
    var el = rowTemplate.content.firstElementChild.cloneNode(true);
    el.setAttribute("data-key", String(row.key));
    el.querySelectorAll("[data-field]").forEach(function (cell) {
      var value = row[cell.getAttribute("data-field")];
      cell.textContent = value === undefined || value === null ? "" : String(value);
    });
    if (fresh) {
      el.classList.add("live-fresh");
    }
    return el;
  }

  /* The screen's list scrolls when it is taller than its box: a second, hidden copy of the rows
     follows the first so the CSS animation (translateY 0 → -50%) loops without a jump. */
  function ticker() {
    var box = rows.parentElement;
    rows.classList.remove("scrolling");
    rows.querySelectorAll(".live-clone").forEach(function (el) {
      el.remove();
    });
    if (rows.scrollHeight <= box.clientHeight + 1) {
      return;
    }
    Array.prototype.slice.call(rows.children).forEach(function (el) {
      var copy = el.cloneNode(true);
      copy.setAttribute("aria-hidden", "true");
      copy.classList.add("live-clone");
      copy.classList.remove("live-fresh");
      rows.appendChild(copy);
    });
    rows.classList.add("scrolling");
  }

  function renderRows(data) {
    var before = shownKeys();
    var fragment = document.createDocumentFragment();
    data.forEach(function (row) {
      fragment.appendChild(buildRow(row, !before[String(row.key)]));
    });
    if (!data.length && emptyTemplate) {
      fragment.appendChild(emptyTemplate.content.firstElementChild.cloneNode(true));
    }
    rows.replaceChildren(fragment);
    if (mode === "screen") {
      ticker();
    }
  }

  function renderCounts(data) {
    root.querySelectorAll("[data-count]").forEach(function (el) {
      var value = data[el.getAttribute("data-count")];
      if (value !== undefined && value !== null) {
        el.textContent = String(value);
      }
    });
  }

  function refresh() {
    if (inFlight) {
      return;
    }
    inFlight = true;
    fetch(source, { headers: { Accept: "application/json" }, cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (data) {
        renderRows(data.rows || []);
        renderCounts(data);
        if (updated && data.updated_at) {
          updated.textContent = data.updated_at;
        }
        root.classList.remove("live-stale");
      })
      .catch(function () {
        root.classList.add("live-stale"); /* screen.css says so on the page; the next tick retries */
      })
      .then(function () {
        inFlight = false;
      });
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  function start() {
    stop();
    timer = window.setInterval(refresh, interval);
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      stop();
    } else {
      refresh();
      start();
    }
  });
  if (mode === "screen") {
    ticker();
    window.addEventListener("resize", ticker);
  }
  if (!document.hidden) {
    start();
  }
})();
