// The filing forms' script (表二/表三 rows, 表一), served from /assets/forms.js. Every form works without it: the
// server decides and checks everything again; this only shows what applies and sums as you type.
(function () {
  "use strict";

  // An error summary takes the focus, so a screen reader reads what to fix first.
  var summary = document.getElementById("error-summary");
  if (summary) {
    summary.setAttribute("tabindex", "-1");
    summary.focus();
  }

  // 表三: the 原因代码 decides 类别, and whether compensation is asked (T09: the filer says).
  var form = document.getElementById("row-form"), reason = document.getElementById("f-reason_code");
  if (form && reason && form.dataset.reasons) {
    var reasons = JSON.parse(form.dataset.reasons);
    var paidBox = form.querySelector('[data-field="compensated"]'), amountBox = form.querySelector('[data-field="compensation"]');
    var paid = document.getElementById("f-compensated"), note = document.getElementById("reason-note");
    var words = {yes: "依法应支付经济补偿", no: "依法无需支付经济补偿", per_law: "是否支付经济补偿按有关法律规定，请选择"};
    var show = function () {
      var r = reasons[reason.value];
      note.textContent = r ? "类别：" + r.category + "；" + words[r.compensation] : "";
      if (paidBox) paidBox.hidden = !!r && r.compensation !== "per_law";
      if (paid && r && r.compensation !== "per_law") paid.value = r.compensation === "yes" ? "是" : "否";
      if (amountBox) amountBox.hidden = !!r && !(r.compensation === "yes" || (r.compensation === "per_law" && paid && paid.value === "是"));
    };
    reason.addEventListener("change", show);
    if (paid) paid.addEventListener("change", show);
    show();
  }
})();
