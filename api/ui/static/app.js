// Small page behaviour on top of htmx: send the page's origin with htmx posts is automatic; here
// only disable a form's buttons while it is in flight and keep the flash area readable.
document.addEventListener("htmx:beforeRequest", (event) => {
  const form = event.target.closest("form");
  if (form) form.querySelectorAll("button").forEach((b) => { b.disabled = true; });
});
document.addEventListener("htmx:afterRequest", (event) => {
  const form = event.target.closest("form");
  if (form) form.querySelectorAll("button").forEach((b) => { b.disabled = false; });
});
// A refusal (4xx/5xx) still carries a Chinese message fragment: show it instead of nothing.
document.addEventListener("htmx:beforeSwap", (event) => {
  const status = event.detail.xhr.status;
  if (status >= 400 && status < 600) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
