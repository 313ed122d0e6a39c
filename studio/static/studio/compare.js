// Two versions of a cut, synchronised: A leads; every play, pause, seek and frame step drives B,
// and B is pulled back whenever it drifts more than half a frame. A wipe (B clipped from the
// left) or side by side.
(function () {
  "use strict";
  const box = document.getElementById("compare");
  if (!box) return;
  const a = document.getElementById("a"), b = document.getElementById("b");
  const stage = document.getElementById("stage"), bBox = document.getElementById("b-box");
  const wipe = document.getElementById("wipe"), seek = document.getElementById("seek"), tc = document.getElementById("tc");
  const fps = parseFloat(box.dataset.fps) || 25, perSecond = Math.max(1, Math.round(fps));
  const pad = (n) => String(n).padStart(2, "0");
  const timecode = (t) => { const f = Math.floor(t * fps + 1e-6), s = Math.floor(f / perSecond);
    return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}:${pad(f % perSecond)}`; };

  function follow() {
    if (Math.abs(b.currentTime - a.currentTime) > 0.5 / fps) b.currentTime = a.currentTime;
    tc.textContent = timecode(a.currentTime);
    if (a.duration) seek.value = String(Math.round((1000 * a.currentTime) / a.duration));
  }
  a.addEventListener("play", () => { b.currentTime = a.currentTime; b.play(); });
  a.addEventListener("pause", () => { b.pause(); b.currentTime = a.currentTime; });
  a.addEventListener("seeked", follow);
  a.addEventListener("timeupdate", follow);
  a.addEventListener("ratechange", () => { b.playbackRate = a.playbackRate; });
  const step = (n) => { a.pause(); a.currentTime = Math.max(0, (Math.floor(a.currentTime * fps + 1e-6) + n + 0.01) / fps); };
  document.getElementById("play").addEventListener("click", () => (a.paused ? a.play() : a.pause()));
  document.getElementById("back").addEventListener("click", () => step(-1));
  document.getElementById("fwd").addEventListener("click", () => step(1));
  seek.addEventListener("input", () => { if (a.duration) a.currentTime = (a.duration * seek.value) / 1000; });
  document.getElementById("sound-b").addEventListener("change", (e) => { b.muted = !e.target.checked; a.muted = e.target.checked; });
  a.muted = false;

  function layout() {
    const side = document.querySelector('input[name="mode"]:checked').value === "side";
    stage.style.display = side ? "grid" : "block";
    stage.style.gridTemplateColumns = side ? "1fr 1fr" : "";
    bBox.style.position = side ? "static" : "absolute";
    bBox.style.clipPath = side ? "none" : `inset(0 0 0 ${wipe.value}%)`;
    wipe.disabled = side;
  }
  wipe.addEventListener("input", layout);
  document.querySelectorAll('input[name="mode"]').forEach((r) => r.addEventListener("change", layout));
  layout();
  document.addEventListener("keydown", (e) => {
    if (/^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName) && e.target.type !== "range") return;
    if (e.key === " ") { e.preventDefault(); a.paused ? a.play() : a.pause(); }
    if (e.key === "ArrowLeft") { e.preventDefault(); step(-1); }
    if (e.key === "ArrowRight") { e.preventDefault(); step(1); }
  });
  window.reelworkCompare = { a, b, step };
})();
