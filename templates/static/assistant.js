// The 填报助手 page (/assistant) without reloads: the form's POST is sent by fetch, the redirect followed, and
// the chat redrawn from the page it returns. Without this script the page works as a plain form.
(function () {
  "use strict";
  var sending = false;

  function redraw(html) {
    var next = new DOMParser().parseFromString(html, "text/html").getElementById("assistant");
    var here = document.getElementById("assistant");
    if (!next || !here) { window.location.reload(); return; }
    here.replaceWith(next);
    var latest = document.getElementById("latest");
    if (latest) latest.scrollIntoView({block: "end"});
    var input = document.getElementById("text");
    if (input) input.focus();
  }

  document.addEventListener("submit", function (e) {
    var form = e.target;
    if (form.id !== "assistant-form" || !window.fetch) return;
    e.preventDefault();
    if (sending) return;
    var data = new URLSearchParams(new FormData(form)), button = e.submitter;
    if (button && button.name) data.set(button.name, button.value);  // a quick reply
    sending = true;
    fetch(form.action, {method: "POST", body: data, credentials: "same-origin"})
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.text(); })
      .then(redraw)
      .catch(function () {  // post it the plain way (the quick reply as a field: submit() sends no button)
        if (button && button.name) {
          var field = document.createElement("input");
          field.type = "hidden"; field.name = button.name; field.value = button.value;
          form.appendChild(field);
        }
        form.submit();
      })
      .then(function () { sending = false; });
  });

  var latest = document.getElementById("latest");
  if (latest) latest.scrollIntoView({block: "end"});
})();
