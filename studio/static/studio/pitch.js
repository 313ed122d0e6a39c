// Live homogeneity check on the pitch form: while the title, logline or local elements are typed,
// show the earlier topics the pitch resembles (flagged, or a close call), with the score and the
// shared words highlighted, so the producer can sharpen the angle before pitching. Without JS the
// check still runs when the pitch is saved.
(function () {
  const form = document.getElementById("pitch-form");
  const box = document.getElementById("similar-live");
  if (!form || !box) return;
  const fields = ["title", "logline", "local_elements"].map((name) => document.getElementById("id_" + name));
  const title = fields[0];
  if (!title) return;
  let timer = null;
  let last = "";
  let seq = 0;
  function item(m) {
    const li = document.createElement("li");
    li.className = m.band === "flagged" ? "flag" : "muted";
    const name = document.createElement("span");
    for (const piece of m.marked) {
      if (piece.shared) {
        const mark = document.createElement("mark");
        mark.textContent = piece.text;
        name.append(mark);
      } else {
        name.append(document.createTextNode(piece.text));
      }
    }
    const band = m.band === "flagged" ? box.dataset.flagged : box.dataset.close;
    li.append(name, document.createTextNode(` (${m.unit}, ${m.year}) — ${band} ${m.likeness}`));
    if (m.shared.length) {
      const why = document.createElement("small");
      why.textContent = ` · ${box.dataset.shared} ${m.shared.join("、")}`;
      li.append(why);
    }
    return li;
  }
  function show(matches) {
    box.replaceChildren();
    if (!matches.length) { box.hidden = true; return; }
    const head = document.createElement("p");
    head.className = "flag";
    head.textContent = box.dataset.heading;
    const list = document.createElement("ul");
    for (const m of matches) list.append(item(m));
    box.append(head, list);
    box.hidden = false;
  }
  function check() {
    clearTimeout(timer);
    // One request per pause in typing, not per keystroke.
    timer = setTimeout(async function () {
      const values = fields.map((f) => (f ? f.value.trim() : ""));
      const key = JSON.stringify(values);
      if (key === last) return;
      last = key;
      if (!values[0]) { show([]); return; }
      const query = new URLSearchParams({title: values[0], logline: values[1], local_elements: values[2]});
      if (box.dataset.call) query.set("call", box.dataset.call);
      const mine = ++seq;
      const response = await fetch(box.dataset.url + "?" + query, {credentials: "same-origin"});
      // An older answer arriving late must not overwrite a newer one.
      if (response.ok && mine === seq) show(await response.json());
    }, 300);
  }
  for (const f of fields) if (f) f.addEventListener("input", check);
})();
