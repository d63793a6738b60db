// Casebridge console: small progressive enhancements. Every page works without this file.
"use strict";

function setStatus(element, text) {
  if (element) { element.textContent = text; }
}

function setupCopyButtons() {
  document.querySelectorAll("button[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var input = document.getElementById(button.dataset.copy);
      var status = document.getElementById(button.dataset.copy + "-status");
      if (!input) { return; }
      input.select();
      var done = function () { setStatus(status, "Copied to the clipboard."); };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          setStatus(status, "Select the URL and copy it with Ctrl+C.");
        });
      } else {
        try { document.execCommand("copy"); done(); } catch (e) { setStatus(status, "Select the URL and copy it with Ctrl+C."); }
      }
    });
  });
}

function fillDatalist(name, items) {
  var list = document.getElementById(name + "-options");
  if (!list || !items) { return; }
  var counts = {};
  items.forEach(function (item) { var k = item.name.toLowerCase(); counts[k] = (counts[k] || 0) + 1; });
  list.replaceChildren();
  items.forEach(function (item) {
    var option = document.createElement("option");
    var unique = counts[item.name.toLowerCase()] === 1;
    option.value = unique ? item.name : item.id;
    option.textContent = [unique ? "" : item.name, item.detail, item.id].filter(Boolean).join(" · ");
    list.appendChild(option);
  });
}

function setupLoadNames() {
  var button = document.getElementById("load-names");
  var form = document.getElementById("settings-form");
  if (!button || !form) { return; }
  var status = document.getElementById("lists-status");
  button.addEventListener("click", function () {
    setStatus(status, "Reading owners, groups and statuses from Creatio…");
    fetch(button.dataset.url, { method: "POST", body: new FormData(form), credentials: "same-origin" })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.lists) { setStatus(status, "Names could not be read: " + data.problem); return; }
        fillDatalist("default_owner", data.lists.owners);
        fillDatalist("default_group", data.lists.groups);
        fillDatalist("resolved_status", data.lists.statuses);
        setStatus(status, "Loaded " + data.lists.owners.length + " owners, " + data.lists.groups.length +
          " groups and " + data.lists.statuses.length + " statuses: type a name to pick one.");
      })
      .catch(function () { setStatus(status, "Names could not be read: the request failed."); });
  });
}

function setupLengthLimits() {
  // Checked before sending: a transcript over the limit stays in the box with the reason beside it.
  document.querySelectorAll("textarea[data-max-chars]").forEach(function (box) {
    var limit = Number(box.dataset.maxChars);
    var message = document.getElementById(box.id + "-too-long");
    box.form.addEventListener("submit", function (event) {
      if (box.value.length <= limit) { return; }
      event.preventDefault();
      if (message) {
        message.textContent = "The transcript has " + box.value.length.toLocaleString("en") +
          " characters; the preview reads at most " + limit.toLocaleString("en") +
          ". Shorten it (the part about the customer's request is enough).";
        message.hidden = false;
      }
      box.setAttribute("aria-invalid", "true");
      box.focus();
    });
    box.addEventListener("input", function () {
      if (box.value.length <= limit && message) { message.hidden = true; box.removeAttribute("aria-invalid"); }
    });
  });
}

var GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function setupGuidEcho() {
  // A name picked from the list shows the GUID it stands for (each option's label ends with it).
  ["default_owner", "default_group", "resolved_status"].forEach(function (name) {
    var input = document.getElementById(name);
    var shown = document.getElementById(name + "-guid");
    if (!input || !shown) { return; }
    input.addEventListener("input", function () {
      var value = input.value.trim();
      var guid = GUID.test(value) ? value : "";
      document.querySelectorAll("#" + name + "-options option").forEach(function (option) {
        if (!guid && option.value.toLowerCase() === value.toLowerCase()) {
          guid = option.textContent.split(" · ").pop();
        }
      });
      if (!guid) { shown.replaceChildren(); return; }
      var code = document.createElement("code");
      code.textContent = guid;
      shown.replaceChildren("GUID: ", code);
    });
  });
}

function focusReport() {
  var report = document.getElementById("report") || document.getElementById("self-test") ||
    document.getElementById("self-test-confirm");
  if (report) { report.focus(); }
}

document.addEventListener("DOMContentLoaded", function () {
  setupCopyButtons();
  setupLoadNames();
  setupLengthLimits();
  setupGuidEcho();
  focusReport();
});
