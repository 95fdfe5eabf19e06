// The collective sessions (workshops, group information): the recent ones, and each one's
// attendance sheet, where the attendees who came without a dossier event yet are added — each
// gets the event of the session's first attendee (nature, mode, themes, duration, time).
"use strict";

async function sessionsScreen() {
  const sessions = await api.get(`/intake/v1/${ML}/sessions?days=90`);
  const rows = sessions.map((s) => [frInstant(s.first_at), valueLabel(s.nature), s.themes.map((t) => valueLabel(t)).join(", "),
    String(s.attendees), link(`#/seances/${s.session_id}`, "Feuille de présence")]);
  show("Séances collectives", el("h1", { text: "Séances collectives" }),
    el("p", { text: "Une séance commence avec l'événement de son premier participant (Événement du dossier, nature atelier ou information collective, « Nouvelle séance ») ; les autres s'ajoutent depuis sa feuille de présence." }),
    rows.length ? table(["Date", "Nature", "Thèmes", "Participants", ""], rows, "Séances des 90 derniers jours") : el("p", { text: "Aucune séance ces 90 derniers jours." }));
  focusFirst(main);
}

async function sheetScreen(sessionId) {
  const sheet = await api.get(`/intake/v1/${ML}/sessions/${encodeURIComponent(sessionId)}`);
  const present = new Set(sheet.attendees_list.map((a) => a.jeune_id));
  const rows = sheet.attendees_list.map((a) => [link(`#/jeune/${a.jeune_id}`, a.last_name ? a.last_name.toUpperCase() : "(données effacées)"),
    a.first_name || "", a.birth_date ? frDate(a.birth_date) : "", frInstant(a.occurred_at)]);
  const error = el("p", { class: "error", id: "participants-error", hidden: true });
  const picker = youthPicker({ id: "participants", label: "Participants à ajouter", error, key: "participants" });
  const add = el("button", { type: "button", text: "Ajouter à la séance" });
  const progress = el("p", { class: "progress", role: "status", "aria-live": "polite" });
  add.addEventListener("click", async () => {
    const chosen = picker.read().filter((j) => !present.has(j));
    if (!chosen.length) { error.textContent = "Ajoutez au moins un participant qui n'est pas déjà sur la feuille."; error.hidden = false; return; }
    add.disabled = true;
    const body = { nature: sheet.nature, mode: sheet.mode, themes: sheet.themes, session_id: sheet.session_id, occurred_at: sheet.first_at };
    if (sheet.duration_minutes) body.duration_minutes = sheet.duration_minutes;
    const refused = [];
    for (const jeune of chosen) {  // one command each, each with its own key: a retry records once
      try {
        await api.command("post", `/intake/v1/${ML}/youths/${jeune}/events`, body, crypto.randomUUID(), (waiting) => { progress.textContent = waiting; });
      } catch (problem) {
        refused.push(problem.detail || problem.title || "refusé");
      }
    }
    add.disabled = false;
    flash = refused.length ? `Ajoutés, sauf ${refused.length} : ${refused.join(" ; ")}` : "Participants ajoutés à la séance.";
    await sheetScreen(sessionId);
  });
  const title = `${valueLabel(sheet.nature)} du ${frInstant(sheet.first_at)}`;
  show(title, el("h1", { text: title }),
    el("p", { text: [sheet.themes.map((t) => valueLabel(t)).join(", "), valueLabel(sheet.mode), sheet.duration_minutes ? `${sheet.duration_minutes} min` : ""].filter(Boolean).join(" · ") }),
    section("Présents", table(["Nom", "Prénom", "Né(e) le", "Date"], rows, "Feuille de présence")),
    section("Ajouter des participants", picker.node, el("div", { class: "actions" }, add), progress),
    link("#/seances", "Toutes les séances"));
  focusFirst(main);
}
