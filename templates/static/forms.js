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

  // 表一: one step at a time with 上一步/下一步 (the first step with a problem first), live totals and 签订率,
  // and 大类 listed for the chosen 门类 only.
  var t1 = document.getElementById("table1-form");
  if (t1) {
    var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };
    var steps = t1.querySelectorAll("fieldset.step"), stepList = document.getElementById("step-list");
    var showStep = function (n, focus) {
      each(steps, function (s) { s.hidden = +s.dataset.step !== n; });
      each(stepList.querySelectorAll("button"), function (b) {
        if (+b.dataset.go === n) b.setAttribute("aria-current", "step"); else b.removeAttribute("aria-current");
      });
      var first = steps[n - 1].querySelector("input:not([readonly]), select");
      if (focus && first) first.focus();
    };
    stepList.hidden = false;
    each(t1.querySelectorAll(".step-nav"), function (nav) { nav.hidden = false; });
    t1.addEventListener("click", function (e) {
      var go = e.target.closest("[data-go]");
      if (go) showStep(+go.dataset.go, true);
    });
    var withErrors = t1.querySelector("fieldset[data-errors]");
    showStep(withErrors ? +withErrors.dataset.step : 1, false);
    if (summary) {
      summary.addEventListener("click", function (e) {
        var link = e.target.closest('a[href^="#f-"]'), input = link && document.getElementById(link.getAttribute("href").slice(1));
        if (!input) return;
        e.preventDefault();
        showStep(+input.closest("fieldset.step").dataset.step, false);
        input.focus();
      });
    }

    var num = function (key) {
      var input = document.getElementById("f-" + key), v = input ? input.value.trim() : "";
      return /^[0-9]+$/.test(v) ? +v : null;
    };
    var sumOf = function (keys) {
      var total = 0;
      for (var i = 0; i < keys.length; i++) { if (num(keys[i]) === null) return null; total += num(keys[i]); }
      return total;
    };
    var line = function (label, total, parts, partsLabel) {
      if (total === null || parts === null) return "";
      return total === parts ? label + total + " = " + partsLabel + parts + " ✓"
                             : '<span class="bad">' + label + total + " ≠ " + partsLabel + parts + "</span>";
    };
    var people = document.getElementById("totals-people"), contracts = document.getElementById("totals-contracts");
    var totals = function () {
      var n = num("employees");
      people.hidden = n === null;
      people.innerHTML = [line("在册", n, sumOf(["male", "female"]), "男 + 女 = "),
                          line("在册", n, sumOf(["on_post", "off_post"]), "在岗 + 不在岗 = ")].filter(Boolean).join("；");
      var due = num("contracts_due"), signed = num("contracts_signed");
      var rate = due && signed !== null ? "劳动合同签订率 = 已签" + signed + " ÷ 应签" + due + " = " + (signed / due * 100).toFixed(1) + "%" : "劳动合同签订率 = 已签 ÷ 应签";
      var buckets = line("已签", signed, sumOf(["signed_task", "signed_fixed_lt3", "signed_fixed_3to10", "signed_fixed_ge10_open"]), "四类合计 = ");
      contracts.innerHTML = rate + (buckets ? "；" + buckets : "");
    };
    t1.addEventListener("input", totals);
    totals();

    var section = document.getElementById("f-industry"), division = document.getElementById("f-industry_division");
    if (section && division) {
      var all = Array.prototype.slice.call(division.options, 1);
      var filter = function () {
        var chosen = division.value;
        while (division.options.length > 1) division.remove(1);
        each(all, function (o) { if (!section.value || o.dataset.section === section.value) division.add(o); });
        division.value = all.some(function (o) { return o.value === chosen && o.parentNode === division; }) ? chosen : "";
      };
      section.addEventListener("change", filter);
      filter();
    }
  }
})();
