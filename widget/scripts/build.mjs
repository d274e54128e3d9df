// Build widget.js into the Python package and print its size (gzip and brotli).
// Deterministic: same sources + same esbuild version => same bytes (CI diffs the result).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { fileURLToPath } from "node:url";

const out = fileURLToPath(new URL("../../flask_phonecapture/static/phonecapture/widget.js", import.meta.url));
const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

await build({
  entryPoints: [fileURLToPath(new URL("../src/index.ts", import.meta.url))],
  outfile: out,
  bundle: true,
  minify: true,
  format: "iife",
  // Chrome 91+: esbuild lowers `?.` for older Chrome (a V8 bug); the widget needs `inert` (Chrome 102) anyway.
  target: ["es2022", "chrome91", "firefox90", "safari15"],
  legalComments: "none",
  // Internal property names end in "_" and are shortened; config keys, DOM and the public API
  // (PhoneCapture.open/close/on/off) never do.
  mangleProps: /_$/,
  charset: "utf8",
  banner: { js: `/*! phonecapture ${pkg.version} MIT */` },
  logLevel: "warning",
});

const buf = readFileSync(out);
const gz = gzipSync(buf, { level: 9 }).length;
const br = brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
console.log(`widget.js: ${buf.length} B, ${gz} B gzip, ${br} B brotli -> ${out}`);
