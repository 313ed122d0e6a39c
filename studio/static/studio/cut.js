// Cut page: poll processing progress until ready; place QC markers on the timeline and seek on click.
(function () {
  const box = document.getElementById("processing");
  if (box && (box.dataset.status === "queued" || box.dataset.status === "processing")) {
    const timer = setInterval(async function () {
      const response = await fetch(box.dataset.statusUrl, {credentials: "same-origin"});
      if (!response.ok) return;
      const state = await response.json();
      const bar = document.getElementById("cut-progress");
      if (bar) bar.value = state.progress;
      const percent = document.getElementById("cut-percent");
      if (percent) {
        percent.textContent = state.progress_text;
        // Screen readers hear the step when it changes, not every poll's percentage.
        const announced = document.getElementById("cut-step-announced");
        if (announced && percent.dataset.step !== state.step) announced.textContent = state.progress_text;
        percent.dataset.step = state.step;
      }
      if (state.status === "ready" || state.status === "failed") { clearInterval(timer); window.location.reload(); }
    }, 2000);
  }
  const player = document.getElementById("player");
  const markers = document.getElementById("markers");
  if (player && markers) {
    const duration = parseFloat(markers.dataset.duration) || 0;
    const LANE = 14;
    const lanes = [];  // where each lane is free again (seconds): overlapping findings get a lane of their own
    const sorted = Array.from(markers.querySelectorAll(".marker"))
      .sort((a, b) => parseFloat(a.dataset.start) - parseFloat(b.dataset.start));
    for (const m of sorted) {
      const start = parseFloat(m.dataset.start), end = parseFloat(m.dataset.end);
      // A marker is drawn at least 0.3 % wide: reserve that much of the timeline too.
      const shown = Math.max(end, start + duration * 0.003);
      let lane = lanes.findIndex((free) => free <= start);
      if (lane === -1) { lane = lanes.length; lanes.push(shown); } else { lanes[lane] = shown; }
      m.style.top = `${lane * LANE}px`;
      if (duration > 0) {
        m.style.left = `${(100 * start) / duration}%`;
        m.style.width = `${Math.max((100 * (end - start)) / duration, 0.3)}%`;
      }
      m.addEventListener("click", () => { player.currentTime = start; player.play(); });
    }
    markers.style.height = `${Math.max(1, lanes.length) * LANE}px`;
    markers.dataset.lanes = String(lanes.length);
  }
  // Subtitles sent with the upload that the server refused: the cut exists, say why they are missing.
  const refused = sessionStorage.getItem("reelwork-subtitles-error");
  const slot = document.getElementById("subtitles-error");
  if (refused && slot) {
    slot.textContent = refused;
    slot.hidden = false;
    sessionStorage.removeItem("reelwork-subtitles-error");
  }
  for (const link of document.querySelectorAll("[data-seek]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      if (player) { player.currentTime = parseFloat(link.dataset.seek); player.play(); }
    });
  }
})();
