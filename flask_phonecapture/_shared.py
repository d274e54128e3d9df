"""Telling apart regions that share a calling code, the way phonenumbers does.

``phonenumbers.region_code_for_number`` tries the regions of a calling code in order: one with
``leading_digits`` (KZ ``7``, JM ``658|876``) takes every number starting with them; one without
(US, CA, GB, GG, JE) takes a number only if it matches one of its number types. The widget has
``d`` for the first kind. For the second it needs to know, from the first digits typed, which
region the number will end up in; this module works that out from the metadata once, by running
all the patterns involved together over every digit string (they only describe numbers of up to
17 digits, so the walk is finite and small: a few thousand states for the NANP).

For the regions a form allows (two or more of one code), :func:`split` gives

* ``v`` for a region without leading digits: a regex of the digits (after the calling code)
  that settle it, tested as a prefix: every valid number starting with them is of that region
  (``416`` for CA). An alternative ending in ``$`` holds for that exact number only (CA's
  seven-digit ``310 1234``, whose longer siblings are American);
* ``a`` for the calling code's main region (US, GB) when it is allowed: a regex of the digit
  strings that do not settle it yet, tested whole. Digits matching no ``v``/``d`` and not ``a``
  are the main region's.

Numbers of regions the form does not allow are left out (the server refuses them anyway), so
``+1 876`` (Jamaica) in a US/CA form is simply not Canadian.
"""
from __future__ import annotations

import functools
import re._parser as sre  # noqa: the stdlib's own parser; phonenumbers' patterns are a tiny subset

_TYPES = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
          "voicemail", "fixed_line", "mobile")
_DIGITS = "0123456789"
_MAX = 17


class _Auto:
    """A pattern as a lazily determinised automaton over digits (states are ints, -1 dead)."""

    def __init__(self, pattern: str):
        self.eps: list[list[int]] = [[]]
        self.edges: list[list[tuple[frozenset, int]]] = [[]]
        self.accept = self._build(sre.parse(pattern), 0)
        self.ids: dict[frozenset, int] = {}
        self.sets: list[frozenset] = []
        self.moves: dict[tuple[int, str], int] = {}
        self.start = self._id(self._closure({0}))

    def _new(self) -> int:
        self.eps.append([])
        self.edges.append([])
        return len(self.eps) - 1

    def _build(self, tree, s: int) -> int:
        for op, av in tree:
            op = str(op)
            if op == "LITERAL" or op == "IN":
                chars = {chr(av)} if op == "LITERAL" else self._chars(av)
                t = self._new()
                self.edges[s].append((frozenset(chars), t))
                s = t
            elif op == "SUBPATTERN":
                s = self._build(av[3], s)
            elif op == "BRANCH":
                end = self._new()
                for alt in av[1]:
                    self.eps[self._build(alt, s)].append(end)
                s = end
            elif op == "MAX_REPEAT":
                lo, hi, sub = av
                for _ in range(lo):
                    s = self._build(sub, s)
                if hi == sre.MAXREPEAT:
                    loop = self._new()
                    self.eps[s].append(loop)
                    self.eps[self._build(sub, loop)].append(loop)
                    s = loop
                else:
                    ends = [s]
                    for _ in range(hi - lo):
                        s = self._build(sub, s)
                        ends.append(s)
                    end = self._new()
                    for e in ends:
                        self.eps[e].append(end)
                    s = end
            else:  # pragma: no cover - phonenumbers uses none
                raise ValueError(f"unsupported pattern construct {op}")
        return s

    @staticmethod
    def _chars(items) -> set:
        out: set = set()
        for op, av in items:
            op = str(op)
            if op == "LITERAL":
                out.add(chr(av))
            elif op == "RANGE":
                out.update(chr(c) for c in range(av[0], av[1] + 1))
            elif op == "CATEGORY":  # \d
                out.update(_DIGITS)
            else:  # pragma: no cover
                raise ValueError(f"unsupported class item {op}")
        return out & set(_DIGITS)

    def _closure(self, states) -> frozenset:
        todo, seen = list(states), set(states)
        while todo:
            for t in self.eps[todo.pop()]:
                if t not in seen:
                    seen.add(t)
                    todo.append(t)
        return frozenset(seen)

    def _id(self, states: frozenset) -> int:
        if not states:
            return -1
        if states not in self.ids:
            self.ids[states] = len(self.sets)
            self.sets.append(states)
        return self.ids[states]

    def step(self, q: int, ch: str) -> int:
        if q < 0:
            return -1
        key = (q, ch)
        if key not in self.moves:
            nxt = {t for s in self.sets[q] for cs, t in self.edges[s] if ch in cs}
            self.moves[key] = self._id(self._closure(nxt))
        return self.moves[key]

    def done(self, q: int) -> bool:
        return q >= 0 and self.accept in self.sets[q]


