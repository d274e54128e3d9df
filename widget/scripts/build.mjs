// Build widget.js into the Python package and print its size (gzip and brotli).
// esbuild bundles and mangles internal names; terser then squeezes what esbuild's single pass
// leaves (about 3% of the gzipped size). Deterministic: same sources + same tool versions =>
// same bytes (CI diffs the result).
import { build } from "esbuild";
import { minify } from "terser";
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { fileURLToPath } from "node:url";

const out = fileURLToPath(new URL("../../flask_phonecapture/static/phonecapture/widget.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

const bundled = await build({
  entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
  write: false,
  bundle: true,
  minify: true,
  format: "iife",
  // Chrome 102+ (native <dialog>, inert), Firefox 112+, Safari 16.4+ (constructed stylesheets).
  target: ["es2022", "chrome102", "firefox112", "safari16"],
  legalComments: "none",
  // Internal property names end in "_" and are shortened; config keys, DOM and the public API
  // (PhoneCapture.open/close/on/off) never do.
  mangleProps: /_$/,
  charset: "utf8",
  logLevel: "warning",
});

const squeezed = await minify(bundled.outputFiles[0].text, {
  ecma: 2020,
  toplevel: true,
  compress: { passes: 3, unsafe: true, unsafe_arrows: true, unsafe_comps: true, unsafe_methods: true, pure_getters: true },
  mangle: { toplevel: true },
  // V8's explicit compile hint (Chrome 136+; other engines read a comment): compile every function
  // with the script, on the streaming thread, instead of compiling each one on the main thread at
  // its first call: 1.5-3 ms less main-thread work on a first visit (docs/widget.md, Page impact).
  format: { preamble: `//# allFunctionsCalledOnLoad\n/*! phonecapture ${pkg.version} MIT */`, ascii_only: false },
});
writeFileSync(out, squeezed.code + "\n");

// The stylesheet also goes beside the bundle: the server puts it in the declarative shadow root
// of an inline form it renders itself ({{ phonecapture_inline() }}), so both always match.
const css = readFileSync(new URL("../src/css.ts", import.meta.url), "utf8").match(/CSS = `([^`]*)`/)[1];
writeFileSync(out.replace(/\.js$/, ".css"), css + "\n");

const buf = readFileSync(out);
const gz = gzipSync(buf, { level: 9 }).length;
const br = brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`widget.js: ${buf.length} B, ${gz} B gzip, ${br} B brotli -> ${out}`);
