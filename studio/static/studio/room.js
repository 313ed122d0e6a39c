// The panel's review room: frame-accurate time code, keyboard (space, J/K/L, ←/→, I/O, C, Enter),
// comment and QC markers on the timeline, drawing on the frame and redrawing stored drawings when
// the playhead reaches their comment. The page works without it (time codes typed by hand).
(function () {
  "use strict";
  const room = document.getElementById("room");
  const video = document.getElementById("player");
  if (!room || !video) return;
  const fps = parseFloat(room.dataset.fps) || 25;
  const perSecond = Math.max(1, Math.round(fps));
  const tcEl = document.getElementById("tc");
  const rangeEl = document.getElementById("range");
  const canvas = document.getElementById("overlay");
  const ctx = canvas.getContext("2d");
  const tcIn = document.getElementById("tc-in");
  const tcOut = document.getElementById("tc-out");
  const body = document.getElementById("comment-body");
  const drawingField = document.getElementById("drawing");
  const comments = JSON.parse(document.getElementById("comment-markers").textContent || "[]");
  const qc = JSON.parse(document.getElementById("qc-markers").textContent || "[]");
  let tool = null, shapes = [], current = null, rate = 1;

  const frameAt = (t) => Math.floor(t * fps + 1e-6);
  const pad = (n) => String(n).padStart(2, "0");
  function timecode(frame) {
    const ff = frame % perSecond, s = Math.floor(frame / perSecond);
    return `${pad(Math.floor(s / 3600))}:${pad(Math.floor(s / 60) % 60)}:${pad(s % 60)}:${pad(ff)}`;
  }
  function parse(text) {
    const m = /^(\d{1,2}):(\d\d):(\d\d)[:;](\d{1,2})$/.exec((text || "").trim());
    return m ? ((+m[1] * 60 + +m[2]) * 60 + +m[3]) * perSecond + +m[4] : null;
  }
  function seekFrame(frame) { video.currentTime = (frame + 0.01) / fps; }
  function step(frames) { video.pause(); seekFrame(Math.max(0, frameAt(video.currentTime) + frames)); }

  function fit() {
    const r = video.getBoundingClientRect();
    canvas.width = r.width; canvas.height = r.height;
    redraw();
  }
  function drawShape(s, alpha) {
    const w = canvas.width, h = canvas.height;
    ctx.globalAlpha = alpha; ctx.strokeStyle = s.color || "#e53935"; ctx.lineWidth = 3;
    const p = s.points.map(([x, y]) => [x * w, y * h]);
    ctx.beginPath();
    if (s.type === "rect") {
      ctx.strokeRect(p[0][0], p[0][1], p[1][0] - p[0][0], p[1][1] - p[0][1]);
    } else {
      ctx.moveTo(p[0][0], p[0][1]);
      p.slice(1).forEach(([x, y]) => ctx.lineTo(x, y));
      ctx.stroke();
      if (s.type === "arrow") {
        const [x0, y0] = p[0], [x1, y1] = p[1], a = Math.atan2(y1 - y0, x1 - x0), len = 14;
        ctx.beginPath(); ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - len * Math.cos(a - 0.4), y1 - len * Math.sin(a - 0.4));
        ctx.moveTo(x1, y1);
        ctx.lineTo(x1 - len * Math.cos(a + 0.4), y1 - len * Math.sin(a + 0.4));
        ctx.stroke();
      }
    }
    ctx.globalAlpha = 1;
  }
  function redraw() {
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    const frame = frameAt(video.currentTime);
    comments.forEach((c) => {
      if (!c.drawing) return;
      const end = c.end != null ? c.end : c.frame + 2 * perSecond;  // a point comment's drawing shows for 2 s
      if (frame >= c.frame && frame <= end) c.drawing.shapes.forEach((s) => drawShape(s, 0.9));
    });
    shapes.forEach((s) => drawShape(s, 1));
    if (current) drawShape(current, 1);
  }
  function tick() {
    const frame = frameAt(video.currentTime);
    tcEl.textContent = timecode(frame);
    redraw();
  }
  video.addEventListener("timeupdate", tick);
  video.addEventListener("seeked", tick);
  const ready = () => { fit(); tick(); markers(); };
  video.addEventListener("loadedmetadata", ready);
  // A cached proxy can have its metadata before this deferred script runs: no event then.
  if (video.readyState >= 1) ready();
  window.addEventListener("resize", fit);
  if (video.requestVideoFrameCallback) {
    const onFrame = (_now, meta) => { tcEl.textContent = timecode(frameAt(meta.mediaTime)); redraw(); video.requestVideoFrameCallback(onFrame); };
    video.requestVideoFrameCallback(onFrame);
  }

  function markers() {
    const bar = document.getElementById("markers");
    const duration = video.duration || 0;
    if (!bar || !duration) return;
    bar.replaceChildren();
    const add = (start, end, color, title, onclick) => {
      // A button, so Tab reaches each marker and Enter seeks to it.
      const mark = document.createElement("button");
      mark.type = "button"; mark.className = "marker";
      mark.style.cssText = `position:absolute;top:0;height:14px;min-width:3px;cursor:pointer;background:${color};` +
        `left:${(100 * start) / duration}%;width:${(100 * Math.max(0, end - start)) / duration}%`;
      mark.title = title; mark.setAttribute("aria-label", title); mark.addEventListener("click", onclick);
      bar.appendChild(mark);
    };
    qc.forEach((f) => add(f.start, f.end, f.severity === "fail" ? "#c62828" : "#b58100", f.message, () => { video.currentTime = f.start; }));
    comments.forEach((c) => {
      const start = c.frame / fps, end = (c.end != null ? c.end : c.frame) / fps;
      add(start, end, "#1565c0", c.timecode, () => { seekFrame(c.frame); document.getElementById(`comment-${c.id}`)?.scrollIntoView({ block: "nearest" }); });
    });
  }

  document.querySelectorAll("[data-seek-frame]").forEach((a) => a.addEventListener("click", (e) => {
    e.preventDefault();
    if (a.dataset.seekFrame !== "") { video.pause(); seekFrame(parseInt(a.dataset.seekFrame, 10)); }
  }));

  function setIn() { if (tcIn) { tcIn.value = timecode(frameAt(video.currentTime)); showRange(); } }
  function setOut() { if (tcOut) { tcOut.value = timecode(frameAt(video.currentTime)); showRange(); } }
  function showRange() { rangeEl.textContent = tcIn && tcIn.value ? `${tcIn.value}${tcOut && tcOut.value ? " – " + tcOut.value : ""}` : ""; }

  document.addEventListener("keydown", (e) => {
    const typing = /^(INPUT|TEXTAREA|SELECT)$/.test(e.target.tagName);
    if (e.target === body && e.key === "Enter" && !e.shiftKey) {
      e.preventDefault();
      body.form.requestSubmit();
      return;
    }
    if (typing || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === " " && e.target.tagName === "BUTTON") return;  // Space presses the focused button
    const key = e.key.length === 1 ? e.key.toLowerCase() : e.key;
    const actions = {
      " ": () => (video.paused ? video.play() : video.pause()),
      k: () => { video.pause(); rate = 1; video.playbackRate = 1; },
      l: () => { rate = video.paused ? 1 : Math.min(rate * 2, 4); video.playbackRate = rate; video.play(); },
      j: () => { video.pause(); video.currentTime = Math.max(0, video.currentTime - 1); },
      ArrowLeft: () => step(-1),
      ArrowRight: () => step(1),
      i: setIn,
      o: setOut,
      c: () => { if (!body) return; video.pause(); if (tcIn && !tcIn.value) setIn(); body.focus(); },
    };
    if (actions[key]) { e.preventDefault(); actions[key](); }
  });

  // Drawing: pick a tool, drag on the frame; shapes are kept in 0–1 coordinates.
  function point(e) {
    const r = canvas.getBoundingClientRect();
    return [Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)), Math.min(1, Math.max(0, (e.clientY - r.top) / r.height))];
  }
  document.querySelectorAll("#draw-tools [data-tool]").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.tool === "clear") { shapes = []; tool = null; canvas.style.pointerEvents = "none"; save(); redraw(); return; }
    tool = b.dataset.tool; video.pause(); canvas.style.pointerEvents = "auto"; canvas.style.cursor = "crosshair";
    if (tcIn && !tcIn.value) setIn();
  }));
  canvas.addEventListener("pointerdown", (e) => {
    if (!tool) return;
    canvas.setPointerCapture(e.pointerId);
    const p = point(e);
    current = { type: tool, points: [p, p], color: "#e53935" };
  });
  canvas.addEventListener("pointermove", (e) => {
    if (!current) return;
    const p = point(e);
    if (current.type === "free") { if (current.points.length < 1500) current.points.push(p); } else current.points[1] = p;
    redraw();
  });
  canvas.addEventListener("pointerup", () => {
    if (!current) return;
    if (current.type === "free" && current.points.length > 2) current.points.shift();  // the duplicated start point
    shapes.push(current); current = null; save(); redraw();
  });
  function save() {
    const round = (v) => Math.round(v * 10000) / 10000;
    drawingField.value = shapes.length ? JSON.stringify({ shapes: shapes.map((s) => ({ ...s, points: s.points.map(([x, y]) => [round(x), round(y)]) })) }) : "";
  }
  window.reelworkRoom = { timecode, parse, frameAt: () => frameAt(video.currentTime) };
})();
