// An export's page (templates/export.html): how far the export got, asked every few seconds, without reloading
// the page; the page reloads itself once the file is ready or the export failed. Without script the page
// offers a plain link to reload.
(function () {
  "use strict";
  var box = document.getElementById("export-progress");
  if (!box || !window.fetch) return;
  var rows = document.getElementById("export-rows"), label = document.getElementById("export-label");
  function fmt(n) { return n.toLocaleString("zh-CN"); }
  function poll() {
    fetch(box.dataset.progressUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (e) {
        if (!e) return setTimeout(poll, 10000);
        if (e.status === "done" || e.status === "failed") return window.location.reload();
        label.textContent = e.label;
        if (e.rows || e.expected_rows) {
          rows.textContent = "已写入 " + fmt(e.rows) + (e.expected_rows ? " / " + fmt(e.expected_rows) + " 行（" + e.percent + "%）" : " 行");
        }
        var bar = document.getElementById("export-bar");
        if (bar && e.percent !== null) bar.value = e.percent;
        setTimeout(poll, 2000);
      })
      .catch(function () { setTimeout(poll, 10000); });
  }
  setTimeout(poll, 1000);
})();
