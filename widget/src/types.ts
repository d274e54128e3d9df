/** A country's mask template, exactly as flask_phonecapture.masks.country_masks() sends it. */
export interface Country {
  r: string; // region, "RU"
  c: string; // calling code, "7"
  n: string; // localized name
  p: string; // national prefix for parsing (regex)
  x: string; // international prefix (regex)
  l: number[]; // possible national lengths
  g: string; // national number pattern
  e: string; // example national number
  u?: string; // valid numbers no format fits (phonenumbers leaves them unformatted), DE, TR
  f: [pattern: string, display: string, template: string, leading: string[]][];
  d?: string; // digits after the code that make it this region, not a sibling of that code
  t?: string; // national prefix transform rule ("9\\1": the groups of p), AR, BR, NANP islands
}

// Display rules in the public config use one-letter keys (publicform.RULE_KEYS, docs/widget.md);
// the form config (PHONECAPTURE_FORMS) keeps the long names given in the comments.
export interface Triggers {
  m?: "any" | "all"; // match
  d?: number | null; // delay_s
  s?: number | null; // scroll_pct
  i?: number | null; // inactivity_s
  v?: number | null; // page_views
  c?: string | null; // click_selector
}

export interface Targeting {
  i?: string[]; // include
  x?: string[]; // exclude
  d?: "any" | "mobile" | "desktop"; // device
  u?: Record<string, string> | null; // utm
  r?: string | null; // referrer
  v?: "any" | "new" | "returning"; // visitor
}

export interface Frequency {
  c?: number | null; // after_close_days
  s?: number | null; // after_submit_days
  o?: boolean; // once_per_session
}

export interface ExitOpts {
  a?: number; // arm_delay_s
  s?: number; // sensitivity_px
  u?: number; // mobile_scroll_up_px
  v?: boolean; // mobile_visibility
}

/** A consent checkbox (short keys, like the texts). */
export interface Consent {
  p: string; // purpose
  t: string; // text
  r?: boolean; // required
  u?: string; // privacy policy URL (http(s) or a path; checked by the server)
}

export type Mode = "popup" | "inline" | "slidein" | "exit_intent" | "button";

export interface FormConfig {
  id: string;
  mode: Mode;
  lang: string; // the language the texts are in
  texts: Record<string, string>; // resolved for the locale by the server; short keys (docs/widget.md)
  fields?: { name?: "off" | "optional" | "required" };
  default_region?: string;
  countries: Country[];
  consents?: Consent[];
  triggers?: Triggers;
  targeting?: Targeting;
  frequency?: Frequency;
  exit_intent?: ExitOpts;
  theme?: { brand?: string; radius?: string; font?: string };
  token: string;
  min_fill_ms?: number;
}

/** Where the visitor came from (sent with a submission and with beacons). */
export type Source = Record<string, string>;
