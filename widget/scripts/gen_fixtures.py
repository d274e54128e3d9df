"""Write widget/test/fixtures/masks.json: the server's mask templates plus numbers
formatted by phonenumbers itself, so vitest checks the JS mask against phonenumbers.

Run from the repo root:  .venv/bin/python widget/scripts/gen_fixtures.py
(or `npm --prefix widget run fixtures`). The output is deterministic; commit it.

For every region in REGIONS and every example number phonenumbers knows (all number
types, plus a few neighbours of each), the fixture holds:

* ``display`` – what the widget must show: phonenumbers' INTERNATIONAL string, or, when
  the NATIONAL string puts the first group in parentheses, "+cc " plus the national
  string from its "(" on (Russia: "+7 (912) 345-67-89");
* ``e164``;
* ``paste`` – strings a visitor pastes or autofill inserts, typed in that region
  ("8 (912) 345-67-89", "89123456789", "+7 912 …", "7912…", "00 7 …", "810 7 …");
* ``abroad`` – the same number pasted while the form's region is another one.
"""
from __future__ import annotations

import functools
import json
import os
import re
import pathlib
import sys

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import phonenumbers  # noqa: E402
from phonenumbers import PhoneNumberFormat as F, PhoneNumberType as T  # noqa: E402

from flask_phonecapture.masks import country_masks  # noqa: E402

REGIONS = ["RU", "KZ", "BY", "UA", "UZ", "DE", "US", "GB", "FR", "AM", "GE", "TR"]
TRANSFORMED = [("AR", "011 15 2345-6789"), ("AR", "11 15 2345 6789"), ("AR", "(011) 15-2345-6789"),
               ("AR", "011 4123-4567"), ("BR", "021 11 91234 5678"), ("BR", "(11) 91234-5678"),
               ("GU", "300 1234"), ("GU", "671 300 1234")]
OUT = ROOT / "widget" / "test" / "fixtures" / "masks.json"
TYPES = [T.FIXED_LINE, T.MOBILE, T.TOLL_FREE, T.PREMIUM_RATE, T.SHARED_COST, T.VOIP,
         T.PERSONAL_NUMBER, T.PAGER, T.UAN, T.VOICEMAIL]


def display(num) -> str:
    national = phonenumbers.format_number(num, F.NATIONAL)
    if "(" not in national:
        return phonenumbers.format_number(num, F.INTERNATIONAL)
    # Drop the national prefix ("8 (912) …" -> "(912) …", TR "(0212) …" -> "(212) …").
    nsn = phonenumbers.national_significant_number(num)
    extra = len(re.sub(r"\D", "", national)) - len(nsn)
    out, dropped = [], 0
    for ch in national:
        if ch.isdigit() and dropped < extra:
            dropped += 1
            continue
        out.append(ch)
    text = "".join(out)
    return f"+{num.country_code} {text[text.index('('):]}"


def samples(region: str):
    seen = set()
    for kind in TYPES:
        base = phonenumbers.example_number_for_type(region, kind)
        if base is None:
            continue
        nsn = phonenumbers.national_significant_number(base)
        for tail in ("", "00", "47", "99"):
            digits = nsn[: len(nsn) - len(tail)] + tail
            num = phonenumbers.parse("+" + str(base.country_code) + digits)
            if (phonenumbers.is_valid_number(num)
                    and phonenumbers.region_code_for_number(num) == region
                    and digits not in seen):
                seen.add(digits)
                yield num


def pastes(num, region: str, meta) -> list[str]:
    nsn = phonenumbers.national_significant_number(num)
    cc = str(num.country_code)
    out = [phonenumbers.format_number(num, F.NATIONAL),
           phonenumbers.format_number(num, F.INTERNATIONAL),
           phonenumbers.format_number(num, F.E164),
           display(num),
           f"00 {cc} {nsn}"]
    general = meta.general_desc.national_number_pattern
    if not re.fullmatch(general, cc + nsn):
        out.append(cc + nsn)  # "7912…" without the plus, when that is not ambiguous
    if meta.national_prefix:
        out.append(meta.national_prefix + nsn)
    if meta.international_prefix and meta.international_prefix.isdigit():
        out.append(f"{meta.international_prefix} {cc} {nsn}")
    # De-duplicate, keep order.
    return list(dict.fromkeys(out))


