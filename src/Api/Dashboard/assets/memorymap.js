// The memory map: one picture of the physical address space. Scale (docs/dashboard.md says why):
// the space is cut at every boundary of every range drawn; each piece between two boundaries gets a
// width that grows with the logarithm of its size, and address gaps (no range at all) shrink to a
// fixed, marked break. Inside a piece the scale is linear, so order and containment stay exact while
// a 4 KiB header and a 64 GiB RAM range are both visible on one line.
import { s } from "./dom.js";
import { bytes, hex } from "./format.js";

/** A half-open range [start, end) of BigInt addresses with what to draw. */
export function range(kind, start, size, label, extra = {}) {
  return { kind, start, end: start + BigInt(size), label, ...extra };
}

/** The ranges of a plan (/v1/plan or /v1/generations/{n}/plan), by lane. */
export function planRanges(plan) {
  const A = BigInt;
  const ram = (plan.systemRam || []).map(r => range("ram", A(r.start), A(r.end) - A(r.start) + 1n, "System RAM"));
  const reservations = plan.reservations.map(r => range("reservation", A(r.start), A(r.end) - A(r.start) + 1n, "crash reservation"));
  const loads = plan.loads.map((l, i) => range("load", A(l.physicalAddress), l.size, `PT_LOAD ${i}`,
    { segment: l, detail: `${l.kind}, p_offset ${l.offset}, p_vaddr ${l.virtualAddress}` }));
  const special = [];
  if (plan.backup) {
    special.push(range("backup-source", A(plan.backup.source), plan.backup.size, "backed-up low RAM",
      { detail: `copied to ${plan.backup.destination} at crash time` }));
    special.push(range("backup", A(plan.backup.destination), plan.backup.reserved, "backup region",
      { detail: `holds ${plan.backup.source} (${bytes(plan.backup.size)}) after the crash` }));
  }
  if (plan.header && plan.header.address) {
    special.push(range("header", A(plan.header.address), plan.header.reserved, "ELF core header",
      { detail: `elfcorehdr=${plan.header.address}, ${plan.header.size} bytes used, ${plan.header.programHeaders} program headers` }));
  }
  return { ram, reservations, loads, special };
}

/** Parts of the current plan's loads that no load of the previous plan covered: hot-added memory. */
export function addedSince(current, previous) {
  const prev = previous.loads.map(l => [BigInt(l.physicalAddress), BigInt(l.physicalAddress) + BigInt(l.size)]).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const added = [];
  for (const load of current.loads) {
    let cursor = BigInt(load.physicalAddress);
    const end = cursor + BigInt(load.size);
    for (const [ps, pe] of prev) {
      if (pe <= cursor || ps >= end) continue;
      if (ps > cursor) added.push(range("added", cursor, ps - cursor, "added since the previous generation"));
      if (pe > cursor) cursor = pe;
    }
    if (cursor < end) added.push(range("added", cursor, end - cursor, "added since the previous generation"));
  }
  return added;
}

function log2(big) {
  const n = Number(big);
  return n <= 1 ? 0 : Math.log2(n);
}

const GAP_WEIGHT = 2;

/** The axis: pieces between boundaries with their x positions; x(address) maps into it. */
export function axis(all, width) {
  const points = [...new Set(all.flatMap(r => [r.start, r.end]).map(String))].map(BigInt).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const pieces = [];
  for (let i = 0; i + 1 < points.length; i++) {
    const start = points[i], end = points[i + 1];
    const covered = all.some(r => r.start <= start && r.end >= end);
    // 4 KiB weighs 1, 1 GiB 19, 64 GiB 25: every piece stays visible, big ones stay bigger.
    const weight = covered ? Math.max(1, log2(end - start) - 11) : GAP_WEIGHT;
    pieces.push({ start, end, covered, weight });
  }
  const total = pieces.reduce((t, p) => t + p.weight, 0) || 1;
  let x = 0;
  for (const p of pieces) {
    p.x = x;
    p.w = (p.weight / total) * width;
    x += p.w;
  }
  const at = address => {
    for (const p of pieces) {
      if (address >= p.start && address <= p.end) {
        const span = Number(p.end - p.start) || 1;
        return p.x + (Number(address - p.start) / span) * p.w;
      }
    }
    return address < (pieces[0]?.start ?? 0n) ? 0 : width;
  };
  return { pieces, at };
}

const LANES = [
  { key: "ram", label: "System RAM" },
  { key: "reservations", label: "Crash reservation" },
  { key: "loads", label: "PT_LOAD (plan)" },
  { key: "special", label: "Backup, header" },
  { key: "added", label: "Added since gen." },
];

const LABEL_W = 150, WIDTH = 1100, LANE_H = 34, GAP = 8, TOP = 8;

