// Build widget.js (and its brotli copy, widget.js.br) into the Python package and print its size
// (gzip and brotli).
// The esbuild + terser options live in pipeline.mjs (bench/widget_features.mjs builds with the
// same ones).
import { readFileSync, writeFileSync } from "node:fs";
import { gzipSync, brotliCompressSync, constants } from "node:zlib";
import { fileURLToPath } from "node:url";
import { bundle } from "./pipeline.mjs";

const out = fileURLToPath(new URL("../../flask_phonecapture/static/phonecapture/widget.js", import.meta.url));

const buf = Buffer.from(await bundle(fileURLToPath(new URL("../src", import.meta.url))));
writeFileSync(out, buf);

// The stylesheet also goes beside the bundle: the server puts it in the declarative shadow root
// of an inline form it renders itself ({{ phonecapture_inline() }}), so both always match.
const css = readFileSync(new URL("../src/css.ts", import.meta.url), "utf8").match(/CSS = `([^`]*)`/)[1];
writeFileSync(out.replace(/\.js$/, ".css"), css + "\n");

const gz = gzipSync(buf, { level: 9 }).length;
// Browsers that accept brotli (all current ones) get this copy: quality 11 is too slow to run per
// request and needs no Python package when it is made here (committed and diffed like widget.js).
const brotli = brotliCompressSync(buf, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } });
writeFileSync(out + ".br", brotli);
console.log(`widget.js: ${buf.length} B, ${gz} B gzip, ${brotli.length} B brotli -> ${out}`);
