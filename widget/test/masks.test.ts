import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { ascii, complete, digits, e164, exit, format, intl, main, parse, show } from "../src/masks";
import type { Country } from "../src/types";

interface Fixture {
  region: string; nsn: string; e164: string; display: string; national: string;
  paste: string[]; home: string; abroad: string[];
}
const data = JSON.parse(readFileSync(new URL("./fixtures/masks.json", import.meta.url), "utf8")) as {
  regions: string[]; countries: Country[]; numbers: Fixture[];
  transform: { countries: Country[]; cases: { region: string; raw: string; e164: string }[] };
};
const cs = data.countries;
const country = (r: string) => cs.find((c) => c.r === r)!;

describe("format() matches phonenumbers for every fixture number", () => {
  for (const region of data.regions) {
    const nums = data.numbers.filter((n) => n.region === region);
    it(`${region}: ${nums.length} numbers`, () => {
      expect(nums.length).toBeGreaterThan(0);
      for (const n of nums) {
        expect(format(country(region), n.nsn), n.e164).toBe(n.display);
        expect(complete(country(region), n.nsn), n.e164).toBe(true);
      }
    });
  }
});

describe("a national prefix phonenumbers rewrites rather than drops", () => {
  const tcs = data.transform.countries;
  for (const t of data.transform.cases) {
    it(`${t.region} ${t.raw} is ${t.e164}`, () => {
      const p = parse(t.raw, tcs.find((c) => c.r === t.region)!, tcs);
      expect(e164(p)).toBe(t.e164);
      expect(complete(p.c, p.d)).toBe(true);
    });
  }
});

describe("paste and autofill land as the right number", () => {
  for (const region of data.regions) {
    it(`${region}: national, international, E.164, 00, cc without +, prefix`, () => {
      for (const n of data.numbers.filter((x) => x.region === region)) {
        for (const raw of n.paste) {
          const p = parse(raw, country(region), cs);
          expect([p.c.r, e164(p)], `${raw} in ${region}`).toEqual([region, n.e164]);
          expect(show(p)).toBe(n.display);
        }
      }
    });
    it(`${region}: pasted while the form is set to another country`, () => {
      for (const n of data.numbers.filter((x) => x.region === region)) {
        for (const raw of n.abroad) {
          const p = parse(raw, country(n.home), cs);
          expect([p.c.r, e164(p)], `${raw} in ${n.home}`).toEqual([region, n.e164]);
        }
      }
    });
  }
});

describe("the issue's paste table", () => {
  const RU = country("RU");
  const table: [string, string, string][] = [
    ["8 912 345-67-89", "RU", "+79123456789"],
    ["89123456789", "RU", "+79123456789"],
    ["+7 912 345 67 89", "RU", "+79123456789"],
    ["+7 (912) 345-67-89", "RU", "+79123456789"],
    ["7912 345 67 89", "RU", "+79123456789"],
    ["79123456789", "RU", "+79123456789"],
    ["810 49 30 1234567", "DE", "+49301234567"],
    ["0049 30 1234567", "DE", "+49301234567"],
    ["00 49 30 1234567", "DE", "+49301234567"],
    ["+49 30 1234567", "DE", "+49301234567"],
    ["+7 8 912 345-67-89", "RU", "+79123456789"], // "8" typed after the shown +7
    ["+7 +7 912 345-67-89", "RU", "+79123456789"], // pasted after the shown +7
    ["8 800 555-35-35", "RU", "+78005553535"],
    ["8005553535", "RU", "+78005553535"],
    ["+7 701 234 5678", "KZ", "+77012345678"],
    ["8 701 234 5678", "KZ", "+77012345678"],
  ];
  for (const [raw, region, want] of table) {
    it(raw, () => {
      const p = parse(raw, RU, cs);
      expect([p.c.r, e164(p)]).toEqual([region, want]);
    });
  }
  it("shows Russia as +7 (912) 345-67-89", () => {
    expect(format(RU, "9123456789")).toBe("+7 (912) 345-67-89");
  });
  it("knows an international call prefix typed after the shown code", () => {
    // what the field checks as digits arrive after "+7 " or "+49 " ("8" was taken as a prefix)
    expect(["00", "810", "81", "8", "0", "912"].map((d) => exit(RU, d))).toEqual([2, 3, 0, 0, 0, 0]);
    expect(["00", "0", "030"].map((d) => exit(country("DE"), d))).toEqual([2, 0, 0]);
  });
  it("unknown calling code stays as typed", () => {
    const p = parse("+99912", RU, cs);
    expect(p.u).toBe(1);
    expect(show(p)).toBe("+99912");
  });
});

