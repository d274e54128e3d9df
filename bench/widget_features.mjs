// The widget's price list (docs/widget.md, "What each feature costs"): for each feature, copy
// widget/src to a temp dir, remove the feature with the patches below, build with the same
// esbuild + terser pipeline as the committed widget.js (widget/scripts/pipeline.mjs) and print
// the minified and GNU `gzip -9` bytes saved. Then the smallest sets of features whose removal
// brings widget.js + the RU tracking form config under the 6 KB bar, estimated by adding the
// savings (they do not add up exactly) and verified by building the best candidates.
//
//   node bench/widget_features.mjs                    # from the repo root (needs widget/node_modules)
//   node bench/widget_features.mjs --config-bytes 1021  # don't fetch the config (default: fetch it
//                                                      # with .venv/bin/python, else 1021)
//   node bench/widget_features.mjs --typecheck        # also tsc every patched copy (slower)
//   node bench/widget_features.mjs --only code,api    # just those features
//
// A patch is { file, find, replace } (find must occur exactly once) or { file, from, to, replace }
// (from occurs exactly once; the text from it through the first `to` after it is replaced). A
// stale patch throws: it never measures nothing. A patched copy must build, and must be smaller.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { bundle } from "../widget/scripts/pipeline.mjs";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const SRC = join(ROOT, "widget/src");
const BAR = 6144;