def abroad(num, home: str) -> list[str]:
    """The number pasted into a form whose region is ``home``."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(home)
    cc = str(num.country_code)
    nsn = phonenumbers.national_significant_number(num)
    out = [phonenumbers.format_number(num, F.INTERNATIONAL), f"00{cc}{nsn}"]
    if meta.international_prefix and meta.international_prefix.isdigit():
        out.append(f"{meta.international_prefix} {cc} {nsn}")
    return out


# Forms allowing two or more regions of one calling code: the widget must pick the region
# phonenumbers.region_code_for_number gives.
SHARED = [["US", "CA"], ["CA", "US", "JM", "PR"], ["GB", "GG", "JE", "IM"], ["GG", "JE"], ["GB", "GG"]]


@functools.lru_cache(maxsize=None)
def universe(cc: int) -> tuple:
    """Valid numbers of a shared calling code: every region's example numbers (and their
    neighbours), and a number in every NANP area code / every four-digit UK start."""
    found = {}
    for region in phonenumbers.COUNTRY_CODE_TO_REGION_CODE[cc]:
        for num in samples(region):
            found[phonenumbers.national_significant_number(num)] = region
    starts = [f"{a}{t}" for a in range(200, 1000) for t in ("2345678", "5550123", "0123456")] + \
        [f"310{a}{t}" for a in range(10) for t in ("234567", "000000", "234", "000")] if cc == 1 else \
        [f"{a}{t}" for a in range(1000, 10000) for t in ("234567", "000000", "900123")] + \
        [f"{a}{t}" for a in range(14000, 20000) for t in ("23456", "00000")] + \
        [f"{a}{t}" for a in range(70000, 80000) for t in ("23456", "00000")]
    for nsn in starts:
        num = phonenumbers.parse(f"+{cc}{nsn}")
        if phonenumbers.is_valid_number(num):
            found[nsn] = phonenumbers.region_code_for_number(num)
    return tuple(sorted(found.items()))


def shared(allowed: list[str]) -> dict:
    """Numbers of the allowed regions, each with the region the widget must show after each
    digit once the digits decide: ``want[i]`` for the first i+1 digits, "" where nothing is
    promised yet (a comma-separated string). From the area code on (NANP: 3 digits; UK: 4), and past the longest prefix
    it shares with a number of another allowed region, the region is the number's own, except
    at a length where the digits so far are themselves a valid number of an allowed region
    (phonenumbers' region of that number, as a whole number, is shown then)."""
    cc = phonenumbers.country_code_for_region(allowed[0])
    nums = [(n, r) for n, r in universe(cc) if r in allowed]
    first = 3 if cc == 1 else 4
    main = phonenumbers.region_code_for_country_code(cc)
    out = []
    for i, (nsn, region) in enumerate(nums):
        # Neighbours in sorted order share the longest prefixes with a number of another region.
        near = [m for m, r in nums[max(0, i - 40):i + 40] if r != region]
        k = max([first] + [1 + len(os.path.commonprefix([nsn, m])) for m in near])
        if region == main and (k <= first + 1 or i % 8) and i % (len(nums) // 150 or 1):
            continue  # the fixture stays small: a sample of the main region's numbers
        want = []
        for j in range(1, len(nsn) + 1):
            part = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn[:j]))
            own = phonenumbers.region_code_for_number(part) if phonenumbers.is_valid_number(part) else None
            want.append(own if own in allowed else region if j >= k else "")
        out.append({"nsn": nsn, "region": region, "want": ",".join(want)})
    return {"allowed": allowed, "countries": country_masks(allowed, "en"), "numbers": out}


# The code typed again after itself, in a form allowing RU and KZ (the example shop's callback
# form): Kazakh numbers start with 7, so "7912…" without the plus (or "+7 7912…") may be a Kazakh
# number being typed or Russia's 912… after the code. ``want[i]``: the region the list must show
# once the first i+1 typed digits decide (no number of another region of the code, read either
# way, shares them), or phonenumbers' region where they are a whole valid number by themselves
# (national, as typed in RU); "" where nothing is promised yet. Typed as "7" + the national number.
AGAIN = ["RU", "KZ", "BY"]


@functools.lru_cache(maxsize=None)
def _alive(region: str, digits: str) -> bool:
    """Does some valid ten-digit number of ``region`` (RU or KZ) start with ``digits``? Tries
    every next three digits, the rest filled with 0s, 5s or 9s (their patterns ask nothing
    further in)."""
    import itertools
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    pats = [re.compile(getattr(meta, k).national_number_pattern) for k in
            ("fixed_line", "mobile", "toll_free", "premium_rate", "voip", "personal_number", "uan")
            if getattr(meta, k) is not None and getattr(meta, k).national_number_pattern]
    lead = re.compile(meta.leading_digits)
    rest = 10 - len(digits)
    if rest < 0:
        return False
    for t in itertools.product("0123456789", repeat=min(3, rest)):
        for fill in "059":
            cand = digits + "".join(t) + fill * (rest - len(t))
            if lead.match(cand) and any(p.fullmatch(cand) for p in pats):
                return True
    return False