describe("as-you-type", () => {
  const RU = country("RU");
  it("formats a Russian mobile digit by digit", () => {
    const steps = "9123456789".split("").map((_, i) => format(RU, "9123456789".slice(0, i + 1)));
    expect(steps).toEqual([
      "+7 (9", "+7 (91", "+7 (912", "+7 (912) 3", "+7 (912) 34", "+7 (912) 345",
      "+7 (912) 345-6", "+7 (912) 345-67", "+7 (912) 345-67-8", "+7 (912) 345-67-89",
    ]);
  });
  it("never loses or invents digits for any prefix of any fixture number", () => {
    for (const n of data.numbers) {
      for (let i = 0; i <= n.nsn.length; i++) {
        const out = format(country(n.region), n.nsn.slice(0, i));
        expect(out.replace(/\D/g, "")).toBe(country(n.region).c + n.nsn.slice(0, i));
      }
    }
  });
});

describe("digits of any script", () => {
  it("folds every Unicode decimal digit to ASCII", () => {
    expect(ascii("０１２３４５６７８９")).toBe("0123456789"); // full-width
    expect(ascii("٠١٢٣٤٥٦٧٨٩")).toBe("0123456789"); // Arabic-Indic
    expect(ascii("۰۱۲۳۴۵۶۷۸۹")).toBe("0123456789"); // Persian
    expect(ascii("०१२३४५६७८९")).toBe("0123456789"); // Devanagari (its 0 is not at a multiple of 16)
    expect(ascii("𝟎𝟗𝟘𝟡𝟶𝟿")).toBe("090909"); // adjacent runs of mathematical digits
    expect(ascii("＋7 (912)")).toBe("+7 (912)");
    expect(digits("٠٥٠-١٢٣")).toBe("050123");
  });
  it("reads them like phonenumbers does", () => {
    const RU = country("RU");
    for (const raw of ["８９１２３４５６７８９", "＋７ ９１２ ３４５ ６７ ８９", "٨٩١٢٣٤٥٦٧٨٩"]) {
      expect(e164(parse(raw, RU, cs)), raw).toBe("+79123456789");
    }
    const p = parse("+٤٩ ٣٠ ١٢٣٤٥٦٧", RU, cs);
    expect([p.c.r, e164(p)]).toEqual(["DE", "+49301234567"]);
  });
});

describe("international text is recognised as a whole number", () => {
  const RU = country("RU");
  it("by its +, 00 or the country's own call prefix", () => {
    expect(intl("+49 30 123456", RU)).toBe("4930123456");
    expect(intl("0049 30 123456", RU)).toBe("4930123456");
    expect(intl("810 49 30 123456", RU)).toBe("4930123456");
    expect(intl("+0 123", RU)).toBe("0123"); // short, but still international
    expect(intl("tel:+7912", RU)).toBe("7912");
  });
  it("not for national text or a lone +", () => {
    for (const raw of ["8 912 345", "912", "00", "810", "8", "+"]) expect(intl(raw, RU) || undefined, raw).toBe(undefined);
  });
});

describe("extensions and runaway lengths", () => {
  const RU = country("RU");
  it("keeps the main number only", () => {
    for (const raw of ["+7 912 345-67-89 ext. 123", "+7 912 345 67 89 доб. 5", "+7 912 345 67 89 Доб 5",
      "8 912 345 67 89 x123", "89123456789#123", "tel:+79123456789;ext=5", "8 912 345-67-89, 8 495 123-45-67",
      "89123456789 ~ 12"]) {
      expect(e164(parse(raw, RU, cs)), raw).toBe("+79123456789");
    }
  });
  it("a marker before any digit is just text", () => {
    expect(main("Fax: +7 912")).toBe("Fax: +7 912");
    expect(e164(parse("Fax: +7 912 345 67 89", RU, cs))).toBe("+79123456789");
  });
  it("caps the digits at the country's longest number", () => {
    expect(parse("9".repeat(20000), RU, cs).d.length).toBe(14);
    expect(parse("+49 " + "1".repeat(100), RU, cs).d.length).toBe(Math.max(...country("DE").l));
    expect(parse("+999 " + "1".repeat(100), RU, cs).d).toHaveLength(15); // unknown code: E.164's 15
  });
});

