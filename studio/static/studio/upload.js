// Resumable cut upload. The server says how (state.mode):
// - "local": chunks PUT to the app, each with its SHA-256, at the offset the server reports;
// - "s3": parts PUT straight to the bucket through presigned URLs, a few at a time; the SHA-256
//   of each part goes to the server at the end, which reads the object back to check them.
// A closed tab or a lost network resumes where it stopped: the upload id is remembered per file
// in localStorage, and the server tells what it already holds.
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector("input[name=file]");
  const note = form.querySelector("textarea[name=note]");
  const bar = form.querySelector("[role=progressbar]");
  const fill = bar.querySelector(".bar-fill");
  const status = form.querySelector(".upload-status");
  const announce = form.querySelector(".upload-announce");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const lang = document.documentElement.lang || "zh-hans";
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  const sha256 = async (bytes) => hex(await crypto.subtle.digest("SHA-256", bytes));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const PARALLEL_PARTS = 3;
  const SPEED_WINDOW_MS = 5000;  // speed: a moving average over the last few seconds
  const DRAW_EVERY_MS = 200;  // the visible text and bar
  const ANNOUNCE_EVERY_MS = 15000;  // the polite live region: often enough to follow, not a stream

  // Said at once, visibly and to screen readers (a state, not a figure).
  const say = (text) => {
    clearTimeout(drawTimer);
    drawTimer = null;
    status.textContent = text;
    announce.textContent = text;
    lastAnnounced = Date.now();
  };

  // --- the meter: bytes arrived + bytes on their way (XHR upload.onprogress, inside each chunk) ---
  let confirmed = 0, total = 1, retrying = false;
  const inflight = new Map();  // request → bytes of it already sent
  let samples = [];  // [time, bytes sent]: the speed window
  let lastDrawn = 0, lastAnnounced = 0, drawTimer = null;
  let stopped = false;  // set when the upload failed: the other workers stop and stay quiet
  let run = 0;  // each press of the button starts a new run; workers of an older one stop
  const sent = () => Math.min(total, confirmed + Array.from(inflight.values()).reduce((a, b) => a + b, 0));

  const number = (value, digits) => new Intl.NumberFormat(lang, {maximumFractionDigits: digits, minimumFractionDigits: digits}).format(value);
  function bytes(n) {  // as Django's filesizeformat counts (1024), so it agrees with the cut page
    const units = ["B", "KB", "MB", "GB", "TB"];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${number(n, i === 0 || n >= 100 ? 0 : 1)} ${units[i]}`;
  }
  function duration(seconds) {
    const unit = (value, name) => new Intl.NumberFormat(lang, {style: "unit", unit: name, unitDisplay: "long"}).format(value);
    if (seconds < 60) return unit(Math.max(5, Math.ceil(seconds / 5) * 5), "second");
    if (seconds < 3600) return unit(Math.ceil(seconds / 60), "minute");
    const hours = Math.floor(seconds / 3600), minutes = Math.ceil((seconds % 3600) / 60);
    return minutes ? `${unit(hours, "hour")} ${unit(minutes, "minute")}` : unit(hours, "hour");
  }
  function speed() {  // bytes per second over the window, null until it spans half a second
    if (samples.length < 2) return null;
    const [t0, b0] = samples[0], [t1, b1] = samples[samples.length - 1];
    return t1 - t0 >= 500 ? ((b1 - b0) * 1000) / (t1 - t0) : null;
  }
  function text() {
    const done = sent();
    const parts = [`${bytes(done)} / ${bytes(total)}`];
    const rate = speed();
    if (rate !== null && rate > 0 && !retrying) {
      parts.push(form.dataset.speed.replace("{speed}", bytes(rate)));
      parts.push(form.dataset.timeLeft.replace("{time}", duration((total - done) / rate)));
    }
    if (retrying) parts.push(form.dataset.retrying);
    return parts.join(" · ");
  }
  function draw() {
    drawTimer = null;
    if (stopped || !inFlight) return;  // the figures are over: what was said last stands
    lastDrawn = Date.now();
    const fraction = sent() / total;
    const shown = text();
    bar.setAttribute("aria-valuenow", (100 * fraction).toFixed(2));
    bar.setAttribute("aria-valuetext", shown);
    fill.style.width = `${100 * fraction}%`;
    status.textContent = shown;
    if (lastDrawn - lastAnnounced >= ANNOUNCE_EVERY_MS) {
      lastAnnounced = lastDrawn;
      announce.textContent = shown;
    }
  }
  // Called on every progress event; draws at most every DRAW_EVERY_MS (and once more after the last).
  function showProgress() {
    const now = Date.now();
    const current = sent();
    samples.push([now, current]);
    while (samples.length > 2 && now - samples[0][0] > SPEED_WINDOW_MS) samples.shift();
    if (now - lastDrawn >= DRAW_EVERY_MS) draw();
    else if (!drawTimer) drawTimer = setTimeout(draw, DRAW_EVERY_MS - (now - lastDrawn));
  }
  function show(done, size) {
    confirmed = done;
    total = size;
    showProgress();
  }
  function indeterminate() {
    bar.removeAttribute("aria-valuenow");
    bar.removeAttribute("aria-valuetext");
    fill.style.width = "0";
    bar.classList.add("indeterminate");
  }

  // --- leaving mid-upload; the previous version's actions while a new one goes up -----------
  let inFlight = false;
  window.addEventListener("beforeunload", (event) => {
    if (!inFlight) return;
    event.preventDefault();
    event.returnValue = "";  // the browser words the question itself
  });
  const holders = Array.from(document.querySelectorAll("[data-acts-on-latest]"));
  function uploading(on) {
    inFlight = on;
    for (const holder of holders) {
      const reason = holder.querySelector(".uploading-reason");
      for (const button of holder.querySelectorAll("button, input[type=submit]")) {
        if (on) {
          if (!button.disabled) { button.disabled = true; button.dataset.heldByUpload = "1"; }
        } else if (button.dataset.heldByUpload) {
          button.disabled = false;
          delete button.dataset.heldByUpload;
        }
      }
      if (reason) reason.hidden = !on;
    }
  }

  // One PUT of ``body`` whose sent bytes feed the meter as they go; fetch has no upload progress.
  // Resolves with [status, parsed JSON or {}]; a lost network rejects with a TypeError, as fetch does.
  function put(url, body, headers) {
    return new Promise((resolve, reject) => {
      const xhr = new XMLHttpRequest();
      xhr.open("PUT", url);
      for (const [name, value] of Object.entries(headers || {})) xhr.setRequestHeader(name, value);
      xhr.upload.onprogress = (event) => { inflight.set(xhr, event.loaded); showProgress(); };
      const forget = () => inflight.delete(xhr);
      xhr.onload = () => {
        forget();
        let parsed = {};
        try { parsed = JSON.parse(xhr.responseText); } catch (e) { /* not JSON */ }
        resolve([xhr.status, parsed]);
      };
      xhr.onerror = xhr.onabort = xhr.ontimeout = () => { forget(); showProgress(); reject(new TypeError("network error")); };
      xhr.send(body);
    });
  }

  async function json(response) {
    let body = {};
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    return body;
  }

  async function api(url, options) {
    const response = await fetch(url, {credentials: "same-origin", ...options});
    if (response.redirected && new URL(response.url).pathname.startsWith("/accounts/login")) {
      throw new Error(form.dataset.signedOut);  // a signed-out session, sent to the login page
    }
    return [response, await json(response)];
  }

  // Retry what a lost network or a busy server explains; a refusal (4xx) is final, with its reason.
  async function apiPatiently(url, options) {
    for (let attempt = 1; ; attempt++) {
      let response = null, body = {};
      try {
        [response, body] = await api(url, options);
      } catch (error) {
        if (!(error instanceof TypeError)) throw error;  // TypeError: fetch's "network error"
      }
      if (response && response.status < 500) return [response, body];
      retrying = true;
      showProgress();
      await sleep(Math.min(30000, 1000 * 2 ** Math.min(attempt, 5)));
    }
  }

  async function session(file) {
    const memo = `reelwork-upload:${form.dataset.project}:${file.name}:${file.size}:${file.lastModified}`;
    const known = localStorage.getItem(memo);
    if (known) {
      const [response, state] = await api(`/uploads/${known}/`);
      if (response.ok && (state.status === "open" || state.status === "verifying")) return [state, memo];
      localStorage.removeItem(memo);
    }
    const [response, state] = await api(form.dataset.start, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({filename: file.name, size: file.size, sha256: "", note: note.value}),
    });
    if (!response.ok) throw new Error(state.detail || response.statusText);
    localStorage.setItem(memo, state.id);
    return [state, memo];
  }

  async function sendLocal(file, state) {
    const chunk = state.chunk_size || 8 * 1024 * 1024;
    let offset = state.offset;
    while (offset < file.size) {
      show(offset, file.size);
      const end = Math.min(offset + chunk, file.size);
      const bytes = await file.slice(offset, end).arrayBuffer();
      let status, body;
      try {
        [status, body] = await put(`/uploads/${state.id}/`, bytes,
          {"Content-Range": `bytes ${offset}-${end - 1}/${file.size}`, "X-Chunk-SHA256": await sha256(bytes), "X-CSRFToken": csrf});
      } catch (networkError) {
        retrying = true;
        showProgress();
        await sleep(3000);
        continue;  // the server says where to resume on the next round
      }
      retrying = false;
      if (status === 409 && typeof body.offset === "number" && body.status === "open") {
        offset = body.offset;
        continue;
      }
      if (status < 200 || status >= 300) throw new Error(body.detail || String(status));
      offset = body.offset;
      if (body.cut) { show(offset, file.size); return body; }
    }
    throw new Error(form.dataset.incomplete);
  }

  // --- straight to the bucket --------------------------------------------------------------

  function partRange(state, number, size) {
    const start = (number - 1) * state.part_size;
    return [start, Math.min(start + state.part_size, size)];
  }

  async function partUrls(state, first) {
    const [response, body] = await apiPatiently(`/uploads/${state.id}/part-urls/?first=${first}&count=20`);
    if (!response.ok) throw new Error(body.detail || response.statusText);
    return body.urls;
  }

  async function sendS3(file, state) {
    const parts = state.parts_total;
    const held = new Map((state.parts || []).map(([number, size]) => [number, size]));
    const digests = new Array(parts);
    const urls = {};
    let asking = null;  // one request for URLs at a time, shared by the workers waiting on it
    let done = 0;
    let next = 1;
    const mine = run;
    const alive = () => run === mine && !stopped;

    async function url(number, fresh) {
      if (fresh) delete urls[number];
      while (!urls[number]) {
        if (!asking) {
          asking = partUrls(state, number).then((batch) => Object.assign(urls, batch)).finally(() => { asking = null; });
        }
        await asking;  // a batch asked for by another worker may not hold this part: then ask again
      }
      return urls[number];
    }

    async function sendPart(number) {
      const [start, end] = partRange(state, number, file.size);
      const bytes = await file.slice(start, end).arrayBuffer();
      digests[number - 1] = await sha256(bytes);
      if (held.get(number) === end - start) {  // already in the bucket from an earlier try
        done += end - start;
        show(done, file.size);
        return;
      }
      for (let attempt = 1; alive(); attempt++) {
        // Outside the try below: the app refusing URLs (the project moved on, signed out) is final.
        const target = await url(number, attempt > 1);
        let answer = null;
        try {
          [answer] = await put(target, bytes);
        } catch (networkError) {
          answer = null;
        }
        if (!alive()) return;  // the upload failed elsewhere or was started again meanwhile
        if (answer !== null && answer >= 200 && answer < 300) break;
        if (answer !== null && answer >= 400 && answer < 500 && answer !== 403 && attempt > 2) {
          throw new Error(`${form.dataset.storageRefused} (${answer})`);
        }
        // A lost network, an expired URL (403) or a busy server: wait and try again.
        retrying = true;
        showProgress();
        await sleep(Math.min(30000, 1000 * 2 ** Math.min(attempt, 5)));
      }
      if (!alive()) return;
      retrying = false;
      done += end - start;
      show(done, file.size);
    }

    async function worker() {
      while (next <= parts && alive()) {
        const number = next++;
        await sendPart(number);
      }
    }

    show(0, file.size);
    await Promise.all(Array.from({length: Math.min(PARALLEL_PARTS, parts)}, worker));
    if (!alive()) throw new Error(form.dataset.incomplete);
    uploading(false);  // every byte is in the bucket: leaving now loses nothing
    say(form.dataset.checking);
    const [response, body] = await apiPatiently(`/uploads/${state.id}/complete/`, {
      method: "POST",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({parts: digests}),
    });
    if (response.status === 409 && body.status === "open") {
      // The bucket lacks some parts after all: list what it holds and send the rest again.
      const [again, fresh] = await apiPatiently(`/uploads/${state.id}/`);
      if (!again.ok) throw new Error(fresh.detail || again.statusText);
      return sendS3(file, fresh);
    }
    if (!response.ok && body.status !== "verifying") throw new Error(body.detail || response.statusText);
    return waitForCheck(state);
  }

  async function waitForCheck(state) {
    uploading(false);
    say(form.dataset.checking);
    indeterminate();  // while the server reads the file back
    for (;;) {
      const [response, body] = await api(`/uploads/${state.id}/`);
      if (response.ok && body.cut) return body;
      if (response.ok && body.status === "failed") throw new Error(body.error);
      if (!response.ok && response.status < 500) throw new Error(body.detail || response.statusText);
      await sleep(1500);
    }
  }

  // --- subtitles, once the cut exists --------------------------------------------------------

  async function sendSubtitles(cut) {
    const subtitles = form.querySelector("input[name=subtitles]");
    if (!subtitles || !subtitles.files[0]) return;
    const data = new FormData();
    data.append("subtitles", subtitles.files[0]);
    const [response, body] = await api(`/cuts/${cut}/subtitles/`, {method: "POST", headers: {"X-CSRFToken": csrf, "Accept": "application/json"}, body: data});
    // The cut exists whatever happens here: the cut page offers the subtitles upload again.
    if (!response.ok) sessionStorage.setItem("reelwork-subtitles-error", body.detail || response.statusText);
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const file = input.files[0];
    if (!file) return;
    form.querySelector("button").disabled = true;
    stopped = false;
    retrying = false;
    samples = [];
    bar.classList.remove("indeterminate");
    const mine = ++run;
    uploading(true);
    try {
      const [state, memo] = await session(file);
      let result;
      if (state.status === "verifying") result = await waitForCheck(state);
      else if (state.mode === "s3") result = await sendS3(file, state);
      else result = await sendLocal(file, state);
      uploading(false);
      localStorage.removeItem(memo);
      await sendSubtitles(result.cut);
      window.location = `/cuts/${result.cut}/`;
    } catch (error) {
      if (run !== mine) return;
      stopped = true;
      uploading(false);
      say(error.message);
      bar.setAttribute("aria-valuenow", "0");
      bar.removeAttribute("aria-valuetext");
      fill.style.width = "0";
      form.querySelector("button").disabled = false;
    }
  });
})();
