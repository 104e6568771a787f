/**
 * Draws a results chart as SVG on the server, no library: the page stays plain HTML with a strict CSP, and 30 points
 * per line need nothing more. Lines scale to the width (viewBox, width 100%), so a 390 px phone shows the whole month;
 * each point has a <title> (day and number) and each line its total in data attributes and the legend.
 */
import type { Chart } from "./results.js";

const W = 360;
const H = 150;
const PAD = { left: 30, right: 6, top: 8, bottom: 20 };
const COLORS = ["#2563eb", "#16a34a", "#dc2626", "#9333ea"];

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
const fmt = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2)).replace(/\B(?=(\d{3})+(?!\d))/g, " ");

/** A round top for the axis: 1, 2, 5 × 10^k at or above the largest value. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(max));
  return [1, 2, 5, 10].map((m) => m * p).find((v) => v >= max)!;
}

export function chartSvg(chart: Chart, days: string[]): string {
  const top = niceMax(Math.max(0, ...chart.series.flatMap((s) => s.values)));
  const innerW = W - PAD.left - PAD.right;
  const innerH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (days.length > 1 ? (i * innerW) / (days.length - 1) : innerW / 2);
  const y = (v: number) => PAD.top + innerH - (v / top) * innerH;
  const label = (d: string) => `${d.slice(8, 10)}.${d.slice(5, 7)}`;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${esc(chart.title)}">`,
    `<line x1="${PAD.left}" y1="${y(0)}" x2="${W - PAD.right}" y2="${y(0)}" stroke="#ccc"/>`,
    `<line x1="${PAD.left}" y1="${y(top)}" x2="${W - PAD.right}" y2="${y(top)}" stroke="#eee"/>`,
    `<text x="${PAD.left - 4}" y="${y(top) + 4}" text-anchor="end" font-size="10" fill="#666">${fmt(top)}</text>`,
    `<text x="${PAD.left - 4}" y="${y(0) + 4}" text-anchor="end" font-size="10" fill="#666">0</text>`,
  ];
  if (days.length > 0) {
    parts.push(`<text x="${x(0)}" y="${H - 4}" font-size="10" fill="#666">${label(days[0]!)}</text>`);
    parts.push(`<text x="${x(days.length - 1)}" y="${H - 4}" text-anchor="end" font-size="10" fill="#666">${label(days.at(-1)!)}</text>`);
  }
  chart.series.forEach((s, k) => {
    const color = COLORS[k % COLORS.length]!;
    const points = s.values.map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(" ");
    parts.push(`<g data-series="${esc(s.key)}" data-total="${s.total}">`);
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="1.5"/>`);
    s.values.forEach((v, i) => {
      if (v > 0) parts.push(`<circle cx="${x(i).toFixed(1)}" cy="${y(v).toFixed(1)}" r="2" fill="${color}"><title>${label(days[i]!)}: ${fmt(v)} — ${esc(s.label)}</title></circle>`);
    });
    parts.push("</g>");
  });
  parts.push("</svg>");
  return parts.join("");
}

/** The chart with its legend (colour, label, 30-day total) as an HTML fragment. */
export function chartHtml(chart: Chart, days: string[]): string {
  const legend = chart.series
    .map((s, k) => `<li><span class="swatch c${k % COLORS.length}"></span>${esc(s.label)}: <b data-total-of="${esc(s.key)}">${fmt(s.total)}</b>${chart.unit ? ` ${esc(chart.unit)}` : ""}</li>`)
    .join("");
  return `<figure class="chart"><figcaption>${esc(chart.title)}</figcaption>${chartSvg(chart, days)}<ul class="legend">${legend}</ul></figure>`;
}
