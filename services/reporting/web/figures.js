// Figures drawn twice: a Chart.js chart for the eye and the same numbers in a table for screen
// readers, keyboards and anyone who wants the exact value. Charts are kept between updates of
// the document (only their data changes), so a live page animates instead of flickering.
"use strict";

const $ = (id) => document.getElementById(id);
const fmt = new Intl.NumberFormat("fr-FR");
const esc = (s) => String(s).replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" }[c]));
const PALETTE = ["#1f4e8c", "#d9822b", "#3a8f5c", "#7a4fa3", "#c44e52", "#2a9d8f", "#8c6d31", "#5b6b7a"];
const MAX_BARS = 25;  // a ranked chart shows the first 25; its table lists every row
const live = new Map();  // canvas id → Chart

if (window.Chart) {
  Chart.defaults.locale = "fr-FR";
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = "#1b1f24";
  Chart.defaults.animation.duration = 300;
}

// A figure: { id, caption, rows: [{key, label}], columns: [{label, values, format, plot}],
//             type: "bar" | "doughnut", horizontal, link: "ml" | "commune" | null, openTable }
function figureSkeleton(f) {
  const chart = window.Chart
    ? `<div class="chart-box" id="box-${f.id}"><canvas id="chart-${f.id}" role="img"
         aria-label="${esc(f.caption)} (graphique ; les valeurs sont dans le tableau qui suit)"></canvas></div>`
    : `<p class="note">Graphique indisponible : les valeurs sont dans le tableau.</p>`;
  const table = `<div data-table="${f.id}"></div>`;
  return `<figure><figcaption>${esc(f.caption)}</figcaption>${chart}${f.openTable || !window.Chart ? table
    : `<details><summary>Voir les données du graphique</summary>${table}</details>`}</figure>`;
}

function figureTable(f) {
  if (!f.rows.length) return `<p class="note">Aucune donnée sur la période.</p>`;
  // On a phone: the name and the first two columns; the N−1 column and the others on a wider screen.
  const rank = f.columns.map((c, i) => f.columns.slice(0, i + 1).filter((d) => !d.secondary).length);
  const narrow = (i) => (f.columns[i].secondary || rank[i] > 2 ? " hide-narrow" : "");
  const head = f.columns.map((c, i) => `<th scope="col" class="num${narrow(i)}">${esc(c.label)}</th>`).join("");
  const body = f.rows.map((row, r) => {
    const name = f.link ? `<button class="link" data-${f.link}="${esc(row.key)}">${esc(row.label)}</button>` : esc(row.label);
    const cells = f.columns.map((c, i) => `<td class="num${narrow(i)}">${(c.format || fmt.format)(c.values[r] ?? 0)}</td>`).join("");
    return `<tr><th scope="row">${name}</th>${cells}</tr>`;
  }).join("");
  return `<table><caption class="visually-hidden">${esc(f.caption)}</caption>
    <thead><tr><th scope="col">${esc(f.rowHeader || "Nom")}</th>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

function chartData(f) {
  const shown = f.type === "doughnut" ? f.rows.length : Math.min(f.rows.length, MAX_BARS);
  const plotted = f.columns.filter((c) => c.plot);
  return {
    labels: f.rows.slice(0, shown).map((r) => r.label),
    datasets: plotted.map((c, i) => ({
      label: c.label, data: c.values.slice(0, shown).map((v) => v ?? 0),
      backgroundColor: f.type === "doughnut" ? PALETTE : PALETTE[i % PALETTE.length],
    })),
  };
}

// Fills the table and creates or updates the chart of figure f (its skeleton is in the page).
function fillFigure(f, onPick) {
  document.querySelector(`[data-table="${f.id}"]`).innerHTML = figureTable(f);
  if (!window.Chart) return;
  const data = chartData(f);
  const box = $(`box-${f.id}`);
  if (f.type === "bar" && f.horizontal) box.style.height = `${Math.max(160, 60 + data.labels.length * 26 * Math.max(1, data.datasets.length * 0.7))}px`;
  const chart = live.get(f.id);
  if (chart) {
    chart.data.labels = data.labels;
    data.datasets.forEach((d, i) => { chart.data.datasets[i].data = d.data; });
    chart.$rows = f.rows;
    chart.update();
    return;
  }
  const created = new Chart($(`chart-${f.id}`), {
    type: f.type,
    data,
    options: {
      maintainAspectRatio: false,
      indexAxis: f.horizontal ? "y" : "x",
      plugins: { legend: { display: f.type === "doughnut" || data.datasets.length > 1, position: "bottom" } },
      scales: f.type === "bar" ? {
        [f.horizontal ? "x" : "y"]: { beginAtZero: true, ticks: { precision: 0 } },
        [f.horizontal ? "y" : "x"]: { ticks: { callback: shortLabel } } } : {},
      onClick: (_event, elements, c) => { if (f.link && elements.length) onPick(c.$rows[elements[0].index].key); },
      onHover: (event, elements) => { event.native.target.style.cursor = f.link && elements.length ? "pointer" : "default"; },
    },
  });
  created.$rows = f.rows;
  live.set(f.id, created);
}

// Long names (communes, Missions Locales) are shortened on a phone; the table has them whole.
function shortLabel(value) {
  const text = String(this.getLabelForValue(value));
  return window.innerWidth < 640 && text.length > 16 ? `${text.slice(0, 15)}…` : text;
}

function forgetCharts() {
  live.forEach((c) => c.destroy());
  live.clear();
}
