// Scrub preview: hovering a timeline bar shows the frame there, from the cut's sprite and its
// WebVTT index (cues "sprite.jpg#xywh=x,y,w,h"); a click seeks. Used by the cut page and the
// panel room: a bar with data-scrub-vtt (the index URL) next to the #player video.
(function () {
  "use strict";
  const bar = document.querySelector("[data-scrub-vtt]");
  const video = document.getElementById("player");
  if (!bar || !video) return;
  const url = new URL(bar.dataset.scrubVtt, window.location.href);
  const parse = (t) => t.split(":").reduce((acc, part) => acc * 60 + parseFloat(part), 0);
  let cues = [];
  fetch(url, { credentials: "same-origin" }).then((r) => (r.ok ? r.text() : "")).then((text) => {
    const blocks = text.split(/\r?\n\r?\n/);
    cues = blocks.map((b) => {
      const lines = b.trim().split(/\r?\n/);
      const timing = lines.find((l) => l.includes("-->"));
      const ref = lines[lines.indexOf(timing) + 1];
      if (!timing || !ref) return null;
      const [start, end] = timing.split("-->").map((s) => parse(s.trim()));
      const [file, frag] = ref.split("#xywh=");
      const [x, y, w, h] = (frag || "").split(",").map(Number);
      return { start, end, src: new URL(file, url).href, x, y, w, h };
    }).filter(Boolean);
  }).catch(() => {});
  const tip = document.createElement("div");
  tip.className = "scrub-tip";
  tip.hidden = true;
  tip.style.cssText = "position:absolute;bottom:18px;pointer-events:none;border:1px solid #fff;box-shadow:0 1px 4px #0008;background-repeat:no-repeat";
  bar.style.position = "relative";
  bar.appendChild(tip);
  const timeAt = (e) => {
    const r = bar.getBoundingClientRect();
    return Math.max(0, Math.min(1, (e.clientX - r.left) / r.width)) * (video.duration || 0);
  };
  bar.addEventListener("mousemove", (e) => {
    const t = timeAt(e);
    const cue = cues.find((c) => t >= c.start && t < c.end) || cues[cues.length - 1];
    if (!cue || !cue.w) { tip.hidden = true; return; }
    if (!tip.isConnected) bar.appendChild(tip);  // the markers may have been redrawn
    tip.hidden = false;
    Object.assign(tip.style, {
      width: `${cue.w}px`, height: `${cue.h}px`, backgroundImage: `url("${cue.src}")`,
      backgroundPosition: `-${cue.x}px -${cue.y}px`,
      left: `${Math.max(0, Math.min(bar.clientWidth - cue.w, e.clientX - bar.getBoundingClientRect().left - cue.w / 2))}px`,
    });
  });
  bar.addEventListener("mouseleave", () => { tip.hidden = true; });
  bar.addEventListener("click", (e) => { if (e.target === bar && video.duration) video.currentTime = timeAt(e); });
})();
