/**
 * The widget's stylesheet (inside each shadow root). Theming: the page may set
 * --phonecapture-brand, --phonecapture-radius, --phonecapture-font (they inherit into the
 * shadow root); the form config's theme is the fallback; the page's own font by default.
 * Popups are native modal <dialog>s in the top layer (no z-index race with the page); the
 * slide-in and the teaser share one high z-index.
 */
export const CSS = `:host{all:initial;--B:var(--phonecapture-brand,var(--b,#0b7a5a));--R:var(--phonecapture-radius,var(--r,10px));font:15px/1.45 sans-serif;font-family:var(--phonecapture-font,var(--f,inherit));color:#1f2328}
*{box-sizing:border-box;font:inherit;color:inherit;margin:0}
.d{display:flex;width:100%;max-width:420px;max-height:100%;overflow:hidden;padding:0;border:1px solid #d0d7de;border-radius:var(--R);background:#fff;box-shadow:0 9px 40px #0005}
.d>div{flex:1;position:relative;overflow:auto;padding:22px}
::backdrop{background:#111827a0}
.s,.t{position:fixed;z-index:2147483600;inset:auto 16px 16px auto;margin:0}
.s{width:min(380px,100vw - 32px)}
.i{flex:1;max-width:none;box-shadow:none}
h2{margin:0 36px 8px 0;font-size:20px;font-weight:700;line-height:1.25}
p,.f,.b{margin-bottom:12px}
.m,.e,.c{font-size:13px}
.m,.e{margin:4px 0 0;color:#57606a}
.e{color:#b42318}
label{display:block;font-weight:600;margin-bottom:4px}
.r,.c{display:flex;gap:6px}
.q{width:100%;min-height:44px;padding:9px 12px;border:1px solid #6e7781;border-radius:6px;background:#fff}
select{flex:none;width:auto;max-width:50%}
:focus-visible{outline:3px solid var(--B);outline-offset:1px}
.d:focus{outline:0}
.c{font-weight:400}
.c input{flex:none;width:18px;height:18px;accent-color:var(--B)}
a,.l{color:var(--B)}
button{cursor:pointer;border:0;background:none}
.b{display:block;width:100%;min-height:44px;padding:11px 16px;border-radius:var(--R);background:var(--B);color:#fff;font-weight:600}
.z{display:none}
.l{padding:6px 0;margin-right:16px;text-decoration:underline}
.l:disabled{color:#57606a;text-decoration:none}
.x{position:absolute;top:6px;right:6px;width:40px;height:40px;font-size:26px;color:#57606a}
[aria-invalid=true]{border-color:#b42318}
.h{position:absolute;left:-9999px}
.t{width:auto;border-radius:99px;padding:12px 22px;box-shadow:0 6px 20px #0004}
@media(max-width:480px){.o{margin:auto 0 0;max-width:none;border-radius:var(--R) var(--R) 0 0}.s{inset:auto 8px 8px;width:auto}.s>div{padding:16px}.s:not(.v) .k{display:none}.s:not(.v) .z{display:block;margin:0}}
@media(prefers-reduced-motion:no-preference){.d,.t{animation:u .2s}@keyframes u{0%{opacity:0;transform:translateY(9px)}}}`;
