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
  const bar = form.querySelector("progress");
  const status = form.querySelector(".upload-status");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  const sha256 = async (bytes) => hex(await crypto.subtle.digest("SHA-256", bytes));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  const say = (text) => { status.textContent = text; };
  const PARALLEL_PARTS = 3;

  let sent = 0, total = 1, retrying = false;
  let stopped = false;  // set when the upload failed: the other workers stop and stay quiet
  let run = 0;  // each press of the button starts a new run; workers of an older one stop
  function showProgress() {
    if (stopped) return;
    bar.value = sent / total;
    const percent = `${Math.floor((100 * sent) / total)}%`;
    say(retrying ? `${percent} · ${form.dataset.retrying}` : percent);
  }
  function show(done, size) {
    sent = done;
    total = size;
    showProgress();
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
      let response;
      try {
        response = await fetch(`/uploads/${state.id}/`, {
          method: "PUT", credentials: "same-origin", body: bytes,
          headers: {"Content-Range": `bytes ${offset}-${end - 1}/${file.size}`, "X-Chunk-SHA256": await sha256(bytes), "X-CSRFToken": csrf},
        });
      } catch (networkError) {
        say(form.dataset.retrying);
        await sleep(3000);
        continue;  // the server says where to resume on the next round
      }
      const body = await json(response);
      if (response.status === 409 && typeof body.offset === "number" && body.status === "open") {
        offset = body.offset;
        continue;
      }
      if (!response.ok) throw new Error(body.detail || response.statusText);
      offset = body.offset;
      if (body.cut) return body;
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
        let response = null;
        try {
          response = await fetch(target, {method: "PUT", body: bytes});
        } catch (networkError) {
          response = null;
        }
        if (!alive()) return;  // the upload failed elsewhere or was started again meanwhile
        if (response && response.ok) break;
        if (response && response.status >= 400 && response.status < 500 && response.status !== 403 && attempt > 2) {
          throw new Error(`${form.dataset.storageRefused} (${response.status})`);
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
    say(form.dataset.checking);
    bar.removeAttribute("value");  // indeterminate while the server reads the file back
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
    const mine = ++run;
    try {
      const [state, memo] = await session(file);
      let result;
      if (state.status === "verifying") result = await waitForCheck(state);
      else if (state.mode === "s3") result = await sendS3(file, state);
      else result = await sendLocal(file, state);
      localStorage.removeItem(memo);
      await sendSubtitles(result.cut);
      window.location = `/cuts/${result.cut}/`;
    } catch (error) {
      if (run !== mine) return;
      stopped = true;
      say(error.message);
      bar.value = 0;
      form.querySelector("button").disabled = false;
    }
  });
})();
