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
  f: [pattern: string, display: string, template: string, leading: string[]][];
  d?: string; // leading digits of a region sharing its code
}

export interface Triggers {
  match?: "any" | "all";
  delay_s?: number | null;
  scroll_pct?: number | null;
  inactivity_s?: number | null;
  page_views?: number | null;
  click_selector?: string | null;
}

export interface Targeting {
  include?: string[];
  exclude?: string[];
  device?: "any" | "mobile" | "desktop";
  utm?: Record<string, string> | null;
  referrer?: string | null;
  visitor?: "any" | "new" | "returning";
}

export interface Frequency {
  after_close_days?: number | null;
  after_submit_days?: number | null;
  once_per_session?: boolean;
}

export interface ExitOpts {
  arm_delay_s?: number;
  sensitivity_px?: number;
  mobile_scroll_up_px?: number;
  mobile_visibility?: boolean;
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
