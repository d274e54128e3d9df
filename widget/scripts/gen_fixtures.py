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

import json
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
                          "cases": transform}}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(data, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(numbers)} numbers in {len(REGIONS)} regions")


if __name__ == "__main__":
    main()
