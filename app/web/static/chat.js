// Demo chat widget: sends without a page reload and polls the transcript, so agent replies appear live.
// All text is set with textContent: nothing the customer or an agent wrote is ever parsed as HTML.
"use strict";

(function () {
  var POLL_MS = 1500;
  var chat, log, state, form, input, problem, shown = [], first = true;

  function key(bubble) { return bubble.kind + "|" + bubble.at + "|" + bubble.text; }

  function bubbleElement(bubble) {
    var item = document.createElement("li");
    item.className = "bubble " + bubble.kind;
    var who = document.createElement("span");
    who.className = "who";
    who.textContent = bubble.who;
    item.appendChild(who);
    item.appendChild(document.createTextNode(bubble.text));
    return item;
  }

  function render(data) {
    var keys = data.bubbles.map(key);
    var prefix = shown.length <= keys.length && shown.every(function (k, i) { return k === keys[i]; });
    if (first || !prefix) { log.replaceChildren(); shown = []; first = false; }
    data.bubbles.slice(shown.length).forEach(function (bubble) { log.appendChild(bubbleElement(bubble)); });
    if (keys.length !== shown.length) { log.scrollTop = log.scrollHeight; }
    shown = keys;
    var code = state.querySelector("code");
    state.replaceChildren("Conversation ", code || "", " · " + data.status.replace("_", " "));
    if (data.case_number && data.case_url) {  // the case in the sandbox agent console
      var link = document.createElement("a");
      link.href = data.case_url;
      link.textContent = data.case_number;
      state.append(" · case ", link);
    }
  }

  function poll() {
    fetch(chat.dataset.transcriptUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) { if (data) { render(data); } })
      .catch(function () { /* try again at the next tick */ })
      .finally(function () { window.setTimeout(poll, POLL_MS); });
  }

  function send(event) {
    event.preventDefault();
    var body = new FormData(form, event.submitter);
    var buttons = form.querySelectorAll("button");
    buttons.forEach(function (b) { b.disabled = true; });
    // form.getAttribute("action"), not form.action: the buttons named "action" shadow that property.
    var options = { method: "POST", body: body, credentials: "same-origin", headers: { "Accept": "application/json" } };
    fetch(form.getAttribute("action"), options)
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (data) { input.value = ""; problem.textContent = ""; render(data); })
      .catch(function (error) { problem.textContent = "Not sent (" + error.message + "): try again."; })
      .finally(function () { buttons.forEach(function (b) { b.disabled = false; }); input.focus(); });
  }

  document.addEventListener("DOMContentLoaded", function () {
    chat = document.getElementById("chat");
    if (!chat) { return; }
    log = document.getElementById("chat-log");
    state = document.getElementById("chat-state");
    form = document.getElementById("chat-form");
    input = document.getElementById("chat-text");
    problem = document.getElementById("chat-problem");
    form.addEventListener("submit", send);
    log.scrollTop = log.scrollHeight;
    poll();
  });
})();