// Patches apply in this order when features are combined (the stylesheet goes last: it replaces
// the whole CSS string, slide-in only cuts rules out of it).
const FEATURES = [
  {
    id: "code",
    name: "SMS-code step and success step (a 201 closes the form)",
    patches: [
      { file: "ui.ts", find: "return code(j.id, j.resend_after_s);", replace: "return close();" },
      { file: "ui.ts", from: "  // -- step 2: the SMS code", to: "  // -- open / close ----------------------------------------------------------\n", replace: "" },
    ],
  },
  {
    id: "exit",
    name: "exit intent (desktop and mobile)",
    patches: [
      { file: "index.ts", find: 'if (mode == "exit_intent") stops.push(watchExit(cfg.exit_intent || {}, mobile, go));', replace: 'if (mode == "exit_intent") {}' },
    ],
  },
  {
    id: "caret",
    name: "caret and delete-through-separator logic, as-you-type partial formatting",
    patches: [
      // The caret goes to the end; a separator deleted comes straight back (native deletion).
      { file: "phone.ts", from: "    let want = nd(raw.slice(0, caret))", to: "input.setSelectionRange(i, i);\n", replace: "    input.value = out;\n" },
      { file: "phone.ts", from: '    if (back || t == "deleteContentForward") {', to: "      return;\n    }\n", replace: '    if (back || t == "deleteContentForward") return;\n' },
      // A partial number shows as bare digits after "+7 ".
      { file: "masks.ts", from: "  const i = Math.max(0, d.length - 3);", to: "    return head + out;\n  }\n", replace: "" },
    ],
  },
  {
    id: "country",
    name: "country `<select>` and switching country by typed prefix",
    patches: [
      { file: "ui.ts", find: 'cs[1] && h("select", { class: "q", "aria-label": T.co }, ...cs.map((c) => h("option", { value: c.r }, "+" + c.c + " " + c.n))),', replace: "" },
      { file: "phone.ts", find: "let r = parse(raw, p.c, cs);", replace: "let r = parse(raw, p.c, [p.c]);" },
      { file: "phone.ts", find: "    if (r.c != p.c) country(r.c);\n", replace: "" },
      { file: "phone.ts", from: '  on(select || input, "change", () => {', to: "    }\n  });\n", replace: "" },
    ],
  },
  {
    id: "attribution",
    name: "source attribution (UTM, click ids, referrer, 30-day first touch)",
    patches: [
      { file: "page.ts", find: "remember(st, landing(loc.href, document.referrer), pageView(st, t), t, loc.href);", replace: "pageView(st, t);" },
      { file: "page.ts", find: "export const source = () => src(st, loc.href);", replace: "export const source = () => ({ page_url: loc.href.slice(0, 1000) });" },
    ],
  },
  {
    id: "triggers",
    name: "triggers (delay, scroll, inactivity, page views, click)",
    patches: [
      // Automatic forms show at once.
      { file: "index.ts", from: "  const met = new Set<string>();", to: 'on(d, "pointermove keydown scroll touchstart", () => later("i"), offs);\n', replace: "  fire();\n" },
      { file: "index.ts", find: '    if (t.c) on(d, "click", (e) => e.target.closest?.(t.c) && (e.preventDefault(), open(f, true)), stops);\n', replace: "" },
      { file: "index.ts", find: "(conditions(t)[0] || !t.c) && arm(t, go, stops)", replace: "arm(t, go, stops)" },
    ],
  },
  {
    id: "api",
    name: "JS API (`open`/`close`/`on`/`off`, events, `data-phonecapture-open`)",
    patches: [
      { file: "index.ts", from: "  /** Open a form now", to: "(bus.removeEventListener(type, fn as EventListener), API),\n", replace: "" },
      { file: "index.ts", from: '  on(d, "click", (e) => {\n', to: "\n  });\n", replace: "\n" },
      { file: "page.ts", find: "export const emit = (type: string, f: Form) => bus.dispatchEvent(new CustomEvent(type, { detail: { form: f.id_ }, cancelable: true }));", replace: "export const emit = (type: string, f: Form) => true;" },
    ],
  },
  {
    id: "targeting",
    name: "targeting (URL, device, source, new/returning)",
    patches: [
      { file: "index.ts", find: "targets(cfg.targeting || {}, { path: location.pathname + location.search, mobile, returning: returning(st), source: st.l || {} })", replace: "true" },
    ],
  },
  {
    id: "errors",
    name: "server-error handling on submit (field errors, 429/410, token re-fetch)",
    patches: [
      { file: "ui.ts", find: "if (k || r[0] != 400 || !/_token$/.test(r[1].error)) break;\n      cfg.token = (await load(f))?.token!;", replace: "break;" },
      { file: "ui.ts", from: "    for (const k in (s == 422 && j.fields) || {}) {", to: "send)).focus();\n", replace: "    bad(f1, why(s, j, retry));\n    send.focus();\n" },
      { file: "ui.ts", find: "s == 429 ? fill(T.et, { s: retry }) : s == 410 ? T.eg : j.message || T.en;", replace: "T.en;" },
    ],
  },
  {
    id: "frequency",
    name: "frequency rules",
    patches: [
      { file: "frequency.ts", find: "  now - (st.f?.[id]?.s ?? -Infinity) < (fq.s ?? 365) * DAY;", replace: "  false;" },
      { file: "frequency.ts", from: "  const c = st.f?.[id]?.c ?? -Infinity;", to: "!(fq.o && st.s!.f.includes(id));\n", replace: "  return true;\n" },
      { file: "page.ts", find: 'export const mark = (f: Form, k?: "c" | "s") => (put(st, f.id_, now(), k), save());', replace: 'export const mark = (f: Form, k?: "c" | "s") => {};' },
    ],
  },
  {
    id: "beacons",
    name: "beacons",
    patches: [
      { file: "page.ts", from: "export const beacon = (f: Form, event: string) =>\n", to: "source: st.l }));\n", replace: "export const beacon = (f: Form, event: string) => {};\n" },
      { file: "page.ts", from: "export const later = (f: Form) => {\n", to: "\n};\n", replace: "export const later = (f: Form) => {};\n" },
      { file: "ui.ts", find: '  on(f1, "focusin", () => opened++ || beacon(f, "open"));\n', replace: "" },
    ],
  },
  {
    id: "keys",
    name: "Tab wrap + Escape handling",
    patches: [{ file: "ui.ts", from: '  on(sr, "keydown", (k: KeyboardEvent) => {', to: "\n  });\n", replace: "\n" }],
  },
  {
    id: "slidein",
    name: "slide-in specifics (small-screen button, focus scrolled clear, teaser hidden)",
    patches: [
      { file: "ui.ts", find: '        kind == "s" && btn("b z", T.s, grow),\n', replace: "" },
      { file: "ui.ts", from: "  } else if (!inline) {\n    box.open = true;", to: "    }, offs);\n  }\n", replace: "  } else if (!inline) {\n    box.open = true;\n  }\n" },
      { file: "ui.ts", find: "    if (sr.activeElement && !modal) (back as HTMLElement)?.focus();\n", replace: "" },
      { file: "index.ts", find: '  cfg.mode == "slidein" && teasers(true);\n', replace: "" },
      { file: "index.ts", find: "() => ((view = undefined), teasers(false))", replace: "() => (view = undefined)" },
      { file: "css.ts", find: ".s:not(.v) .k{display:none}.s:not(.v) .z{display:block}", replace: "" },
      { file: "css.ts", find: ".z{display:none}\n", replace: "" },
    ],
  },
  {
    id: "teaser",
    name: "floating teaser button",
    patches: [
      { file: "index.ts", from: "    else if (!submittedRecently(st, id, fq, now()))", to: "      }, stops);\n", replace: "" },
      { file: "index.ts", find: 'const teasers = (hide: boolean) => d.querySelectorAll<HTMLElement>("[data-phonecapture-teaser]").forEach((t) => (t.hidden = hide));', replace: "const teasers = (hide: boolean) => {};" },
    ],
  },
  {
    id: "adopt",
    name: "adopting a server-drawn form (and what was typed in it)",
    patches: [
      { file: "ui.ts", find: "const drawn = host.shadowRoot;", replace: "const drawn = null as ShadowRoot | null;" },
      { file: "phone.ts", find: "  if (input.value) apply(input.value, input.value.length);\n", replace: "" },
    ],
  },
  {
    id: "css",
    name: "stylesheet (whole)",
    patches: [{ file: "css.ts", from: "export const CSS = `", to: "}`;", replace: "export const CSS = ``;" }],
  },
];

