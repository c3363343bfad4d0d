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
      if (why) { e.preventDefault(); out.textContent = why; out.hidden = false; }
    });
  }

  // Review: a stock reason fills the reason box, to be edited.
  var stock = document.getElementById("reason-template");
  if (stock) {
    stock.addEventListener("change", function () {
      if (stock.value) document.getElementById("reason").value = stock.value;
    });
  }
})();
