// StockBridge dashboard: small progressive enhancements. Every page works without this file.
(function () {
  "use strict";

  // Ask before submitting forms that overwrite data (e.g. the stock adjustment).
  function confirmForms() {
    document.querySelectorAll("form[data-confirm]").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        if (!window.confirm(form.getAttribute("data-confirm"))) {
          event.preventDefault();
          event.stopImmediatePropagation();
        }
      });
    });
  }

  // Stop double submits: disable the button once a form is on its way (not when a script took the
  // submit over, e.g. the product edit form that saves through the API).
  function guardDoubleSubmit() {
    document.querySelectorAll("form[method='post']").forEach(function (form) {
      form.addEventListener("submit", function (event) {
        window.setTimeout(function () {
          if (event.defaultPrevented) { return; }
          form.querySelectorAll("button[type='submit']").forEach(function (button) {
            button.disabled = true;
          });
        }, 0);
      });
    });
    // Coming back through the history cache must not leave buttons disabled.
    window.addEventListener("pageshow", function () {
      document.querySelectorAll("form[method='post'] button[type='submit']").forEach(function (button) {
        button.disabled = false;
      });
    });
  }

  // Bring the first refused field (or the refused form) into view and focus it.
  function focusFirstError() {
    var field = document.querySelector("[aria-invalid='true']");
    var alert = document.querySelector(".form-error");
    var target = field || (alert && alert.closest("form") && alert.closest("form").querySelector("input:not([type='hidden']), select"));
    if (target) {
      target.scrollIntoView({ block: "center" });
      target.focus({ preventScroll: true });
      if (target.select && target.tagName === "INPUT") { target.select(); }
    }
  }

  // Filters: changing a select submits its form; "/" jumps to the search box.
  function enhanceFilters() {
    document.querySelectorAll("form[data-filter-form] select[data-autosubmit]").forEach(function (select) {
      select.addEventListener("change", function () { select.form.submit(); });
    });
    var search = document.querySelector("[data-search]");
    if (!search) { return; }
    document.addEventListener("keydown", function (event) {
      var tag = (event.target && event.target.tagName) || "";
      if (event.key === "/" && !/^(INPUT|SELECT|TEXTAREA)$/.test(tag) && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        search.focus();
        search.select();
      }
    });
  }

  // Show times in the browser's own time zone (the server renders UTC).
  function localTimes() {
    var format = new Intl.DateTimeFormat(undefined, {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    });
    document.querySelectorAll("time[datetime]").forEach(function (node) {
      var moment = new Date(node.getAttribute("datetime"));
      if (!isNaN(moment.getTime())) { node.textContent = format.format(moment); }
    });
  }

  // Flash messages can be dismissed.
  function dismissibleFlash() {
    document.querySelectorAll("[data-flash]").forEach(function (notice) {
      var close = notice.querySelector(".notice-close");
      if (!close) { return; }
      close.hidden = false;
      close.addEventListener("click", function () { notice.remove(); });
    });
  }

  // While Allegro waits for the seller, ask the API every `interval` seconds; reload when done.
  function pollPendingConnection() {
    var box = document.querySelector("[data-poll-url]");
    var meta = document.querySelector("meta[name='csrf-token']");
    if (!box || !meta || !window.fetch) { return; }
    var every = Math.max(1, parseInt(box.getAttribute("data-poll-interval"), 10) || 5) * 1000;
    function poll() {
      window.fetch(box.getAttribute("data-poll-url"), {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRF-Token": meta.getAttribute("content"), "Accept": "application/json" }
      }).then(function (response) {
        return response.json().then(function (body) { return { ok: response.ok, body: body }; });
      }).then(function (answer) {
        if (!answer.ok || answer.body.status === "connected") {
          window.location.reload();
        } else {
          window.setTimeout(poll, every);
        }
      }).catch(function () { window.setTimeout(poll, every * 2); });
    }
    window.setTimeout(poll, every);
  }

  function start() {
    pollPendingConnection();
    confirmForms();
    guardDoubleSubmit();
    focusFirstError();
    enhanceFilters();
    localTimes();
    dismissibleFlash();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