// -- arguments ---------------------------------------------------------------
const args = process.argv.slice(2);
const arg = (k) => (args.includes(k) ? args[args.indexOf(k) + 1] : undefined);
const typecheck = args.includes("--typecheck");
const only = arg("--only")?.split(",");
const byId = Object.fromEntries(FEATURES.map((f) => [f.id, f]));
for (const id of only || []) if (!byId[id]) throw new Error(`unknown feature ${id}: ${Object.keys(byId).join(",")}`);

// -- patching and building ---------------------------------------------------
const count = (s, sub) => s.split(sub).length - 1;

function patch(dir, p, feature) {
  const path = join(dir, p.file);
  const s = readFileSync(path, "utf8");
  const where = `${feature.id}: ${p.file}: ${JSON.stringify((p.find ?? p.from).slice(0, 60))}`;
  let out;
  if (p.find != null) {
    const n = count(s, p.find);
    if (n != 1) throw new Error(`stale patch (${where}) found ${n} times, not once`);
    out = s.replace(p.find, () => p.replace);
  } else {
    const n = count(s, p.from);
    if (n != 1) throw new Error(`stale patch (${where}) found ${n} times, not once`);
    const a = s.indexOf(p.from);
    const b = s.indexOf(p.to, a + p.from.length);
    if (b < 0) throw new Error(`stale patch (${where}): end ${JSON.stringify(p.to)} not found after it`);
    out = s.slice(0, a) + p.replace + s.slice(b + p.to.length);
  }
  writeFileSync(path, out);
}

