#!/usr/bin/env python3
"""Longest functions and module dependency cycles of client/src.

Usage: python3 xtask/client_metrics.py [client/src]   (EDGES=1 also prints every edge)

Functions: from the `fn` line to the closing brace, generated/ and
#[cfg(test)] modules left out. Edges: a module file refers to another
through `use`, `crate::`/`super::`/`self::` paths or a child module's
name; paths through `pub use` re-exports count for the defining file.
Comments and string literals are blanked first."""
import os, re, sys
from itertools import combinations

SRC = sys.argv[1] if len(sys.argv) > 1 else "client/src"
TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|r(#*)".*?"\1|b?"(?:\\.|[^"\\])*"|b?\'(?:\\.|[^\\\'])\'', re.S)

def strip(text):  # comments, strings and chars blanked, newlines kept
    return TOKEN.sub(lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text)

def module_of(rel):  # "fql/parse.rs" -> "fql::parse"
    parts = rel[:-3].split("/")
    if parts[-1] in ("mod", "lib"): parts = parts[:-1]
    return "::".join(parts)

files = {}
for d, _, names in os.walk(SRC):
    for n in names:
        if n.endswith(".rs"):
            rel = os.path.relpath(os.path.join(d, n), SRC).replace(os.sep, "/")
            files[module_of(rel)] = (rel, strip(open(os.path.join(d, n)).read()))

# Longest function (generated/ and #[cfg(test)] modules excluded).
best = []
for mod, (rel, code) in files.items():
    if rel.startswith("generated/"): continue
    test = re.search(r'#\[cfg\(test\)\]\s*mod\s+\w+\s*\{', code)
    if test: code = code[:test.start()]
    for m in re.finditer(r'\bfn\s+(\w+)[^;{]*\{', code):
        depth, i = 0, m.end() - 1
        while i < len(code):
            depth += {"{": 1, "}": -1}.get(code[i], 0)
            if depth == 0: break
            i += 1
        start = code.count("\n", 0, m.start()) + 1
        end = code.count("\n", 0, i) + 1
        best.append((end - start + 1, m.group(1), rel, start, end))
best.sort(reverse=True)
for n, name, rel, a, b in best[:5]:
    print(f"{n:4} lines  {name}  client/src/{rel}:{a}-{b}")

# Module references: crate::a::b, super::x, self::x, child::x, and use groups.
def expand_use(body):  # "crate::{a, b::{c, d}}" -> ["crate::a", "crate::b::c", ...]
    m = re.match(r'\s*([\w:]*?)\{(.*)\}\s*$', body, re.S)
    if not m: return [body.strip()]
    prefix, inner, parts, depth, cur = m.group(1), m.group(2), [], 0, ""
    for ch in inner:
        if ch == "," and depth == 0: parts.append(cur); cur = ""; continue
        depth += (ch == "{") - (ch == "}"); cur += ch
    parts.append(cur)
    return [p for part in parts if part.strip() for p in expand_use(prefix + part.strip())]

mods = set(files)
def target(cur, path, depth=0):
    segs = path.split("::")
    if segs[0] == "crate": base, segs = [], segs[1:]
    elif segs[0] in ("super", "self"):
        base = cur.split("::") if cur else []
        while segs and segs[0] in ("super", "self"):
            if segs.pop(0) == "super": base = base[:-1]
    else: base = cur.split("::") if cur else []
    found = "::".join(base)
    if found not in mods: return None
    k_found = 0
    for k in range(1, len(segs) + 1):
        cand = "::".join(base + segs[:k])
        if cand not in mods: break
        found, k_found = cand, k
    rest = segs[k_found:]
    # follow `pub use sub::{Name}` re-exports in the found module
    if rest and depth < 8:
        for line in re.findall(r'pub(?:\([^)]*\))?\s+use ([^;]+);', files[found][1]):
            for p in expand_use(line):
                if p.split("::")[-1].split(" as ")[-1].strip() == rest[0]:
                    t = target(found, p.split(" as ")[0].strip(), depth + 1)
                    if t: return t
    return found

edges = {m: set() for m in mods}
for mod, (rel, code) in files.items():
    test = re.search(r'#\[cfg\(test\)\]\s*mod\s+\w+\s*\{', code)
    if test: code = code[:test.start()]  # unit tests may use anything
    refs = [p for u in re.findall(r'\buse\s+([^;]+);', code) for p in expand_use(u)]
    # whole paths only: the prefix of a `use a::{...}` group is no reference
    refs += re.findall(r'\b(?:crate|super|self)(?:::\w+)+(?![\w:])', code)
    children = {m.split("::")[-1] for m in mods
                if m and m.rsplit("::", 1)[0] == mod and (mod or "::" not in m)}
    refs += [r for r in re.findall(r'(?<![:\w])(\w+(?:::\w+)+)', code) if r.split("::")[0] in children]
    for r in refs:
        t = target(mod, r.split(" as ")[0].strip())
        if t is not None and t != mod and t != "": edges[mod].add(t)

# Strongly connected components (Tarjan), then the two-module cycles.
index, low, stack, on, sccs, n = {}, {}, [], set(), [], [0]
def visit(v):
    index[v] = low[v] = n[0]; n[0] += 1; stack.append(v); on.add(v)
    for w in sorted(edges[v]):
        if w not in index: visit(w); low[v] = min(low[v], low[w])
        elif w in on: low[v] = min(low[v], index[w])
    if low[v] == index[v]:
        comp = []
        while True:
            w = stack.pop(); on.discard(w); comp.append(w)
            if w == v: break
        if len(comp) > 1: sccs.append(sorted(comp))
sys.setrecursionlimit(10000)
for v in sorted(mods):
    if v not in index: visit(v)
name = lambda m: files[m][0]
for comp in sccs:
    print("cycle group:", ", ".join(name(m) for m in comp))
for a, b in combinations(sorted(mods), 2):
    if b in edges[a] and a in edges[b]:
        print(f"two-way: {name(a)} <-> {name(b)}")
if os.environ.get("EDGES"):
    for m in sorted(edges): print("edge", name(m), "->", ", ".join(name(t) for t in sorted(edges[m])))
