// The desk's forms, drawn from the services' own OpenAPI documents: each command's fields, their
// lists of values, bounds and whether they are required come from the schema the service checks,
// so a form never drifts from its command. What a form sends is what the API documents; what the
// service refuses comes back as a problem document, shown next to the field it names.
"use strict";

const specs = {};  // service → its OpenAPI document, fetched once through the proxy
async function spec(service) {
  if (!specs[service]) {
    const response = await fetch(`/${service}/openapi.json`);
    if (!response.ok) throw new Error(`Le service ${service} ne répond pas (${response.status}).`);
    specs[service] = await response.json();
  }
  return specs[service];
}

const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === false || v === null || v === undefined) continue;
    if (k === "text") node.textContent = v; else node.setAttribute(k, v === true ? "" : v);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
};

function resolve(doc, schema) {
  while (schema && schema.$ref) schema = doc.components.schemas[schema.$ref.split("/").pop()];
  if (schema && schema.anyOf) {  // `X | None`: the field may be left empty
    const kept = schema.anyOf.filter((s) => s.type !== "null");
    if (kept.length === 1) return { ...resolve(doc, kept[0]), nullable: true, default: schema.default };
  }
  return schema || {};
}
const fieldLabel = (name) => FIELD_LABELS[name] || name;
const valueLabel = (value, name) => {
  const known = window.catalogueValues || {};
  const sector = name === "sector" && known[`rome.${value}`] ? `${value} — ${known[`rome.${value}`]}` : null;
  const word = sector || VALUE_WORDS[value] || known[value] || String(value);
  return word.charAt(0).toUpperCase() + word.slice(1);
};