function gzip9(buf) {
  const r = spawnSync("gzip", ["-9", "-n", "-c"], { input: buf, maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error("gzip failed: " + r.stderr);
  return r.stdout.length;
}

/** Build widget/src with the given features removed: { min, gz }. */
async function measure(features) {
  const dir = mkdtempSync(join(tmpdir(), "pc-widget-"));
  try {
    // widget/ as esbuild sees it: its tsconfig.json and package.json shape the output too.
    cpSync(SRC, join(dir, "src"), { recursive: true });
    for (const f of ["tsconfig.json", "package.json"]) cpSync(join(ROOT, "widget", f), join(dir, f));
    const src = join(dir, "src");
    const order = FEATURES.filter((f) => features.includes(f));
    for (const f of order) for (const p of f.patches) patch(src, p, f);
    if (typecheck && features.length) {
      writeFileSync(join(dir, "tsconfig.check.json"), JSON.stringify({
        compilerOptions: { ...JSON.parse(readFileSync(join(ROOT, "widget/tsconfig.json"), "utf8")).compilerOptions, types: [], typeRoots: [] },
        include: ["src"],
      }));
      const r = spawnSync(join(ROOT, "widget/node_modules/.bin/tsc"), ["--noEmit", "-p", join(dir, "tsconfig.check.json")], { encoding: "utf8" });
      if (r.status !== 0) throw new Error(`tsc failed with ${order.map((f) => f.id)} removed:\n${r.stdout}${r.stderr}`);
    }
    const code = Buffer.from(await bundle(src));
    return { min: code.length, gz: gzip9(code) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// -- the config --------------------------------------------------------------
function configBytes() {
  if (arg("--config-bytes")) return [+arg("--config-bytes"), "--config-bytes"];
  const py = process.env.PYTHON || join(ROOT, ".venv/bin/python");
  if (existsSync(py)) {
    // The submit token in it is random: the median of five fetches.
    const r = spawnSync(py, ["-c", `
import gzip, json, statistics, sys
sys.path.insert(0, ".")
import example_app
c = example_app.create_app().test_client()
print(statistics.median_low(len(gzip.compress(json.dumps(c.get("/phonecapture/api/v1/forms/tracking").get_json(), ensure_ascii=False, separators=(",", ":")).encode(), 9)) for _ in range(5)))
`], { cwd: ROOT, encoding: "utf8" });
    const n = parseInt(r.stdout.trim().split("\n").pop());
    if (r.status === 0 && n > 0) return [n, "GET /phonecapture/api/v1/forms/tracking of example_app, median of 5"];
    console.error("could not fetch the config, using 1021:\n" + r.stderr);
  }
  return [1021, "default"];
}

// -- run -----------------------------------------------------------------------
const fmt = (n) => n.toLocaleString("en-US");
const [cfg, cfgFrom] = configBytes();
const base = await measure([]);
const committed = readFileSync(join(ROOT, "flask_phonecapture/static/phonecapture/widget.js"));
console.log(`widget.js: ${fmt(base.min)} B minified, ${fmt(base.gz)} B gzip -9` +
  (committed.length == base.min ? "" : `  (committed file is ${committed.length} B: stale?)`));
console.log(`RU tracking config: ${fmt(cfg)} B gzip (${cfgFrom}); total ${fmt(base.gz + cfg)} B, bar ${fmt(BAR)} B: widget.js must lose ${fmt(base.gz + cfg - BAR)} B\n`);

const rows = [];
for (const f of only ? only.map((id) => byId[id]) : FEATURES) {
  const m = await measure([f]);
  const row = { f, min: base.min - m.min, gz: base.gz - m.gz, total: m.gz + cfg };
  if (row.min <= 0) throw new Error(`${f.id}: removal saved nothing (${row.min} B minified): a patch missed`);
  rows.push(row);
}
rows.sort((a, b) => b.gz - a.gz);
console.log("| feature | minified B | gzip B | total with config |");
console.log("|---|---|---|---|");
for (const r of rows) console.log(`| ${r.f.name} [${r.f.id}] | ${fmt(r.min)} | ${fmt(r.gz)} | ${fmt(r.total)} |`);
console.log(`| all ${rows.length} added up | ${fmt(rows.reduce((s, r) => s + r.min, 0))} | ${fmt(rows.reduce((s, r) => s + r.gz, 0))} | |`);

// -- smallest sets -------------------------------------------------------------
// Every subset, ranked by size, then by estimated total (widget.js less the sum of the savings).
const need = base.gz + cfg - BAR;
const est = [];
for (let mask = 1; mask < 1 << rows.length; mask++) {
  let gz = 0;
  const set = [];
  for (let i = 0; i < rows.length; i++) if (mask & (1 << i)) (gz += rows[i].gz), set.push(rows[i]);
  if (gz >= need) est.push({ set, total: base.gz - gz + cfg });
}
if (!est.length) {
  console.log(`\nNo set fits even by estimate (all ${rows.length} measured save ${rows.reduce((s, r) => s + r.gz, 0)} B; ${need} B needed).`);
  process.exit(0);
}
const k = Math.min(...est.map((e) => e.set.length));
const smallest = est.filter((e) => e.set.length == k).sort((a, b) => a.total - b.total);
console.log(`\nNo set of ${k - 1} fits by estimate. Sets of ${k} that fit by estimate: ${smallest.length} (of ${est.length} fitting sets of any size).`);

const verify = async (e) => {
  const m = await measure(e.set.map((r) => r.f));
  const total = m.gz + cfg;
  console.log(`  ${e.set.map((r) => r.f.id).join(" + ")}: estimated ${fmt(e.total)} B, built ${fmt(m.gz)} + ${fmt(cfg)} = ${fmt(total)} B ${total <= BAR ? "FITS" : "OVER"}`);
  return total <= BAR;
};
console.log(`Verified (all removals built together, widget.js gzip + config):`);
let fits = 0;
for (const e of smallest.slice(0, 3)) fits += await verify(e);
// The best that keeps the stylesheet (an unstyled form is rarely an option).
const styled = est.filter((e) => !e.set.some((r) => r.f.id == "css"));
if (styled.length) {
  const ks = Math.min(...styled.map((e) => e.set.length));
  const best = styled.filter((e) => e.set.length == ks).sort((a, b) => a.total - b.total);
  console.log(`Keeping the stylesheet: ${best.length} sets of ${ks} fit by estimate; the best:`);
  for (const e of best.slice(0, 2)) await verify(e);
}
if (!fits) console.log(`None of the ${k}-feature candidates verified fits: savings overlap; try the next ones.`);