@functools.lru_cache(maxsize=64)
def _auto(pattern: str) -> _Auto:
    return _Auto(pattern)


def _descs(meta) -> list[tuple[_Auto, tuple]]:
    out = []
    for kind in _TYPES:
        d = getattr(meta, kind)
        if d is not None and d.national_number_pattern:
            out.append((_auto(d.national_number_pattern), tuple(d.possible_length)))
    return out


class _Region:
    """What phonenumbers looks at to give a number this region, and to call it valid."""

    def __init__(self, region: str, allowed: bool):
        from phonenumbers import PhoneMetadata
        meta = PhoneMetadata.metadata_for_region(region)
        self.r = region
        self.allowed = allowed
        self.lead_src = meta.leading_digits
        self.lead = _auto(meta.leading_digits) if meta.leading_digits else None
        g = meta.general_desc
        self.general = (_auto(g.national_number_pattern), tuple(g.possible_length))
        self.types = _descs(meta)


def _valid(reg: _Region, qs, n: int) -> bool:
    (ga, gl), g = reg.general, qs[0]
    if not ga.done(g) or (gl and n not in gl):
        return False
    return any(a.done(q) and (not pl or n in pl) for (a, pl), q in zip(reg.types, qs[1:]))


@functools.lru_cache(maxsize=64)
def split(code: int, allowed: tuple[str, ...]) -> dict[str, tuple[str, str]]:
    """``{region: (key, regex)}`` for the allowed regions ``allowed`` (two or more) of calling
    code ``code``: ``("v", …)`` for a region without leading digits, ``("a", …)`` for the
    main region. Empty when every allowed region has leading digits (RU and KZ)."""
    import phonenumbers
    order = list(phonenumbers.COUNTRY_CODE_TO_REGION_CODE[code])
    main = order[0]
    last = max(order.index(r) for r in allowed)
    regs = [_Region(r, r in allowed) for r in order[: last + 1]]
    plain = [g for g in regs if g.allowed and g.lead is None]
    # One automaton state per pattern: a region's leading digits (sticky once matched), its
    # general description and its types. A region that is not allowed still takes the numbers
    # it would take from a later one, so its patterns run too.
    slots: list[tuple[_Region, _Auto]] = []
    for g in regs:
        if g.lead is not None:
            slots.append((g, g.lead))
        if g.lead is None or g.allowed:
            slots.append((g, g.general[0]))
            slots.extend((g, a) for a, _ in g.types)
    start = tuple(a.start for _, a in slots)

    def owner(qs: tuple, n: int) -> str | None:
        """The allowed region phonenumbers gives this exact (valid) number, else None."""
        i = 0
        for g in regs:
            if g.lead is not None:
                matched = qs[i] == -2
                i += 1
                if matched:
                    if not g.allowed:
                        return None
                    return g.r if _valid(g, qs[i:], n) else None
                if g.allowed:
                    i += 1 + len(g.types)
                continue
            k = 1 + len(g.types)
            if _valid(g, qs[i:i + k], n):
                return g.r if g.allowed else None
            i += k
        return None

    def step(qs: tuple, ch: str) -> tuple:
        out = []
        for (g, a), q in zip(slots, qs):
            if a is g.lead:
                # -2: the leading digits matched somewhere along the way (phonenumbers' match()).
                q = -2 if q == -2 else a.step(q, ch)
                out.append(-2 if a.done(q) or q == -2 else q)
            else:
                out.append(a.step(q, ch))
        return tuple(out)

    def alive(qs: tuple) -> bool:
        return any(q != -1 for q in qs)

    # Lead automata start "matched" when the pattern matches the empty string (never does).
    labels: dict[tuple, frozenset] = {}
    exact: dict[tuple, str | None] = {}
    kids: dict[tuple, list[tuple[str, tuple]]] = {}

    def walk(qs: tuple, n: int) -> frozenset:
        key = (qs, n)
        if key in labels:
            return labels[key]
        own = owner(qs, n) if n else None
        out = {own} if own else set()
        ks = []
        if n < _MAX:
            for ch in _DIGITS:
                nq = step(qs, ch)
                if alive(nq):
                    sub = walk(nq, n + 1)
                    if sub:
                        ks.append((ch, (nq, n + 1)))
                        out |= sub
        labels[key], exact[key], kids[key] = frozenset(out), own, ks
        return labels[key]

    root = (start, 0)
    walk(*root)
    if not plain:
        # Every allowed region has leading digits: they decide, unless the calling code's own
        # digits start numbers of an allowed region (KZ's 7 in +7), where "7 912…" may be the
        # code typed again.
        return _again(str(code), [g.r for g in regs if g.allowed], root, labels, exact, kids)

    def regex(keep, here, whole: bool) -> str | None:
        """A regex of the digit strings from the root: ``here(node)`` is True where one ends.
        Prefix mode: "" (done, any digits may follow) or "$" (this exact string); whole mode
        (tested with ``$``): True. ``keep(child)`` says which children to descend into."""
        memo: dict = {}

        def gen(nd) -> str | None:
            if nd in memo:
                return memo[nd]
            h = here(nd)
            if h == "":
                memo[nd] = ""
                return ""
            groups: dict[str, list[str]] = {}
            for ch, kid in kids[nd]:
                if keep(kid):
                    sub = gen(kid)
                    if sub is not None:
                        groups.setdefault(sub, []).append(ch)
            alts = [_cls(chs) + sub for sub, chs in groups.items()]
            if whole:
                body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")" if alts else ""
                if h and body:  # may end here or go on
                    body = (body if _atom(body) else "(?:" + body + ")") + "?"
                memo[nd] = body if (h or alts) else None
            else:
                alts = ([h] if h else []) + alts
                memo[nd] = None if not alts else alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
            return memo[nd]

        return gen(root)

    lead = {g.r: g.lead_src for g in regs if g.allowed and g.lead is not None}
    out: dict[str, str] = {}
    for g in plain:
        if g.r != main:
            r = g.r
            v = regex(lambda nd: r in labels[nd],
                      lambda nd: "" if labels[nd] == {r} else "$" if exact[nd] == r else None, False)
            if v:
                out[r] = _tidy(_bare(v))
    if main in allowed and main not in lead:
        # The main region: whatever is not settled for another region, once two or more allowed
        # regions can no longer come (and the digits are not the main region's own number).
        amb = regex(lambda nd: len(labels[nd]) > 1, lambda nd: len(labels[nd]) > 1 and exact[nd] is None, True)
        others = [_tidy(amb) + "$"] + [d for r, d in {**lead, **out}.items() if r != main]
        out[main] = "(?!" + "|".join(others) + ")"
    return out


