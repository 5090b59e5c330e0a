// The admin's schedule form: the next five runs of the cron being typed, before it is saved.
"use strict";
document.addEventListener("DOMContentLoaded", () => {
  const box = document.getElementById("next-runs");
  const cron = document.getElementById("id_cron");
  const paused = document.getElementById("id_paused");
  if (!box || !cron) return;
  let timer = null;
  const show = async () => {
    const query = new URLSearchParams({ cron: cron.value, paused: paused && paused.checked ? "true" : "false" });
    try {
      const response = await fetch(`${box.dataset.url}?${query}`, { credentials: "same-origin" });
      if (response.ok) box.textContent = (await response.json()).text;
    } catch (e) {
      // offline for a moment: the figures are shown again on the next keystroke, and on save
    }
  };
  const later = () => { clearTimeout(timer); timer = setTimeout(show, 250); };
  cron.addEventListener("input", later);
  if (paused) paused.addEventListener("change", later);
  show();
});
