// The pages. Each takes the <main> element, fetches what it shows from the API and renders it.
import { getJson, getText, post, download, session, ApiError } from "./api.js";
import { h, facts, table, show } from "./dom.js";
import { bytes, time, ms, yesNo } from "./format.js";
import { planRanges, addedSince, drawMap } from "./memorymap.js";

const state = (ok, yes, no) => h("span", { class: `state ${ok ? "ok" : "bad"}` }, ok ? `✓ ${yes}` : `✗ ${no}`);

export function signInPage(main, { onSignIn, error }) {
  const input = h("input", { id: "token", name: "token", type: "password", autocomplete: "off", required: true, spellcheck: "false", placeholder: "kdumpd_…" });
  const message = h("p", { id: "sign-in-error", class: "error", role: "alert" }, error || "");
  const form = h("form", { id: "sign-in", class: "card narrow" },
    h("h1", {}, "Sign in"),
    h("label", { for: "token" }, "API token"),
    input,
    h("button", { type: "submit", id: "sign-in-button" }, "Sign in"),
    message,
    h("p", {}, "The token stays in this browser tab (session storage) and is sent as the bearer token of every API request."),
    h("h2", {}, "No token?"),
    h("p", { id: "how-to-token" }, "On the host, create one and make the daemon pick it up:"),
    h("pre", {}, "sudo kdumpd token new --role read --name $USER\nsudo systemctl reload kdumpd"),
    h("p", {}, "Roles: ", h("code", {}, "read"), " sees everything but downloads, ", h("code", {}, "download"),
      " also gets the vmcore and dmesg files, ", h("code", {}, "operate"), " can also reload the panic kernel."));
  form.addEventListener("submit", async e => {
    e.preventDefault();
    message.textContent = "";
    try {
      await onSignIn(input.value.trim());
    } catch (err) {
      message.textContent = err.message;
    }
  });
  show(main, form);
  input.focus();
}

export async function hostPage(main) {
  const [status, readiness] = await Promise.all([
    getJson("/v1/status"),
    getJson("/readyz", { anonymous: true, allowStatus: [503] }),
  ]);
  const active = status.activeGeneration;
  const last = status.lastReload;
  const armed = status.loaded && readiness.ready;
  const banner = h("section", { id: "armed", class: `banner ${armed ? "ok" : "bad"}`, "data-armed": String(armed) },
    h("strong", {}, armed ? "✓ ARMED" : "✗ NOT ARMED"),
    " ",
    armed ? "a crash on this host will be captured with the planned header." : "a crash now would not be captured as planned: see the failing checks.");
  const checks = table(["check", "result", "reason"], readiness.checks.map(c =>
    h("tr", { "data-check": c.name, "data-ok": String(c.ok) }, h("td", {}, h("code", {}, c.name)), h("td", {}, state(c.ok, "ok", "failing")), h("td", {}, c.detail))),
  { id: "checks", class: "checks" });
  const hotplug = status.crashHotplug || {};
  const hostFacts = facts([
    ["Kernel release", status.kernelRelease],
    ["Crash reservation", `${bytes(status.reservation.bytes)} ${status.reservation.ranges.map(r => `${r.start}–${r.end}`).join(", ")}`],
    ["Loader", active ? `${active.loader}` : "—"],
    ["Active generation", active ? `#${active.number}, ${active.outcome} at ${time(active.startedAt)}` : "none"],
    ["Plan", status.plan ? `${status.plan.layout}, ${status.plan.loads} PT_LOAD, ${status.plan.notes} PT_NOTE, header ${bytes(status.plan.headerBytes)}, fingerprint ${status.plan.fingerprint.slice(0, 16)}` : "no plan yet"],
    ["Last reload", last ? `${last.outcome} at ${time(last.at)} (${ms(last.durationMs)})` : "none since start"],
    ["Last reload trigger", last ? last.triggers.join(", ") || "—" : "—"],
    ["Crash hotplug", `memory: ${yesNo(hotplug.memory, "kernel updates the header", "no", "not supported")}; CPU: ${yesNo(hotplug.cpu, "kernel updates the header", "no", "not supported")}`],
    ["Load budget", status.loadBudgetRemaining ?? "unlimited"],
    ["Dumps", `${status.dumps.total} (${status.dumps.complete} complete, ${status.dumps.incomplete} incomplete), ${bytes(status.dumps.bytes)}`],
  ], { id: "host-facts" });
  const findings = status.plan?.findings?.length
    ? h("ul", { class: "findings" }, status.plan.findings.map(f => h("li", { class: f.severity }, h("strong", {}, `${f.severity}: `), f.message)))
    : null;
  show(main,
    h("h1", {}, "Host"), banner,
    h("section", { class: "card" }, h("h2", {}, "Readiness (/readyz)"), checks),
    h("section", { class: "card" }, h("h2", {}, "Panic kernel"), hostFacts, findings ? [h("h3", {}, "Plan findings"), findings] : null),
    session.has("operate") ? reloadCard(main) : null);
}

