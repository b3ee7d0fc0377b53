/* Upload a file with plain fetch: the body is the file itself (streamed by the service, size-checked),
   the CSRF token travels in the X-CSRF-Token header. On success the browser opens the inspection
   report; on refusal the service's explanation (the #problem block of its error page) is shown. */
(function () {
  "use strict";
  document.querySelectorAll("form[data-upload]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[type=file]");
      var status = document.getElementById("upload-status");
      var file = input && input.files && input.files[0];
      if (!file) { status.textContent = form.getAttribute("data-empty"); input.focus(); return; }
      status.textContent = form.getAttribute("data-sending");
      var token = form.querySelector("input[name=csrf_token]").value;
      fetch(form.action + "?filename=" + encodeURIComponent(file.name), {
        method: "POST",
        body: file,
        credentials: "same-origin",
        headers: { "X-CSRF-Token": token, "Content-Type": file.type || "application/octet-stream" }
      }).then(function (response) {
        if (response.ok) {
          return response.json().then(function (doc) { window.location.assign(doc.location); });
        }
        return response.text().then(function (html) {
          var page = new DOMParser().parseFromString(html, "text/html");
          var problem = page.getElementById("problem") || page.querySelector("main") || page.body;
          status.replaceChildren(document.importNode(problem, true));
        });
      }).catch(function (err) { status.textContent = String(err); });
    });
  });
})();