describe("regions sharing a calling code: the one phonenumbers.region_code_for_number gives", () => {
  interface Shared { allowed: string[]; countries: Country[]; numbers: { nsn: string; region: string; want: string }[] }
  for (const f of (data as unknown as { shared: Shared[] }).shared) {
    const cc = f.countries[0].c;
    it(`${f.allowed.join("+")}: ${f.numbers.length} numbers, whole and digit by digit, whatever is selected`, () => {
      expect(f.numbers.length).toBeGreaterThan(5);
      for (const cur of f.countries) {
        for (const n of f.numbers) {
          const p = parse("+" + cc + n.nsn, cur, f.countries);
          expect([p.c.r, e164(p)], `+${cc} ${n.nsn} with ${cur.r} selected`).toEqual([n.region, "+" + cc + n.nsn]);
          // national digits too (the country code left out)
          expect(parse(n.nsn, cur, f.countries).c.r, `${n.nsn} in ${cur.r}`).toBe(n.region);
          n.want.split(",").forEach((want, i) => {
            if (want) expect(parse("+" + cc + n.nsn.slice(0, i + 1), cur, f.countries).c.r, `+${cc} ${n.nsn.slice(0, i + 1)} with ${cur.r}`).toBe(want);
          });
        }
      }
    });
  }
  it("keeps the selected country while the digits do not decide", () => {
    const [us, ca] = (data as unknown as { shared: Shared[] }).shared[0].countries;
    const cs2 = [us, ca];
    for (const cur of cs2) for (const raw of ["+1", "+1 4", "+1 41", "+1 310"]) expect(parse(raw, cur, cs2).c.r, raw).toBe(cur.r);
    expect(parse("+1 416", us, cs2).c.r).toBe("CA");
    expect(parse("+1 212", ca, cs2).c.r).toBe("US");
    expect(parse("+1 310 1234", us, cs2).c.r).toBe("CA"); // seven digits: a Canadian number as a whole
    expect(parse("+1 310 2345 6", ca, cs2).c.r).toBe("US");
  });
});

describe("a local-number rule of a region inside a shared code", () => {
  it("does not eat a number typed after the calling code", () => {
    const gg = (data as unknown as { shared: { allowed: string[]; countries: Country[] }[] }).shared
      .find((f) => f.allowed.join() == "GG,JE")!.countries;
    const steps = "7781123456".split("").map((_, i) => show(parse("+44 " + "7781123456".slice(0, i + 1), gg[0], gg)));
    expect(steps[5]).toBe("+44 7781 12");
    expect(steps[9]).toBe("+44 7781 123456");
    // national, as phonenumbers reads it in Guernsey: the local number gets its area code
    expect(e164(parse("778112", gg[0], gg))).toBe("+441481778112");
  });
});

describe("as-you-type grouping is stable", () => {
  // Typed digit by digit, each display extends the one before (only grows), except: once
  // within the first three digits, when they choose the format (libphonenumber's as-you-type
  // formatter decides from three: Brazil's "+55 1" → "+55 (11", "+55 (8" → "+55 80"); and next
  // to a length where the digits typed so far are a valid number by themselves: that whole
  // number is shown exactly as phonenumbers shows it, which may group differently (German
  // 177 99123456 → 177 99 1234567, UK 800 123456 → 800 123 4567), or where a format fits them
  // whole although they are no valid number ("~": Chinese 10 123456 → 10 1234 567, as
  // phonenumbers groups +86 10123456; the widget has no validity patterns to know).
  const t = (data as unknown as { typing: { countries: Country[]; numbers: { region: string; nsn: string; whole: string[] }[] } }).typing;
  for (const region of new Set(t.numbers.map((n) => n.region))) {
    const nums = t.numbers.filter((n) => n.region == region);
    it(`${region}: ${nums.length} numbers`, () => {
      const c = t.countries.find((x) => x.r == region)!;
      for (const n of nums) {
        const shown = [...n.nsn].map((_, i) => format(c, n.nsn.slice(0, i + 1)));
        let free = 0;
        shown.forEach((s, i) => {
          if (n.whole[i]) expect(s, `${n.nsn.slice(0, i + 1)} is a whole number`).toBe(n.whole[i].replace("~", ""));
          if (i && !s.startsWith(shown[i - 1]) && !n.whole[i] && !n.whole[i - 1]) free += i < 3 ? 1 : 2;
        });
        expect(free, `${n.nsn}: ${shown.join(" | ")}`).toBeLessThanOrEqual(1);
      }
    });
  }
});