function reloadCard(main) {
  const result = h("p", { id: "reload-result", role: "status" });
  const button = h("button", { id: "reload", type: "button", class: "danger" }, "Reload panic kernel…");
  button.addEventListener("click", async () => {
    if (!(await confirmDialog("Re-plan and reload the panic kernel now? The host is unarmed for the duration of the load."))) {
      result.textContent = "Cancelled.";
      return;
    }
    button.disabled = true;
    result.textContent = "Reloading…";
    try {
      const r = await post("/v1/reload");
      result.textContent = `${r.outcome}${r.generation ? `, generation ${r.generation}` : ""}: ${r.message}`;
      setTimeout(() => hostPage(main).catch(() => {}), 1500);
    } catch (err) {
      result.textContent = `Reload failed: ${err.message}`;
    } finally {
      button.disabled = false;
    }
  });
  return h("section", { class: "card", id: "operate" }, h("h2", {}, "Operate"), button, result);
}

function confirmDialog(text) {
  const dialog = document.getElementById("confirm");
  document.getElementById("confirm-text").textContent = text;
  return new Promise(resolve => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
  });
}

export async function memoryPage(main) {
  const [plan, generations] = await Promise.all([getJson("/v1/plan", { allow404: true }), getJson("/v1/generations?limit=50")]);
  if (!plan) {
    show(main, h("h1", {}, "Memory map"), h("p", {}, "No plan yet: see the Host page for why."));
    return;
  }
  const lanes = planRanges(plan);
  // The previous generation: the newest recorded one before the active plan's with another fingerprint.
  const fingerprint = plan.fingerprint.replace(/^sha256:/, "");
  const activeIndex = generations.findIndex(g => g.planFingerprint === fingerprint);
  const previous = generations.slice(activeIndex + 1).find(g => g.planFingerprint && g.planFingerprint !== fingerprint);
  lanes.added = [];
  let addedNote = "No earlier generation with another plan: nothing to compare with.";
  if (previous) {
    const previousPlan = await getJson(`/v1/generations/${previous.number}/plan`, { allow404: true });
    if (previousPlan) {
      lanes.added = addedSince(plan, previousPlan);
      lanes.previous = previous.number;
      addedNote = lanes.added.length
        ? `${lanes.added.length} range(s), ${bytes(lanes.added.reduce((t, r) => t + Number(r.end - r.start), 0))}, are in this plan but not in generation ${previous.number}'s (hot-added memory).`
        : `Every planned range was already in generation ${previous.number}'s plan.`;
    }
  }
  const cpus = plan.notes.filter(n => n.kind === "crash_notes");
  const vmcoreinfo = plan.notes.find(n => n.kind === "vmcoreinfo");
  const segments = [
    ...lanes.ram, ...lanes.reservations, ...lanes.loads, ...lanes.special, ...lanes.added,
  ].sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  show(main,
    h("h1", {}, "Memory map"),
    h("section", { class: "card" },
      h("p", { class: "hint" }, "Each address gap is drawn as a narrow white band marked // and each range's width grows with the logarithm of its size, so a 4 KiB header stays visible beside tens of GiB. Hover or focus a shape for its addresses."),
      h("p", { class: "phone-only hint" }, "The picture scrolls sideways."),
      h("div", { class: "map-scroll" }, drawMap(lanes)),
      legend(),
      h("p", { id: "added-note" }, addedNote)),
    h("section", { class: "card" }, h("h2", {}, `CPU crash notes (${cpus.length})`),
      h("ul", { class: "cpus", id: "cpus" }, cpus.map(n => h("li", { "data-cpu": n.cpu }, h("strong", {}, `cpu${n.cpu}`), " ", h("code", {}, n.address), ` ${n.size} B`))),
      vmcoreinfo ? h("p", {}, "VMCOREINFO ", h("code", {}, vmcoreinfo.address), ` ${bytes(vmcoreinfo.size)}`) : null),
    h("section", { class: "card" }, h("h2", {}, "Ranges"),
      table(["what", "start", "end", "size", "detail"], segments.map(r =>
        h("tr", {}, h("td", {}, r.label), h("td", {}, h("code", {}, "0x" + r.start.toString(16))), h("td", {}, h("code", {}, "0x" + (r.end - 1n).toString(16))),
          h("td", {}, bytes(r.end - r.start)), h("td", {}, r.detail || ""))), { id: "ranges" })));
}