def _again(cd: str, allowed: list[str], root, labels, exact, kids) -> dict[str, tuple[str, str]] | dict:
    """``d`` for regions that all have leading digits, where numbers of an allowed region start
    with the calling code ``cd`` itself (KZ's ``7…`` in +7): digits ``7912…`` after the code
    may be a Kazakh number being typed or Russia's ``912…`` after the code typed again
    ("+7 7 912…", or "7912…" without the plus; phonenumbers reads the latter past the code
    once the number is too long for the first reading). Each digit string is given both
    readings and is a region's once every valid number either reading can still become is that
    region's, so the list decides as soon as the digits do: RU at ``79`` (no Kazakh number
    starts ``79``), KZ at ``70`` or ``77``; ``7``, ``74`` (KZ's 747…, or RU's 4…) wait. A whole
    number is its region's where phonenumbers reads it so (``7471234567`` is Kazakh).

    A region's ``d`` is then ``A|7(?=B)``: ``A`` the digits that decide it read as they are,
    ``B`` those that decide it only read past the code again. The widget takes a match that is
    exactly the code as that second reading and drops the repeated code. Empty when the code's
    digits start no allowed region's number (every other shared code but +7, +47, +290,
    +358 has none): the leading digits alone decide then."""
    kid = {nd: dict(ks) for nd, ks in kids.items()}
    first = root
    for ch in cd:
        first = kid[first].get(ch) if first else None
    if not first:
        return {}

    def step(x, ch):
        a, b = x
        a = kid[a].get(ch) if a else None
        if isinstance(b, int):  # the code again, digit b of it
            b = (root if b + 1 == len(cd) else b + 1) if ch == cd[b] else None
        elif b:
            b = kid[b].get(ch)
        return (a, b) if a or b is not None else None

    def owner(x) -> frozenset:
        a, b = x
        out = labels[a] if a else frozenset()
        return out | labels[root if isinstance(b, int) else b] if b is not None else out

    def regex(top, here, keep) -> str | None:
        """Prefix regex from ``top``: ``here(x)`` is "" (decided), "$" (this exact string),
        None (go on) or False (nothing below)."""
        memo: dict = {}

        def gen(x):
            if x in memo:
                return memo[x]
            h = here(x)
            if h == "" or h is False:
                memo[x] = h if h == "" else None
                return memo[x]
            groups: dict[str, list[str]] = {}
            for ch in _DIGITS:
                y = step(x, ch)
                if y and keep(y):
                    sub = gen(y)
                    if sub is not None:
                        groups.setdefault(sub, []).append(ch)
            alts = ([h] if h else []) + [_cls(chs) + sub for sub, chs in groups.items()]
            memo[x] = None if not alts else alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
            return memo[x]

        return gen(top)

    start = (root, 0)
    top = start
    for ch in cd:
        top = step(top, ch)
    out = {}
    for r in allowed:
        def mine(x, r=r):
            return owner(x) == {r}

        # Read as typed: decided for r while the first reading still lives, or r's whole number.
        a = regex(start, lambda x: "" if mine(x) and x[0] else "$" if x[0] and exact[x[0]] == r else None,
                  lambda y: bool(y[0]) and r in labels[y[0]])
        # Read past the code again: only where the first reading is dead (no number of any
        # region starts so), and never below digits the first reading already decided.
        b = regex(top, lambda x: False if len(owner(x)) == 1 and x[0] else "" if mine(x)
                  else "$" if not (x[0] and exact[x[0]]) and isinstance(x[1], tuple) and exact[x[1]] == r
                  else None, lambda y: isinstance(y[1], tuple) and r in labels[y[1]])
        alts = [_tidy(_bare(a))] if a else []
        if b is not None and b != "":
            alts.append(cd + "(?=" + _tidy(_bare(b)) + ")")
        if alts:
            out[r] = "|".join(alts)
    return out


