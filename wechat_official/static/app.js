// Progressive enhancement only: every form works without this file.
(function () {
  "use strict";

  // A slow network in the WeChat browser invites a second tap: submit each form once.
  document.querySelectorAll("form.js-once").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (button) {
        window.setTimeout(function () {
          button.disabled = true;
          button.textContent = "正在提交…";
        }, 0);
      });
    });
  });

  // Tell the contact how many characters remain in free-text fields.
  document.querySelectorAll("textarea[maxlength]").forEach(function (area) {
    var hint = document.createElement("div");
    hint.className = "muted";
    var update = function () {
      hint.textContent = "还可输入 " + (area.maxLength - area.value.length) + " 字";
    };
    area.insertAdjacentElement("afterend", hint);
    area.addEventListener("input", update);
    update();
  });

  // Opening the dispute form scrolls it into view and focuses the reason.
  var dispute = document.getElementById("dispute");
  if (dispute) {
    dispute.addEventListener("toggle", function () {
      if (dispute.open) {
        var reason = document.getElementById("reason");
        if (reason) {
          reason.focus();
        }
      }
    });
  }
})();