function legend() {
  const item = (cls, text) => h("li", {}, h("span", { class: `swatch ${cls}` }), text);
  return h("ul", { class: "legend" },
    item("ram", "System RAM (solid)"), item("reservation", "crash reservation (diagonal)"), item("load", "PT_LOAD (dots)"),
    item("backup", "backup region (cross)"), item("header", "ELF core header (dark)"), item("added", "added since previous generation (hatched)"),
    h("li", {}, h("span", { class: "gapmark" }, "//"), "address gap, compressed"));
}

const groupOf = d => d.group ?? d.groupId ?? (d.signature ? d.signature.slice(0, 12) : null);

const coverage = d => d.coversPlan === true ? "✓ covers plan" : d.coversPlan === false ? "✗ misses planned ranges" : "not checked";

export async function dumpsPage(main) {
  const page = await getJson("/v1/dumps?limit=200");
  const canDownload = session.has("download");
  const rows = page.items.map(d => h("tr", { "data-dump": d.id },
    h("td", { class: "nw" }, time(d.crashTime)),
    h("td", {}, d.kernelRelease || "—"),
    h("td", {}, h("a", { href: `#/dumps/${d.id}` }, d.title || d.panicSummary || d.id)),
    h("td", {}, groupOf(d) || "—"),
    h("td", { class: "num" }, bytes(d.fileSize)),
    h("td", { class: d.complete ? "nw" : "" }, d.complete ? "✓ complete" : `✗ incomplete${d.incompleteReason ? ": " + d.incompleteReason : ""}`),
    h("td", {}, coverage(d)),
    canDownload ? h("td", { class: "downloads" }, downloadLinks(d)) : null));
  show(main,
    h("h1", {}, "Dumps"),
    h("p", {}, `${page.total} dump(s) in the catalogue.`, canDownload ? "" : " Downloads need a token with the download role."),
    page.items.length
      ? table(["crash time", "kernel", "title", "group", "size", "state", "coverage", ...(canDownload ? ["download"] : [])], rows, { id: "dumps" })
      : h("p", { class: "card" }, "No dumps: this host has not crashed since kdumpd (or another kdump tool) started keeping them."));
}

function downloadLinks(d) {
  const link = (kind, name) => {
    const a = h("a", { href: `/v1/dumps/${d.id}/${kind}`, class: "download", "data-download": kind }, kind);
    a.addEventListener("click", async e => {
      e.preventDefault();
      a.textContent = `${kind}…`;
      try {
        await download(`/v1/dumps/${d.id}/${kind}`, name);
        a.textContent = kind;
      } catch (err) {
        a.textContent = `${kind} (${err.message})`;
      }
    });
    return a;
  };
  return [d.hasVmcore ? link("vmcore", `${d.id}-vmcore`) : null, " ", d.hasDmesg ? link("dmesg", `${d.id}-dmesg.txt`) : null];
}

