import { readFileSync } from "node:fs";
import { brotliDecompressSync } from "node:zlib";
import { describe, expect, it } from "vitest";

const built = new URL("../../flask_phonecapture/static/phonecapture/widget.js", import.meta.url);

describe("the committed bundle", () => {
  it("has a brotli copy that is the same bundle (the server sends it as-is to browsers accepting br)", () => {
    const br = readFileSync(new URL(built.href + ".br"));
    expect(brotliDecompressSync(br).equals(readFileSync(built))).toBe(true);
  });
});