describe("the calling code typed again: RU and KZ (+7, where Kazakh numbers start with 7)", () => {
  const f = (data as unknown as { again: { countries: Country[]; numbers: { typed: string; region: string; e164: string; want: string }[] } }).again;
  const ak = f.countries;
  const [RU, KZ] = ak;
  it(`${f.numbers.length} numbers typed as 7…, with and without the plus, whatever is selected`, () => {
    expect(f.numbers.length).toBeGreaterThan(100);
    for (const cur of ak) {
      for (const n of f.numbers) {
        const nsn = n.typed.slice(1);
        // whole: as phonenumbers reads them
        // national ones only where +7 is selected (BY reads them as its own)
        for (const raw of [n.typed, "+7 " + n.typed, "+7 " + nsn, "8" + nsn].filter((r) => cur.c == "7" || r[0] == "+")) {
          const p = parse(raw, cur, ak);
          expect([p.c.r, e164(p)], `${raw} with ${cur.r}`).toEqual([n.region, n.e164]);
        }
        // digit by digit, from where the digits decide
        n.want.split(",").forEach((want, i) => {
          const part = n.typed.slice(0, i + 1);
          if (want) for (const raw of ["+7 " + part, ...(cur.c == "7" ? [part] : [])]) expect(parse(raw, cur, ak).c.r, `${raw} with ${cur.r}`).toBe(want);
        });
      }
    }
  });
  it("decides at the second digit where no Kazakh number starts so, keeps the selected country before", () => {
    for (const cur of [RU, KZ]) {
      for (const raw of ["7", "+7 7", "+7 74", "+7 78"]) expect(parse(raw, cur, ak).c.r, raw).toBe(cur.r);
      for (const raw of ["79", "+7 79", "7912", "+7 7912", "+7 749", "+7 781"]) expect(parse(raw, cur, ak).c.r, `${raw} with ${cur.r}`).toBe("RU");
      for (const raw of ["77", "+7 77", "+7 76", "76", "+7 70", "+7 7012", "+7 747 0"]) expect(parse(raw, cur, ak).c.r, `${raw} with ${cur.r}`).toBe("KZ");
    }
    // the repeated code goes as soon as it is one: "+7 7 9" is "+7 (9"
    expect(show(parse("+7 79", RU, ak))).toBe("+7 (9");
    expect(show(parse("7912", KZ, ak))).toBe("+7 (912");
    expect(show(parse("+7 7495", RU, ak))).toBe("+7 (495");
    // typed with the trunk prefix: "8 7012…" stays Kazakh, "8 912…" Russian
    for (const cur of [RU, KZ]) {
      expect(parse("87012", cur, ak).c.r).toBe("KZ");
      expect(parse("8912", cur, ak).c.r).toBe("RU");
      expect(e164(parse("+7 701 234 56 78", cur, ak))).toBe("+77012345678");
    }
    // a whole Kazakh 747… number is Kazakh (phonenumbers), one digit more is Russia's 471… after the code
    expect(parse("+7 747 123 45 67", RU, ak).c.r).toBe("KZ");
    expect(e164(parse("+7 7 471 234 56 78", KZ, ak))).toBe("+74712345678");
  });
  it("a region alone with its code sends no d", () => {
    expect(data.countries.filter((c) => c.c == "7").every((c) => c.d)).toBe(true); // RU and KZ: two
    const kzBy = (data as unknown as { transform: { countries: Country[] } }).transform.countries;
    expect(kzBy.some((c) => c.d)).toBe(false);
  });
});