def unformatted(region: str, formats: list) -> str | None:
    """A regex (tested whole) of the valid numbers of ``region`` that no format of ``formats``
    (the widget's ``f``) fits, which phonenumbers leaves unformatted: DE ``16412345``, TR
    ``444 1444``. None when there are none (most regions). The widget shows these as they are and
    groups any other number that cannot be a whole one yet by its template, so a number being
    typed does not lose its grouping at every length phonenumbers would call possible."""
    g = _Region(region, True)
    k = 1 + len(g.types)
    slots = [g.general[0]] + [a for a, _ in g.types]
    leads = set()
    for pat, _d, _t, lead in formats:
        slots.append(_auto(pat))
        if lead:
            slots.append(_auto(lead[-1]))
            leads.add(len(slots) - 1)

    def step(qs: tuple, ch: str) -> tuple:
        out = []
        for i, (a, q) in enumerate(zip(slots, qs)):
            q = -2 if q == -2 else a.step(q, ch)
            out.append(-2 if i in leads and (q == -2 or a.done(q)) else q)
        return tuple(out)

    def member(qs: tuple, n: int) -> bool:
        if not _valid(g, qs, n):
            return False
        i = k
        for _p, _d, _t, lead in formats:
            full = slots[i].done(qs[i])
            i += 1
            if lead:
                full = full and qs[i] == -2
                i += 1
            if full:
                return False
        return True

    memo: dict = {}

    def gen(qs: tuple, n: int) -> str | None:
        key = (qs, n)
        if key not in memo:
            groups: dict[str, list[str]] = {}
            if n < _MAX:
                for ch in _DIGITS:
                    nq = step(qs, ch)
                    if nq[0] != -1:  # the general description still fits
                        sub = gen(nq, n + 1)
                        if sub is not None:
                            groups.setdefault(sub, []).append(ch)
            alts = [_cls(chs) + sub for sub, chs in groups.items()]
            body = alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")" if alts else ""
            here = n > 0 and member(qs, n)
            if here and body:
                body = (body if _atom(body) else "(?:" + body + ")") + "?"
            memo[key] = body if (here or alts) else None
        return memo[key]

    out = gen(tuple(a.start for a in slots), 0)
    return _tidy(_bare(out)) if out else None