// French dates typed jj/mm/aaaa (and hh:mm for instants), sent as ISO.
function isoDate(text) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(text);
  if (!m) return null;
  const iso = `${m[3]}-${m[2].padStart(2, "0")}-${m[1].padStart(2, "0")}`;
  const d = new Date(`${iso}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== iso ? null : iso;
}
function isoInstant(text) {
  const m = /^\s*(\S+)\s+(\d{1,2}):(\d{2})\s*$/.exec(text);
  const day = m && isoDate(m[1]);
  return day ? new Date(`${day}T${m[2].padStart(2, "0")}:${m[3]}:00`).toISOString() : null;
}
const frDate = (iso) => (iso ? `${iso.slice(8, 10)}/${iso.slice(5, 7)}/${iso.slice(0, 4)}` : "");
const frInstant = (iso) => {
  if (!iso) return "";
  const d = new Date(iso);
  return `${d.toLocaleDateString("fr-FR")} ${d.toLocaleTimeString("fr-FR", { hour: "2-digit", minute: "2-digit" })}`;
};

class InputError extends Error {}
let fieldSeq = 0;

// A value as its control shows it: dates typed jj/mm/aaaa, amounts in euros.
function shown(schema, name, value) {
  if (value === undefined || value === null) return "";
  if (schema.format === "date") return frDate(value);
  if (schema.format === "date-time") return frInstant(value);
  if (name.endsWith("_cents")) return String(value / 100).replace(".", ",");
  return String(value);
}

// Beyond this many, a list to pick from is typed with completion rather than scrolled.
const MANY_PICKS = 30;
// Labels a counselor can tell apart (two employers may share a name and a town).
function uniqueLabels(picks) {
  const seen = new Map();
  return picks.map((c) => {
    const n = (seen.get(c.label) || 0) + 1;
    seen.set(c.label, n);
    return n === 1 ? c.label : `${c.label} (${n})`;
  });
}
// A picked field's control (a list, or a completed text), and its value read or set from code
// (an offer fills in its employer).
const pickedControl = (form, name) => form.querySelector(`[data-field="${name}"] select, [data-field="${name}"] input[list]`);
const completions = (form, control) => [...form.querySelectorAll(`#${CSS.escape(control.getAttribute("list"))} option`)];
function pickedValue(form, control) {
  if (control.tagName === "SELECT") return control.value;
  const option = completions(form, control).find((o) => o.value === control.value);
  return option ? option.dataset.value : "";
}
function setPicked(form, name, value) {
  const control = pickedControl(form, name);
  if (!control) return;
  if (control.tagName === "SELECT") { control.value = value; return; }
  const option = completions(form, control).find((o) => o.dataset.value === value);
  control.value = option ? option.value : "";
}

// One field of the form: its control(s), and how to read its value (undefined = left out).
// `opts.choices[name]`, when given, lists the values to pick from ({ value, label }), for
// identifiers the counselor should never type; `opts.widgets[name]` draws a field of its own
// (the participants found by name); `opts.initial` holds the values shown at first.
function field(doc, name, raw, required, path, opts = {}) {
  const schema = resolve(doc, raw);
  const initial = (opts.initial || {})[name];
  const id = `f${++fieldSeq}`;
  const key = [...path, name].join(".");
  const error = el("p", { class: "error", id: `${id}-error`, hidden: true });
  const label = `${fieldLabel(name)}${required ? " *" : ""}`;
  const described = { "aria-describedby": `${id}-error` };
  const wrap = (control, hint) => el("div", { class: "field", "data-field": key }, el("label", { for: id, text: label }), hint ? el("span", { class: "hint", id: `${id}-hint`, text: hint }) : null, control, error);

  if (schema.type === "object" && schema.properties) {  // a group of fields (the profile)
    const inner = fields(doc, schema, [...path, name], [], { ...opts, initial: initial || {} });
    const box = el("fieldset", { "data-field": key }, el("legend", { text: label }), ...inner.nodes);
    return { node: box, key, read: () => inner.read(), error, group: true };
  }
  const widget = (opts.widgets || {})[name];
  if (widget) return { key, error, ...widget({ id, label, error, key }) };
  const picks = (opts.choices || {})[name];
  if (picks && schema.type === "array") {  // several of a list: boxes
    const boxes = picks.map((c, i) => el("input", { type: "checkbox", id: `${id}-${i}`, value: c.value, checked: (initial || []).includes(c.value), ...described }));
    const box = el("fieldset", { class: "choices", "data-field": key }, el("legend", { text: label }),
      ...picks.map((c, i) => el("span", { class: "choice" }, boxes[i], el("label", { for: `${id}-${i}`, text: c.label }))),
      picks.length ? null : el("p", { class: "hint", text: "Aucun à choisir pour l'instant." }), error);
    return { node: box, key, error, focus: boxes[0], read: () => boxes.filter((b) => b.checked).map((b) => b.value) };
  }
  if (picks && picks.length > MANY_PICKS && !picks.scroll) {  // a long list (employers): typed, completed
    const listId = `${id}-list`;
    const labels = uniqueLabels(picks);
    const byLabel = new Map(picks.map((c, i) => [labels[i], c.value]));
    const input = el("input", { id, name: key, type: "text", list: listId, autocomplete: "off", "aria-describedby": `${id}-hint ${id}-error` });
    if (initial) input.value = labels[picks.findIndex((c) => c.value === initial)] || "";
    const node = wrap(input, picks.hint || "Tapez le début du nom, puis choisissez dans la liste.");
    node.insertBefore(el("datalist", { id: listId }, ...picks.map((c, i) => el("option", { value: labels[i], "data-value": c.value }))), error);
    return { node, key, error, focus: input, read: () => {
      const text = input.value.trim();
      if (text === "") return required ? null : undefined;
      if (!byLabel.has(text)) throw new InputError("Choisissez dans la liste proposée.");
      return byLabel.get(text);
    } };
  }
  if (picks) {
    const select = el("select", { id, name: key, ...described },
      el("option", { value: "", text: required ? "— choisir —" : picks.none || "—" }),
      ...picks.map((c) => el("option", { value: c.value, text: c.label })));
    if (initial) select.value = initial;
    if (picks.hint) select.setAttribute("aria-describedby", `${id}-hint ${id}-error`);
    return { node: wrap(select, picks.hint), key, error, focus: select, read: () => (select.value === "" ? (required ? null : undefined) : select.value) };
  }
  if (schema.type === "array" && resolve(doc, schema.items).enum) {  // several values: boxes
    const values = resolve(doc, schema.items).enum;
    const boxes = values.map((v, i) => el("input", { type: "checkbox", id: `${id}-${i}`, value: v, checked: (initial || []).includes(v), ...described }));
    const box = el("fieldset", { class: "choices", "data-field": key }, el("legend", { text: label }),
      ...values.map((v, i) => el("span", { class: "choice" }, boxes[i], el("label", { for: `${id}-${i}`, text: valueLabel(v, name) }))), error);
    return { node: box, key, error, focus: boxes[0], read: () => {
      const picked = boxes.filter((b) => b.checked).map((b) => b.value);
      return picked.length || required ? picked : undefined;
    } };
  }
  if (schema.enum) {
    const select = el("select", { id, name: key, ...described },
      required ? null : el("option", { value: "", text: "—" }),
      ...schema.enum.map((v) => el("option", { value: String(v), text: valueLabel(v, name) })));
    if (initial !== undefined && initial !== null) select.value = String(initial);
    else if (schema.default !== undefined && schema.default !== null) select.value = String(schema.default);
    else if (required) select.prepend(el("option", { value: "", text: "— choisir —", selected: true }));
    return { node: wrap(select), key, error, focus: select, read: () => {
      if (select.value === "") return required ? null : undefined;
      const original = schema.enum.find((v) => String(v) === select.value);
      return original;
    } };
  }
  if (schema.type === "boolean") {
    const select = el("select", { id, name: key, ...described }, el("option", { value: "", text: "—" }),
      el("option", { value: "true", text: "Oui" }), el("option", { value: "false", text: "Non" }));
    if (typeof initial === "boolean") select.value = String(initial);
    else if (typeof schema.default === "boolean") select.value = String(schema.default);
    return { node: wrap(select), key, error, focus: select, read: () => (select.value === "" ? undefined : select.value === "true") };
  }
  const input = el("input", { id, name: key, type: "text", autocomplete: "off", value: shown(schema, name, initial) || null, ...described });
  let read = () => (input.value.trim() === "" ? undefined : input.value.trim());
  let hint = null;
  if (schema.format === "date") {
    hint = "jj/mm/aaaa";
    input.setAttribute("inputmode", "numeric");
    read = () => {
      if (input.value.trim() === "") return undefined;
      const iso = isoDate(input.value);
      if (!iso) throw new InputError("Date invalide : jj/mm/aaaa.");
      return iso;
    };
  } else if (schema.format === "date-time") {
    hint = "jj/mm/aaaa hh:mm";
    read = () => {
      if (input.value.trim() === "") return undefined;
      const iso = isoInstant(input.value);
      if (!iso) throw new InputError("Date et heure invalides : jj/mm/aaaa hh:mm.");
      return iso;
    };
  } else if (schema.type === "integer" || schema.type === "number") {
    const cents = name.endsWith("_cents");
    input.setAttribute("inputmode", cents ? "decimal" : "numeric");
    read = () => {
      const text = input.value.trim().replace(",", ".");
      if (text === "") return undefined;
      const n = Number(text);
      if (!Number.isFinite(n)) throw new InputError("Nombre attendu.");
      return cents ? Math.round(n * 100) : n;
    };
  } else if (schema.maxLength) {
    input.setAttribute("maxlength", String(schema.maxLength));
  }
  if (name === "first_name") input.setAttribute("autocomplete", "off");
  if (hint) input.setAttribute("aria-describedby", `${id}-hint ${id}-error`);
  return { node: wrap(input, hint), key, error, focus: input, read };
}

const same = (a, b) => JSON.stringify(Array.isArray(a) ? [...a].sort() : a) === JSON.stringify(Array.isArray(b) ? [...b].sort() : b);

// The fields of an object schema. With `opts.changesOnly` (a correction of what is recorded,
// drawn with `opts.initial`), only what the counselor changed is read: a field emptied becomes
// null where the schema allows it, a group left as it was is left out.
function fields(doc, schema, path = [], omit = [], opts = {}) {
  const required = new Set(schema.required || []);
  const initial = opts.initial || {};
  const parts = Object.entries(schema.properties || {})
    .filter(([name]) => !omit.includes(name))
    .map(([name, raw]) => ({ ...field(doc, name, raw, required.has(name), path, opts), nullable: !!resolve(doc, raw).nullable }));
  return {
    parts,
    nodes: parts.map((p) => p.node),
    read: () => {
      const body = {};
      for (const p of parts) {
        const name = p.key.split(".").pop();
        let value = p.read();
        if (opts.changesOnly) {
          const before = initial[name] ?? undefined;
          if (p.group) value = value && Object.keys(value).length ? value : undefined;
          else if (value === undefined && before !== undefined && p.nullable) value = null;
          else if (same(value, before)) value = undefined;
        }
        if (value !== undefined) body[name] = value;
      }
      return body;
    },
  };
}

// A problem document's words next to each field it names ("body.profile.sex" → profile.sex).
function showProblem(form, summary, problem) {
  for (const node of form.querySelectorAll(".error")) { node.hidden = true; node.textContent = ""; }
  for (const node of form.querySelectorAll("[aria-invalid]")) node.removeAttribute("aria-invalid");
  const listed = [];
  for (const e of problem.errors || []) {
    const key = String(e.field || "").replace(/^body\./, "").replace(/^payload\./, "");
    const box = form.querySelector(`[data-field="${CSS.escape(key)}"]`);
    const error = box && box.querySelector(":scope > .error");
    if (error) {
      error.textContent = e.message;
      error.hidden = false;
      const control = box.querySelector("input, select, textarea");
      if (control) control.setAttribute("aria-invalid", "true");
      listed.push(el("li", {}, el("a", { href: `#${control ? control.id : ""}`, "data-focus": control ? control.id : "", text: `${fieldLabel(key.split(".").pop())} : ${e.message}` })));
    } else {
      listed.push(el("li", { text: `${e.field} : ${e.message}` }));
    }
  }
  // A validation problem's detail names the fields as the API does (body.x): the list says it in words.
  const validation = /\/validation$/.test(problem.type || "") && listed.length;
  const detail = validation ? "Une saisie est à corriger :" : problem.detail || problem.title || "La demande a été refusée.";
  summary.replaceChildren(el("p", { text: detail }), ...(listed.length ? [el("ul", {}, ...listed)] : []));
  summary.hidden = false;
  summary.focus();
}

// The form of one command: `path` as the OpenAPI names it, `params` filling its {braces}.
async function commandForm({ service, method = "post", path, params, title, omit = [], preset = {}, choices = {}, widgets = {}, initial, submitLabel = "Enregistrer", onDone, api }) {
  const doc = await spec(service);
  const operation = doc.paths[path] && doc.paths[path][method];
  if (!operation) throw new Error(`${service} ne documente pas ${method.toUpperCase()} ${path}.`);
  const bodyRef = operation.requestBody && operation.requestBody.content["application/json"].schema;
  const schema = bodyRef ? resolve(doc, bodyRef) : { properties: {} };
  const built = fields(doc, schema, [], omit, { choices, widgets, initial, changesOnly: !!initial });
  const summary = el("div", { class: "problem", role: "alert", tabindex: "-1", hidden: true });
  const button = el("button", { type: "submit", text: submitLabel });
  const progress = el("p", { class: "progress", role: "status", "aria-live": "polite" });
  const form = el("form", { novalidate: true, class: "command" },
    el("h1", { text: title || operation.summary }), summary,
    built.nodes.length ? el("p", { class: "hint", text: "* champ obligatoire" }) : null,
    ...built.nodes, el("div", { class: "actions" }, button), progress);
  // One key per submission: a double click, or the retry of an answer lost on the way, records
  // once; the key changes only once the command is answered.
  let key = crypto.randomUUID();
  const url = `/${service}${path.replace(/\{(\w+)\}/g, (_, p) => encodeURIComponent(params[p]))}`;
  form.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-focus]");
    if (link) { event.preventDefault(); document.getElementById(link.dataset.focus)?.focus(); }
  });
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (button.disabled) return;
    let body;
    try {
      for (const node of form.querySelectorAll(".error")) { node.hidden = true; }
      body = { ...preset, ...built.read() };
      if (initial && !Object.keys(body).length) { progress.textContent = "Aucune modification à enregistrer."; return; }
    } catch (exc) {
      if (!(exc instanceof InputError)) throw exc;
      const failing = built.parts.find((p) => { try { p.read(); return false; } catch { return true; } });
      showProblem(form, summary, { detail: "Une saisie est à corriger.", errors: [{ field: failing.key, message: exc.message }] });
      return;
    }
    button.disabled = true;
    summary.hidden = true;
    try {
      const answer = await api.command(method, url, body, key, (waiting) => { progress.textContent = waiting; });
      key = crypto.randomUUID();
      progress.textContent = "";
      await onDone(answer, body);
    } catch (problem) {
      progress.textContent = "";
      showProblem(form, summary, problem);
    } finally {
      button.disabled = false;
    }
  });
  form.firstFocus = () => (built.parts[0] && built.parts[0].focus) || button;
  return form;
}