/** Draws the map; every shape carries data-kind, data-start (hex), data-size (bytes) and a hover title. */
export function drawMap(lanes) {
  const all = [...lanes.ram, ...lanes.reservations, ...lanes.loads, ...lanes.special, ...lanes.added];
  const plot = WIDTH - LABEL_W - 10;
  const { pieces, at } = axis(all, plot);
  const height = TOP + LANES.length * (LANE_H + GAP) + 40;
  const svg = s("svg", {
    viewBox: `0 0 ${WIDTH} ${height}`, class: "memory-map", role: "img",
    "aria-label": "Physical memory map: System RAM, crash reservation, planned PT_LOAD segments, backup region and header",
  });
  svg.append(patterns());
  const plotG = s("g", { transform: `translate(${LABEL_W},0)` });
  LANES.forEach((lane, i) => {
    const y = TOP + i * (LANE_H + GAP);
    svg.append(s("text", { x: 4, y: y + LANE_H / 2 + 5, class: "lane-label" }, lane.key === "added" && lanes.previous ? `Added since gen. ${lanes.previous}` : lane.label));
    plotG.append(s("rect", { x: 0, y, width: plot, height: LANE_H, class: "lane" }));
    for (const r of lanes[lane.key]) plotG.append(shape(r, at, y));
  });
  // Gaps: a narrow band across all lanes, cut by a double slash, where no range exists.
  const bottom = TOP + LANES.length * (LANE_H + GAP) - GAP;
  for (const p of pieces.filter(p => !p.covered)) {
    const x = p.x + p.w / 2;
    plotG.append(s("g", { class: "gap", "data-start": hex(p.start), "data-size": String(p.end - p.start) },
      s("title", {}, `gap ${hex(p.start)}–${hex(p.end - 1n)} (${bytes(p.end - p.start)}): no RAM, drawn compressed`),
      s("rect", { x: p.x, y: TOP, width: p.w, height: bottom - TOP, class: "gap-band" }),
      s("path", { d: `M${x - 6},${bottom + 4} L${x - 1},${bottom - 8} M${x + 1},${bottom + 4} L${x + 6},${bottom - 8}`, class: "gap-mark" })));
  }
  // Axis: an address under every RAM range's start and the end of the space.
  const axisY = TOP + LANES.length * (LANE_H + GAP) + 14;
  let lastX = -1e9;
  const end = all.reduce((m, r) => (r.end > m ? r.end : m), 0n);
  const ticks = [...lanes.ram.map(r => r.start), ...lanes.reservations.map(r => r.start), end];
  for (const address of [...new Set(ticks.map(String))].map(BigInt).sort((a, b) => (a < b ? -1 : 1))) {
    const x = at(address);
    if (x - lastX < 80) continue;
    lastX = x;
    // The first and last labels lean inwards so they stay inside the picture.
    const anchor = x < 40 ? "start" : x > plot - 40 ? "end" : "middle";
    plotG.append(s("line", { x1: x, x2: x, y1: axisY - 12, y2: axisY - 6, class: "tick" }));
    plotG.append(s("text", { x, y: axisY + 6, class: `tick-label ${anchor}` }, address === end ? `${hex(end - 1n)}` : hex(address)));
  }
  svg.append(plotG);
  return svg;
}

function shape(r, at, y) {
  const x0 = at(r.start), x1 = at(r.end);
  const w = Math.max(x1 - x0, 2);
  const g = s("g", {
    class: `shape ${r.kind}`, "data-kind": r.kind, "data-start": hex(r.start), "data-size": String(r.end - r.start),
    "data-end": hex(r.end - 1n), tabindex: 0,
  });
  g.append(s("title", {}, `${r.label}: ${hex(r.start)}–${hex(r.end - 1n)} (${bytes(r.end - r.start)})${r.detail ? "; " + r.detail : ""}`));
  g.append(s("rect", { x: x0, y: y + 3, width: w, height: LANE_H - 6, fill: `url(#pattern-${r.kind})`, class: "fill" }));
  const text = r.kind === "load" ? `${r.label.replace("PT_LOAD ", "#")} ${bytes(r.end - r.start)}` : bytes(r.end - r.start);
  if (w > text.length * 7 + 6) {
    g.append(s("text", { x: x0 + w / 2, y: y + LANE_H / 2 + 4, class: "shape-label" }, text));
  }
  return g;
}

// Patterns so the lanes read without colour: solid, diagonal, dots, cross-hatch.
function patterns() {
  const defs = s("defs");
  const p = (id, ...children) => defs.append(s("pattern", { id: `pattern-${id}`, width: 8, height: 8, patternUnits: "userSpaceOnUse" }, ...children));
  p("ram", s("rect", { width: 8, height: 8, class: "p-ram" }));
  p("reservation", s("rect", { width: 8, height: 8, class: "p-res" }), s("path", { d: "M0,8 L8,0", class: "p-line" }));
  p("load", s("rect", { width: 8, height: 8, class: "p-load" }), s("circle", { cx: 4, cy: 4, r: 1.2, class: "p-dot" }));
  p("backup", s("rect", { width: 8, height: 8, class: "p-backup" }), s("path", { d: "M0,4 L8,4 M4,0 L4,8", class: "p-line" }));
  p("backup-source", s("rect", { width: 8, height: 8, class: "p-backup" }), s("path", { d: "M0,0 L8,8", class: "p-line" }));
  p("header", s("rect", { width: 8, height: 8, class: "p-header" }));
  p("added", s("rect", { width: 8, height: 8, class: "p-added" }), s("path", { d: "M0,0 L8,8 M0,8 L8,0", class: "p-line" }));
  return defs;
}