export async function dumpPage(main, id) {
  const d = await getJson(`/v1/dumps/${encodeURIComponent(id)}`, { allow404: true });
  if (!d) {
    show(main, h("h1", {}, "Dump"), h("p", { class: "error" }, `No dump ${id} in the catalogue.`));
    return;
  }
  let dmesg;
  if (!d.hasDmesg) dmesg = h("p", {}, "This dump has no kernel log.");
  else if (!session.has("download")) dmesg = h("p", { id: "dmesg-needs-download" }, "The kernel log needs a token with the download role.");
  else {
    try {
      dmesg = h("pre", { id: "dmesg", class: "log" }, await getText(`/v1/dumps/${d.id}/dmesg`));
    } catch (err) {
      dmesg = h("p", { class: "error" }, `dmesg: ${err.message}`);
    }
  }
  const trace = d.callTrace?.length ? h("pre", { id: "call-trace", class: "log" }, d.callTrace.join("\n")) : h("p", {}, "No call trace found in the kernel log.");
  const value = (k, v) => k === "fileSize" && v !== null ? `${bytes(v)} (${v} bytes)`
    : k === "crashTime" ? time(v)
      : typeof v === "object" && v !== null ? JSON.stringify(v) : String(v ?? "—");
  const meta = Object.entries(d).filter(([k]) => k !== "callTrace").map(([k, v]) => [k, value(k, v)]);
  show(main,
    h("p", {}, h("a", { href: "#/dumps" }, "← all dumps")),
    h("h1", {}, d.title || `Dump ${d.id}`),
    h("section", { class: "card" }, h("h2", {}, "Panic"), h("pre", { id: "panic-line", class: "log" }, d.panicSummary || "no panic line found"),
      session.has("download") ? h("p", { class: "downloads" }, downloadLinks(d)) : null),
    h("section", { class: "card" }, h("h2", {}, "Call trace"), trace),
    h("section", { class: "card" }, h("h2", {}, "Metadata"), facts(meta, { id: "dump-meta" })),
    h("section", { class: "card" }, h("h2", {}, "Kernel log (dmesg)"), dmesg));
}

export async function generationsPage(main) {
  const generations = await getJson("/v1/generations?limit=200");
  show(main,
    h("h1", {}, "Generations"),
    h("p", {}, "Every load attempt, newest first: what triggered it, how it ended, how long it took and how long the host was unarmed."),
    generations.length ? timeline(generations) : h("p", {}, "No load attempts recorded."),
    table(["#", "started", "trigger", "loader", "outcome", "duration", "unarmed", "fingerprint"], generations.map(g =>
      h("tr", { "data-generation": g.number, "data-outcome": g.outcome },
        h("td", {}, g.number), h("td", {}, time(g.startedAt)), h("td", {}, g.triggers.join(", ")), h("td", {}, g.loader),
        h("td", {}, h("span", { class: `state ${g.outcome === "loaded" ? "ok" : g.outcome === "failed" ? "bad" : ""}` }, outcomeMark(g.outcome), " ", g.outcome, g.error ? `: ${g.error}` : "")),
        h("td", { class: "num" }, ms(g.durationMs)), h("td", { class: "num" }, ms(g.unarmedMs)), h("td", {}, h("code", {}, (g.planFingerprint || "—").slice(0, 12))))),
    { id: "generations" }));
}

const outcomeMark = o => o === "loaded" ? "●" : o === "failed" ? "✗" : o === "unloaded" ? "○" : "◆";

function timeline(generations) {
  // Oldest left, newest right; one mark per attempt, its shape says the outcome, its label the number.
  const list = [...generations].reverse();
  return h("ol", { class: "timeline", id: "timeline" }, list.map(g => h("li", { class: `tl ${g.outcome}`, "data-generation": g.number },
    h("span", { class: "mark", "aria-hidden": "true" }, outcomeMark(g.outcome)),
    h("span", { class: "tl-num" }, `#${g.number}`),
    h("span", { class: "tl-what" }, g.outcome),
    h("span", { class: "tl-when" }, time(g.startedAt).slice(5, 16)),
    h("span", { class: "tl-why" }, g.triggers[0] || ""),
    h("span", { class: "tl-ms" }, `${ms(g.durationMs)}, unarmed ${ms(g.unarmedMs)}`))));
}

export function errorPage(main, err) {
  show(main, h("h1", {}, "Error"), h("p", { class: "error" }, err instanceof ApiError ? `${err.status}: ${err.message}` : String(err)));
}
