// Small page behaviour on top of htmx: disable a form's buttons while it is in flight.
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
// Once a task's answer is accepted its form goes: the card keeps only the outcome.
document.addEventListener("htmx:afterSwap", (event) => {
  const done = event.detail.target.querySelector("[data-done]");
  const card = event.detail.target.closest("article");
  if (done && card) {
    card.querySelectorAll("form").forEach((form) => form.remove());
    card.classList.add("done");
  }
});
