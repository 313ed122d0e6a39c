// Resumable cut upload: the file goes up in chunks, each with its SHA-256, so a closed tab or a
// lost network resumes where it stopped (the upload id is remembered per file in localStorage).
(function () {
  const form = document.getElementById("upload-form");
  if (!form) return;
  const input = form.querySelector("input[type=file]");
  const note = form.querySelector("textarea[name=note]");
  const bar = form.querySelector("progress");
  const status = form.querySelector(".upload-status");
  const csrf = form.querySelector("input[name=csrfmiddlewaretoken]").value;
  const hex = (buffer) => Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, "0")).join("");
  const say = (text) => { status.textContent = text; };

  async function json(response) {
    let body = {};
    try { body = await response.json(); } catch (e) { /* not JSON */ }
    return body;
  }

  async function session(file) {
    const memo = `reelwork-upload:${form.dataset.project}:${file.name}:${file.size}:${file.lastModified}`;
    const known = localStorage.getItem(memo);
    if (known) {
      const response = await fetch(`/uploads/${known}/`, {credentials: "same-origin"});
      if (response.ok) {
        const state = await json(response);
        if (state.status === "open") return [state, memo];
      }
      localStorage.removeItem(memo);
    }
    const response = await fetch(form.dataset.start, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": csrf},
      body: JSON.stringify({filename: file.name, size: file.size, sha256: "", note: note.value}),
    });
    const state = await json(response);
    if (!response.ok) throw new Error(state.detail || response.statusText);
    localStorage.setItem(memo, state.id);
    return [state, memo];
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    const file = input.files[0];
    if (!file) return;
    form.querySelector("button").disabled = true;
    try {
      let [state, memo] = await session(file);
      const chunk = state.chunk_size || 8 * 1024 * 1024;
      let offset = state.offset;
      while (offset < file.size) {
        bar.value = offset / file.size;
        say(`${Math.floor((100 * offset) / file.size)}%`);
        const end = Math.min(offset + chunk, file.size);
        const bytes = await file.slice(offset, end).arrayBuffer();
        const digest = hex(await crypto.subtle.digest("SHA-256", bytes));
        let response;
        try {
          response = await fetch(`/uploads/${state.id}/`, {
            method: "PUT", credentials: "same-origin", body: bytes,
            headers: {"Content-Range": `bytes ${offset}-${end - 1}/${file.size}`, "X-Chunk-SHA256": digest, "X-CSRFToken": csrf},
          });
        } catch (networkError) {
          say(form.dataset.retrying);
          await new Promise((resolve) => setTimeout(resolve, 3000));
          continue;  // the server says where to resume on the next round
        }
        const body = await json(response);
        if (response.status === 409 && typeof body.offset === "number" && body.status === "open") {
          offset = body.offset;
          continue;
        }
        if (!response.ok) throw new Error(body.detail || response.statusText);
        offset = body.offset;
        if (body.cut) {
          localStorage.removeItem(memo);
          window.location = `/cuts/${body.cut}/`;
          return;
        }
      }
    } catch (error) {
      say(error.message);
      form.querySelector("button").disabled = false;
    }
  });
})();
