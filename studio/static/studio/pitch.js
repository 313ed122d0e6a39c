// Live homogeneity check on the pitch form: while the title is typed, show the earlier topics it
// resembles, so the producer can sharpen the angle before pitching. Without JS the check still
// runs when the pitch is saved.
(function () {
  const title = document.getElementById("id_title");
  const box = document.getElementById("similar-live");
  if (!title || !box) return;
  let timer = null;
  let last = "";
  function show(matches) {
    box.replaceChildren();
    if (!matches.length) { box.hidden = true; return; }
    const head = document.createElement("p");
    head.className = "flag";
    head.textContent = box.dataset.heading;
    const list = document.createElement("ul");
    for (const m of matches) {
      const li = document.createElement("li");
      li.textContent = `${m.title} (${m.unit}, ${m.year}) — ${m.likeness}`;
      list.append(li);
    }
    box.append(head, list);
    box.hidden = false;
  }
  title.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const value = title.value.trim();
      if (value === last) return;
      last = value;
      if (!value) { show([]); return; }
      const response = await fetch(box.dataset.url + "?title=" + encodeURIComponent(value), {credentials: "same-origin"});
      if (response.ok) show(await response.json());
    }, 300);
  });
})();
