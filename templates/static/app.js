// The pages' only script, served from /assets/app.js (the Content-Security-Policy allows no inline script).
// Every page works without it; it only saves a round trip or some typing.
(function () {
  "use strict";

  // Upload: storage answers a refused file with its own error page (S3: XML), so say what is wrong first.
  var form = document.getElementById("upload-form");
  if (form) {
    var input = document.getElementById("file"), out = document.getElementById("file-error");
    var max = +form.dataset.maxBytes, maxMb = form.dataset.maxMb;
    var refuse = {".xls": "请上传.xlsx格式的文件：旧版.xls文件请在Excel中“另存为”Excel工作簿（*.xlsx）格式",
                  ".xlsm": "请上传不含宏的.xlsx文件：请在Excel中“另存为”Excel工作簿（*.xlsx）格式",
                  ".csv": "不接受CSV文件（会丢失证件号码和日期格式），请下载模板填写后以.xlsx格式上传"};
    form.addEventListener("submit", function (e) {
      var f = input.files[0], name = f ? f.name.toLowerCase() : "", why = "";
      if (!f) why = "请选择要上传的文件";
      else if (f.size > max) why = "文件大小超过" + maxMb + "MB上限，请删除多余的工作表、图片和空行后重新上传";
      else if (!/\.xlsx$/.test(name)) why = refuse[name.slice(name.lastIndexOf("."))] || "只接受.xlsx格式的Excel文件，请下载模板填写后上传";
      if (why) { e.preventDefault(); out.textContent = why; out.hidden = false; input.focus(); return; }
      sendWithProgress(e, f);
    });
  }

  // Upload: the bytes sent, shown while the file goes to storage; the button is disabled so that a second tap
  // cannot start a second upload. Storage redirects to the result page, which the script opens once all is sent.
  function sendWithProgress(e, file) {
    var button = document.getElementById("upload-button"), box = document.getElementById("send-progress");
    var bar = document.getElementById("send-bar"), percent = document.getElementById("send-percent");
    button.disabled = true;
    button.textContent = "正在上传……";
    if (!window.FormData || !window.XMLHttpRequest) return;  // the plain form post still works
    e.preventDefault();
    var xhr = new XMLHttpRequest(), sent = false;
    box.hidden = false;
    xhr.upload.addEventListener("progress", function (p) {
      if (!p.lengthComputable) return;
      var n = Math.round(p.loaded * 100 / p.total);
      bar.value = n; percent.textContent = n + "%";
    });
    xhr.upload.addEventListener("load", function () { sent = true; percent.textContent = "100%，等待检查"; });
    function done() { window.location.assign(form.dataset.next); }
    xhr.addEventListener("load", done);
    // storage's redirect to this site is not readable cross-origin: a file sent in full still counts as sent
    xhr.addEventListener("error", function () {
      if (sent) { done(); return; }
      out.textContent = "上传中断，请检查网络后重试";
      out.hidden = false;
      box.hidden = true;
      button.disabled = false;
      button.textContent = "上传并检查";
    });
    xhr.open("POST", form.action);
    xhr.send(new FormData(form));
  }

  // Upload result: the import's progress, polled as JSON; the finished result replaces the page.
  var progress = document.getElementById("upload-progress");
  if (progress && progress.dataset.poll) {
    var poll = function () {
      var xhr = new XMLHttpRequest();
      xhr.open("GET", progress.dataset.poll);
      xhr.setRequestHeader("Accept", "application/json");
      xhr.addEventListener("load", function () {
        var state;
        try { state = JSON.parse(xhr.responseText); } catch (ignored) { state = null; }
        if (!state || xhr.status !== 200) { window.setTimeout(poll, 3000); return; }
        if (state.status === "done" || state.status === "failed") { window.location.reload(); return; }
        var bar = document.getElementById("import-bar"), rows = document.getElementById("rows-done");
        if (state.rows_total) { bar.max = state.rows_total; bar.value = state.rows_done; }
        if (rows) rows.textContent = state.rows_done;
        window.setTimeout(poll, 1000);
      });
      xhr.addEventListener("error", function () { window.setTimeout(poll, 3000); });
      xhr.send();
    };
    window.setTimeout(poll, 1000);
  }

  // The error summary takes the focus, so that a screen reader reads it and the keyboard starts there.
  var summary = document.getElementById("error-summary");
  if (summary) { summary.setAttribute("tabindex", "-1"); summary.focus(); }

  // A number field keeps its value when the mouse wheel scrolls the page over it.
  document.addEventListener("wheel", function (e) {
    var t = e.target;
    if (t && t.type === "number" && t === document.activeElement) t.blur();
  }, { passive: true });

  // Review: a stock reason fills the reason box, to be edited.
  var stock = document.getElementById("reason-template");
  if (stock) {
    stock.addEventListener("change", function () {
      if (stock.value) document.getElementById("reason").value = stock.value;
    });
  }
})();