def _bare(rx: str) -> str:
    """Without an outer ``(?:…)``: the widget wraps the pattern in its own."""
    return rx[3:-1] if rx.startswith("(?:") and _balanced(rx) else rx


def _atom(rx: str) -> bool:
    """One character, one class or one group: safe to put a quantifier after."""
    return len(rx) == 1 or bool(re.fullmatch(r"\\d|\[[^]]*\]|\(\?:.*\)", rx)) and _balanced(rx)


def _balanced(rx: str) -> bool:
    if not rx.startswith("(?:"):
        return True
    depth = 0
    for i, ch in enumerate(rx):
        depth += ch == "("
        depth -= ch == ")"
        if depth == 0 and i < len(rx) - 1:
            return False
    return True


def _cls(chs: list[str]) -> str:
    if len(chs) == 1:
        return chs[0]
    if len(chs) == 10:
        return "\\d"
    runs, out = [], ""
    for c in sorted(chs):
        if runs and ord(c) == ord(runs[-1][1]) + 1:
            runs[-1][1] = c
        else:
            runs.append([c, c])
    for a, b in runs:
        out += a if a == b else a + b if ord(b) == ord(a) + 1 else f"{a}-{b}"
    return f"[{out}]"


def _tidy(rx: str) -> str:
    """Runs of digits as counts: ``\\d\\d`` → ``\\d{2}``, ``\\d(?:\\d\\d?)?`` → ``\\d{1,3}``."""
    D = r"\\d\{(\d+),(\d+)\}"
    rx = re.sub(r"\\d(?![{])", r"\\d{1,1}", rx.replace("\\d?", "\\d{0,1}"))
    rx = re.sub(r"\\d\{(\d+)\}", r"\\d{\1,\1}", rx)
    while True:
        new = re.sub(D + D, lambda m: "\\d{%d,%d}" % (int(m[1]) + int(m[3]), int(m[2]) + int(m[4])), rx)
        new = re.sub(D + r"\(\?:" + D + r"\)\?", lambda m: "\\d{%s,%d}" % (m[1], int(m[2]) + int(m[4]))
                     if int(m[3]) <= 1 + int(m[2]) - int(m[1]) else m[0], new)
        new = re.sub(r"\(\?:" + D + r"\)\?", lambda m: "\\d{0,%s}" % m[2] if int(m[1]) <= 1 else m[0], new)
        if new == rx:
            break
        rx = new
    rx = re.sub(D, lambda m: "\\d" + ("" if m[2] == "1" else "?" if m[2] == "1" else "{%s}" % m[1])
                if m[1] == m[2] else "\\d?" if (m[1], m[2]) == ("0", "1") else m[0], rx)
    return rx


import re  # noqa: E402  (after the parser import, for _tidy)