def again() -> dict:
    nums = [(n, r) for n, r in universe(7) if r in AGAIN]
    out = []
    other = {r: [x for m, q in nums if q != r for x in (m, "7" + m)] for r in AGAIN}
    for i, (nsn, region) in enumerate(nums):
        # The fixture stays small: a sample, denser where the two readings meet (RU's 4… and
        # 8… typed after a 7, KZ's 747… and 785…).
        if i % 40 and (i % 10 or not nsn.startswith(("4", "8", "747", "785"))):
            continue
        typed = "7" + nsn
        k = 1 + max(len(os.path.commonprefix([typed, x])) for x in other[region])
        want = []
        for j in range(1, len(typed) + 1):
            part = phonenumbers.parse(typed[:j], "RU") if j > 1 else None
            own = phonenumbers.region_code_for_number(part) if part and phonenumbers.is_valid_number(part) else None
            # Promised only where the other region is dead under both readings (as typed, and
            # past the repeated 7): the sample of numbers alone misses some.
            p = typed[:j]
            other_r = "KZ" if region == "RU" else "RU"
            open_ = _alive(other_r, p) or _alive(other_r, p[1:])
            want.append(own if own in AGAIN else region if j >= k and not open_ else "")
        whole = phonenumbers.parse(typed, "RU")
        out.append({"typed": typed, "region": region, "e164": phonenumbers.format_number(whole, F.E164),
                     "want": ",".join(want)})
    return {"allowed": AGAIN, "countries": country_masks(AGAIN, "en"), "numbers": out}


# Regions whose numbers regrouped back and forth while typed: every example number typed digit
# by digit. ``whole[i]`` is phonenumbers' display of the first i+1 digits where they are a valid
# number by themselves (the widget must show exactly that); "~" and the display where they are
# not valid but a format fits them whole (phonenumbers groups them so; the widget can't tell
# them from a valid number); else "".
TYPED = ["BR", "CN", "JP", "DE", "GB", "TR", "RU"]


def typing() -> list[dict]:
    out = []
    for region in TYPED:
        cc = phonenumbers.country_code_for_region(region)
        for num in samples(region):
            nsn = phonenumbers.national_significant_number(num)
            whole = []
            for j in range(1, len(nsn) + 1):
                part = phonenumbers.parse(f"+{cc}{nsn[:j]}") if j > 1 else None
                ok = part is not None and phonenumbers.is_valid_number(part) and \
                    phonenumbers.region_code_for_number(part) == region and \
                    phonenumbers.national_significant_number(part) == nsn[:j]
                if ok:
                    whole.append(display(part))
                elif part is not None and phonenumbers.format_number(part, F.INTERNATIONAL) != f"+{cc} {nsn[:j]}" \
                        and phonenumbers.national_significant_number(part) == nsn[:j]:
                    whole.append("~" + display(part))  # not a valid number, but a format fits it whole
                else:
                    whole.append("")
            out.append({"region": region, "nsn": nsn, "whole": whole})
    return out


def main() -> None:
    numbers = []
    for region in REGIONS:
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        for num in samples(region):
            home = "DE" if region == "RU" else "RU"
            numbers.append({
                "region": region,
                "nsn": phonenumbers.national_significant_number(num),
                "e164": phonenumbers.format_number(num, F.E164),
                "display": display(num),
                "national": phonenumbers.format_number(num, F.NATIONAL),
                "paste": pastes(num, region, meta),
                "home": home,
                "abroad": abroad(num, home),
            })
    # National numbers whose prefix phonenumbers rewrites (national_prefix_transform_rule)
    # rather than drops: Argentina's mobile "15", Brazil's carrier codes, a NANP island's local
    # seven digits. The widget must read them as phonenumbers does.
    transform = [{"region": r, "raw": raw, "e164": phonenumbers.format_number(phonenumbers.parse(raw, r), F.E164)}
                 for r, raw in TRANSFORMED]
    data = {"regions": REGIONS, "countries": country_masks(REGIONS, "en"), "numbers": numbers,
            "transform": {"countries": country_masks(sorted({r for r, _ in TRANSFORMED}), "en"),
                          "cases": transform},
            "shared": [shared(allowed) for allowed in SHARED],
            "again": again(),
            "typing": {"countries": country_masks(TYPED, "en"), "numbers": typing()}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(numbers)} numbers in {len(REGIONS)} regions")


if __name__ == "__main__":
    main()
