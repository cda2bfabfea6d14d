// Product editing: checks before sending (the server checks again), image preview, saving through
// the JSON API with the CSRF header, and the catalogue's quick-edit dialog that updates its row.
(function () {
  "use strict";

  var SKU = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
  var MAX_IMAGE_BYTES = 5 * 1024 * 1024;
  var IMAGE_TYPES = ["image/jpeg", "image/png", "image/webp"];

  function csrfToken() {
    var meta = document.querySelector("meta[name='csrf-token']");
    return meta ? meta.getAttribute("content") : "";
  }

  function eanOk(code) {
    if (!/^(\d{8}|\d{12}|\d{13})$/.test(code)) { return false; }
    var digits = code.split("").map(Number);
    var check = digits.pop();
    var total = 0;
    digits.reverse().forEach(function (digit, index) { total += digit * (index % 2 === 0 ? 3 : 1); });
    return (10 - total % 10) % 10 === check;
  }

  // The first problem with the form's values as [field, message], or null.
  function firstProblem(form) {
    var name = form.elements.name.value.trim();
    var ean = form.elements.ean.value.trim();
    var image = form.elements.image.files[0];
    if (!name) { return ["name", "Name must not be empty."]; }
    if (name.length > 255) { return ["name", "Name is longer than 255 characters."]; }
    if (!SKU.test(form.elements.sku.value.trim())) {
      return ["sku", "SKU must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit."];
    }
    if (ean && !eanOk(ean)) { return ["ean", "EAN must be 8, 12 or 13 digits with a valid check digit."]; }
    try {
      var attributes = JSON.parse(form.elements.attributes.value || "{}");
      if (attributes === null || typeof attributes !== "object" || Array.isArray(attributes)) { throw new Error(); }
    } catch (error) {
      return ["attributes", "Attributes must be a JSON object."];
    }
    if (image && IMAGE_TYPES.indexOf(image.type) < 0) { return ["image", "Image must be a JPEG, PNG or WebP picture."]; }
    if (image && image.size > MAX_IMAGE_BYTES) { return ["image", "Image is larger than 5 MB."]; }
    return null;
  }

  function showError(form, field, message) {
    var box = form.querySelector("[data-form-error]");
    form.querySelectorAll("[aria-invalid]").forEach(function (node) { node.removeAttribute("aria-invalid"); });
    box.textContent = "";
    if (!message) { box.hidden = true; return; }
    var strong = document.createElement("strong");
    strong.textContent = "Not saved.";
    box.appendChild(strong);
    box.appendChild(document.createTextNode(" " + message));
    box.hidden = false;
    var input = field && form.elements[field];
    if (input && input.focus) {
      input.setAttribute("aria-invalid", "true");
      input.focus();
    }
  }

  function previewImage(form) {
    var input = form.elements.image;
    var preview = form.querySelector("[data-image-preview]");
    input.addEventListener("change", function () {
      var file = input.files[0];
      if (!file || IMAGE_TYPES.indexOf(file.type) < 0) { return; }
      if (preview.src.indexOf("blob:") === 0) { URL.revokeObjectURL(preview.src); }
      preview.src = URL.createObjectURL(file);
      preview.hidden = false;
    });
  }

  function save(form) {
    return window.fetch(form.getAttribute("data-api"), {
      method: "PATCH",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "X-CSRF-Token": csrfToken(), "Accept": "application/json" },
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    });
  }

  // Check, send, then hand the saved product to `done`; show the refusal otherwise.
  function enhanceForm(form, done) {
    previewImage(form);
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var problem = firstProblem(form);
      if (problem) { showError(form, problem[0], problem[1]); return; }
      var button = form.querySelector("button[type='submit']");
      button.disabled = true;
      save(form).then(function (answer) {
        button.disabled = false;
        if (answer.ok) { showError(form, null, null); done(answer.body); return; }
        showError(form, answer.body.field, answer.body.detail || "The server refused the change.");
      }).catch(function () {
        button.disabled = false;
        showError(form, null, "The server could not be reached; nothing was saved.");
      });
    });
  }

  function productPath(sku) { return "/products/" + encodeURIComponent(sku); }

  function updateCard(row, product) {
    var link = productPath(product.sku);
    row.setAttribute("data-sku", product.sku);
    row.querySelector("[data-cell='sku']").textContent = product.sku;
    row.querySelector("[data-cell='name']").textContent = product.name;
    row.querySelector("[data-cell='ean']").textContent = product.ean || "\u2014";
    row.querySelectorAll("a[data-cell]").forEach(function (a) { a.href = link; });
    row.querySelector("[data-edit-product]").href = link + "/edit";
    var badge = document.createElement("span");
    badge.className = "badge " + (product.is_sync_enabled ? "badge-on" : "badge-off");
    badge.textContent = product.is_sync_enabled ? "Sync on" : "Sync off";
    row.querySelector("[data-cell='sync']").replaceChildren(badge);
    var cell = row.querySelector("[data-cell='image']");
    cell.replaceChildren();
    if (product.thumbnail_url) {
      var image = document.createElement("img");
      image.src = product.thumbnail_url;
      image.alt = "";
      cell.appendChild(image);
    }
  }

  function openDialog(dialog, row, url) {
    var body = dialog.querySelector("[data-dialog-body]");
    window.fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.text();
      })
      .then(function (html) {
        body.innerHTML = html;
        var form = body.querySelector("form[data-product-edit]");
        form.querySelector("[data-cancel]").addEventListener("click", function (event) {
          event.preventDefault();
          dialog.close();
        });
        enhanceForm(form, function (product) {
          updateCard(row, product);
          dialog.close();
        });
        dialog.showModal();
        form.elements.name.focus();
      })
      .catch(function () { window.location.href = url.replace(/^\/api/, ""); });
  }

  function start() {
    var dialog = document.getElementById("edit-dialog");
    if (dialog && dialog.showModal) {
      document.querySelectorAll("[data-edit-product]").forEach(function (link) {
        link.addEventListener("click", function (event) {
          event.preventDefault();
          var row = link.closest("[data-product-card]");
          openDialog(dialog, row, "/api" + productPath(row.getAttribute("data-sku")) + "/edit");
        });
      });
      return;
    }
    var form = document.querySelector("form[data-product-edit]");
    if (form) {
      enhanceForm(form, function (product) { window.location.href = productPath(product.sku); });
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
