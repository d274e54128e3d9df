// The bundling pipeline, shared by build.mjs (the committed widget.js) and
// bench/widget_features.mjs (the price list): esbuild bundles and mangles internal names; terser
// then squeezes what esbuild's single pass leaves (about 3% of the gzipped size). Deterministic:
// same sources + same tool versions => same bytes (CI diffs the result).
import { build } from "esbuild";
import { minify } from "terser";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8"));

export const esbuildOptions = (entry) => ({
  entryPoints: [entry],
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

export const terserOptions = () => ({
  ecma: 2020,
  toplevel: true,
  compress: { passes: 3, unsafe: true, unsafe_arrows: true, unsafe_comps: true, unsafe_methods: true, pure_getters: true },
  mangle: { toplevel: true },
  // V8's explicit compile hint (Chrome 136+; other engines read a comment): compile every function
  // with the script, on the streaming thread, instead of compiling each one on the main thread at
  // its first call: 1.5-3 ms less main-thread work on a first visit (docs/widget.md, Page impact).
  format: { preamble: `//# allFunctionsCalledOnLoad\n/*! phonecapture ${pkg.version} MIT */`, ascii_only: false },
});

/** widget.js, as written to disk, built from the sources in `srcDir` (widget/src or a copy). */
export async function bundle(srcDir) {
  const bundled = await build(esbuildOptions(join(srcDir, "index.ts")));
  const squeezed = await minify(bundled.outputFiles[0].text, terserOptions());
  return squeezed.code + "\n";
}
