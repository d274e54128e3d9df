/**
 * The widget's stylesheet (inside each shadow root). Theming: the page may set
 * --phonecapture-brand, --phonecapture-radius, --phonecapture-font (they inherit into the
 * shadow root); the form config's theme is the fallback; the page's own font by default.
 * Popups are native modal <dialog>s in the top layer (no z-index race with the page); the
 * slide-in and the teaser share one high z-index. Three greys, one red, the brand colour:
 * every pair passes WCAG AA on white (axe checks it). Text and fields are 16px: Safari on
 * iPhone zooms the page into any field under 16px when it takes focus. The host is a block:
 * all:initial alone would make it inline, and an inline host drops the page's margins around
 * the form.
 */
export const CSS = `:host{all:initial;display:block;--B:var(--phonecapture-brand,var(--b,#0b7a5a));--R:var(--phonecapture-radius,var(--r,10px));font:16px/1.45 sans-serif;font-family:var(--phonecapture-font,var(--f,inherit));color:#222}
:host([hidden]){display:none}
*{box-sizing:border-box;font:inherit;color:inherit;margin:0;border:0;background:none}
.d{display:flex;width:100%;max-width:420px;max-height:100%;padding:0;border:1px solid #ccc;border-radius:var(--R);background:#fff;box-shadow:0 9px 40px #0005}
.d>div{flex:1;position:relative;overflow:auto;padding:22px}
::backdrop{background:#0009}
.o{margin:auto}
.s,.t{position:fixed;z-index:2147483600;inset:auto 16px 16px auto;margin:0}
.s{width:min(380px,100vw - 32px);max-height:calc(100% - 32px)}
.i{flex:1;max-width:none;box-shadow:none}
h2{margin-right:36px;font-size:20px;font-weight:700}
h2,p,.f,.b{margin-bottom:12px}
.m,.e,.c{font-size:13px}
.m,.e{margin:4px 0 0;color:#666}
.e{color:#b42318}
.q[aria-invalid=true]{border-color:#b42318}
label{display:block;font-weight:600;margin-bottom:4px}
.r,.c{display:flex;gap:6px}
.q{width:100%;min-height:44px;padding:9px 12px;border:1px solid #777;border-radius:6px;background:#fff}
.r select{flex:0 1 auto;width:auto;min-width:4.5em}
.r{flex-wrap:wrap}
.r input{flex:1 1 9em;min-width:0}
:focus-visible{outline:3px solid var(--B);outline-offset:2px}
.d:focus{outline:0}
.c{font-weight:400}
.c input{flex:none;width:18px;height:18px;accent-color:var(--B)}
a,.l{color:var(--B);text-decoration:underline}
button{cursor:pointer}
.b{width:100%;min-height:44px;padding:10px 16px;border:1px solid #0000;border-radius:var(--R);background:var(--B);color:#fff;font-weight:600}
.z{display:none}
.l{padding:6px 0;margin-right:16px}
.l:disabled{color:#666;text-decoration:none}
.x{position:absolute;top:6px;right:6px;width:40px;height:40px;font-size:26px}
.h{position:absolute;left:-9999px}
.t{width:auto;border-radius:99px;padding:12px 22px}
@media(max-width:480px){.o{margin:auto 0 0;max-width:none}.s{inset:auto 8px 8px;width:auto}.s:not(.v) .k{display:none}.s:not(.v) .z{display:block}}`;
