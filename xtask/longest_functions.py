#!/usr/bin/env python3
"""The longest functions of each crate's hand-written code.

Usage: python3 xtask/longest_functions.py [SRC ...]   (default: every crate's src/)

A function runs from the `fn` line to its closing brace; generated/ and
#[cfg(test)] modules are left out; comments and string literals are blanked
first. (Import circles are checked by a test: tests/tests/module_circles.rs.)"""
import glob, os, re, sys

ROOTS = sys.argv[1:] or sorted(glob.glob("*/src"))
TOKEN = re.compile(r'//[^\n]*|/\*.*?\*/|r(#*)".*?"\1|b?"(?:\\.|[^"\\])*"|b?\'(?:\\.|[^\\\'])\'', re.S)

def strip(text):  # comments, strings and chars blanked, newlines kept
    return TOKEN.sub(lambda m: re.sub(r'[^\n]', ' ', m.group(0)), text)

def longest(src, most):
    found = []
    for d, _, names in os.walk(src):
        for n in names:
            path = os.path.join(d, n)
            if not n.endswith(".rs") or os.path.relpath(path, src).startswith("generated"):
                continue
            code = strip(open(path).read())
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
                found.append((end - start + 1, m.group(1), path, start, end))
    return sorted(found, reverse=True)[:most]

for src in ROOTS:
    for n, name, path, a, b in longest(src, int(os.environ.get("MOST", "3"))):
        print(f"{n:4} lines  {name}  {path}:{a}-{b}")
