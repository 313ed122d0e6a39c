// The storyboard editor (storyboard_edit.html), on top of a form that works without it: rows are
// added, inserted, moved (drag handle, ↑/↓ buttons, Alt+ArrowUp/Down anywhere in a row) and
// deleted (marked, with undo). The order of the rows is the order of the shots: after every change
// the rows' form prefixes, the formset's TOTAL_FORMS, the shown shot numbers and every label that
// names a shot are renumbered. Leaving the page after an edit asks first; saving does not.
(function () {
  const form = document.getElementById("storyboard-form");
  const words = JSON.parse(document.getElementById("storyboard-words")?.textContent || "null");
  if (!form || !words) return;
  const prefix = form.dataset.prefix;
  const table = document.getElementById("shots");
  const body = table.tBodies[0];
  const template = document.getElementById("shot-template");
  const total = form.querySelector(`input[name="${prefix}-TOTAL_FORMS"]`);
  const status = document.getElementById("shots-status");
  const say = (text) => { status.textContent = ""; setTimeout(() => { status.textContent = text; }, 30); };
  const fill = (text, n) => text.replace("{n}", n);
  let dirty = false;
  const touch = () => { dirty = true; form.dataset.dirty = "1"; };

  form.classList.add("enhanced");
  document.getElementById("shots-help")?.append(" ", words.hint);
  const head = table.tHead.rows[0];
  const th = document.createElement("th");
  th.scope = "col";
  th.textContent = words.arrange;
  head.appendChild(th);

  const rows = () => Array.from(body.rows);
  const isDeleted = (row) => row.classList.contains("deleted");
  const deleteBox = (row) => row.querySelector('input[name$="-DELETE"]');

  // A button shows a symbol at desktop width and, where given, a word on a phone's card (CSS);
  // its accessible name (set in renumber) names the shot and contains the word.
  function button(cls, text, onClick, word) {
    const b = document.createElement("button");
    b.type = "button";
    b.className = `secondary ${cls}`;
    setText(b, text, word);
    b.addEventListener("click", onClick);
    return b;
  }
  function setText(b, text, word) {
    b.replaceChildren();
    if (!word) { b.textContent = text; return; }
    const sym = document.createElement("span");
    sym.className = "sym";
    sym.textContent = text;
    const w = document.createElement("span");
    w.className = "word";
    w.textContent = word;
    b.append(sym, w);
  }

  function tools(row) {
    const cell = document.createElement("td");
    cell.className = "tools";
    const handle = document.createElement("span");
    handle.className = "handle";
    handle.textContent = "⠿";
    handle.setAttribute("aria-hidden", "true");
    handle.addEventListener("pointerdown", (e) => drag(e, row));
    const inner = document.createElement("div");
    inner.className = "tools-inner";
    inner.append(
      handle,
      button("up", "↑", () => move(row, -1, row.querySelector("button.up"))),
      button("down", "↓", () => move(row, 1, row.querySelector("button.down"))),
      button("above", "+↑", () => insert(row, "before"), words.aboveShort),
      button("below", "+↓", () => insert(row, "after"), words.belowShort),
      button("delete", words.deleteShort, () => toggleDelete(row)),
    );
    cell.appendChild(inner);
    const note = document.createElement("p");
    note.className = "deleted-note";
    note.textContent = words.deleted;
    row.querySelector(".c-picture").appendChild(note);
    row.appendChild(cell);
    row.addEventListener("keydown", (e) => {
      if (!e.altKey || (e.key !== "ArrowUp" && e.key !== "ArrowDown")) return;
      e.preventDefault();
      move(row, e.key === "ArrowUp" ? -1 : 1, document.activeElement);
    });
  }

  function renumber() {
    let n = 0;
    rows().forEach((row, index) => {
      for (const el of row.querySelectorAll("[name], [id], label[for]")) {
        for (const attr of ["name", "id", "for"]) {
          const value = el.getAttribute(attr);
          if (value) el.setAttribute(attr, value.replace(new RegExp(`${prefix}-(\\d+|__prefix__)-`), `${prefix}-${index}-`));
        }
      }
      const shown = isDeleted(row) ? "—" : String(++n);
      row.querySelectorAll(".shot-n").forEach((el) => { el.textContent = shown; });
      const img = row.querySelector(".thumb img");
      if (img) img.alt = fill(words.frameOf, shown);
      const label = (key, sel) => {
        const b = row.querySelector(sel);
        if (b) { b.setAttribute("aria-label", fill(words[key], shown)); b.title = b.getAttribute("aria-label"); }
      };
      label("up", "button.up"); label("down", "button.down"); label("above", "button.above"); label("below", "button.below");
      label(isDeleted(row) ? "undo" : "delete", "button.delete");
      row.querySelector("button.up").disabled = index === 0;
      row.querySelector("button.down").disabled = index === body.rows.length - 1;
    });
    total.value = String(body.rows.length);
    addButton.disabled = body.rows.length >= words.max;
  }

  function blankRow() {
    const row = template.content.firstElementChild.cloneNode(true);
    tools(row);
    return row;
  }

  function insert(row, where) {
    if (body.rows.length >= words.max) { say(words.limit); return; }
    const fresh = blankRow();
    if (row) row[where](fresh); else body.appendChild(fresh);
    renumber();
    touch();
    fresh.querySelector("textarea").focus();
  }

  function move(row, step, keepFocus) {
    const other = step < 0 ? row.previousElementSibling : row.nextElementSibling;
    if (!other) return;
    if (step < 0) other.before(row); else other.after(row);
    renumber();
    touch();
    // A move button that has just become disabled (the row reached an end) hands focus to its twin.
    if (keepFocus && !keepFocus.disabled) keepFocus.focus();
    else if (keepFocus) row.querySelector(step < 0 ? "button.down" : "button.up").focus();
    say(fill(words.moved, rows().indexOf(row) + 1));
  }

  function toggleDelete(row) {
    const box = deleteBox(row);
    box.checked = !box.checked;
    row.classList.toggle("deleted", box.checked);
    renumber();
    touch();
    row.querySelector("button.delete").textContent = box.checked ? words.undoShort : words.deleteShort;
    const picture = row.querySelector('textarea[name$="-picture"]').value.trim();
    row.querySelector(".deleted-note").textContent = picture ? `${words.deleted} “${picture.slice(0, 24)}”` : words.deleted;
    row.querySelector("button.delete").focus();
  }

  // Drag by the handle with pointer events (mouse, pen and touch alike): the row follows the
  // pointer over the other rows; the order is taken when it is let go. The moves are heard on the
  // window: moving the row in the document would end a pointer capture on its handle.
  function drag(event, row) {
    if (event.button !== 0) return;
    event.preventDefault();
    row.classList.add("dragging");
    const onMove = (e) => {
      for (const other of rows()) {
        if (other === row) continue;
        const r = other.getBoundingClientRect();
        if (e.clientY >= r.top && e.clientY <= r.bottom) {
          if (e.clientY < r.top + r.height / 2) { if (row.nextElementSibling !== other) other.before(row); }
          else if (row.previousElementSibling !== other) other.after(row);
          break;
        }
      }
    };
    const onUp = () => {
      window.removeEventListener("pointermove", onMove);
      window.removeEventListener("pointerup", onUp);
      window.removeEventListener("pointercancel", onUp);
      row.classList.remove("dragging");
      renumber();
      touch();
      say(fill(words.moved, rows().indexOf(row) + 1));
    };
    window.addEventListener("pointermove", onMove);
    window.addEventListener("pointerup", onUp);
    window.addEventListener("pointercancel", onUp);
  }

  // The server sends a few blank rows for use without this script; with it, "add a shot" does.
  const filled = rows().filter((row) => row.querySelector('input[name$="-source"]').value
    || Array.from(row.querySelectorAll("textarea, input[type=text], input[type=number]")).some((el) => el.value.trim())
    || row.classList.contains("has-error"));
  for (const row of rows()) if (!filled.includes(row) && (filled.length || row !== body.rows[0])) row.remove();
  for (const row of rows()) {
    tools(row);
    if (deleteBox(row).checked) { row.classList.add("deleted"); row.querySelector("button.delete").textContent = words.undoShort; }
  }
  const addButton = button("add", `+ ${words.add}`, () => { insert(null); });
  table.after(addButton);
  renumber();

  if (form.dataset.unsaved) touch();  // a refused save shown again: these rows are not saved yet
  form.addEventListener("input", touch);
  form.addEventListener("change", touch);
  form.addEventListener("submit", () => { dirty = false; delete form.dataset.dirty; });
  window.addEventListener("beforeunload", (e) => {
    if (!dirty) return;
    e.preventDefault();
    e.returnValue = "";
  });
})();
