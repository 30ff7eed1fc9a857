#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Check docs/python-socket-guide.md against libnatter's public headers.

The guide promises that every call it names exists.  This holds it to that:
every nt_/NT_ name in the guide must appear in a public header, a name
written as a call must be a declared function or function-like macro (not a
type that happens to share the name, as nt_resolve does), and a call written
out with its arguments must have as many as the declaration, with an "&x"
only where the declaration takes a pointer and one wherever it takes an
output handle (nt_x **out): a call left in 0.x's order, output first, fails.  Names ending in "_" or followed by "*" (NT_OPT_*, NT_E*) are prefixes.

    guide.py GUIDE.md HEADER_DIR
"""
import pathlib
import re
import sys


def strip_comments(text):
    return re.sub(r"/\*.*?\*/|//[^\n]*", " ", text, flags=re.S)


def balanced(text, start):
    """The text between the '(' at text[start] and its ')', or None."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    return None


def split_args(args):
    """Top-level comma-separated pieces of an argument or parameter list."""
    pieces, depth, current = [], 0, ""
    for ch in args:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch == "," and depth == 0:
            pieces.append(current.strip())
            current = ""
        else:
            current += ch
    if current.strip():
        pieces.append(current.strip())
    return pieces


def declarations(headers):
    """name -> list of parameters (their text) of functions and macros."""
    decls = {}
    for m in re.finditer(r"\b(nt_\w+)\s*\(", headers):
        name = m.group(1)
        params = balanced(headers, m.end() - 1)
        if params is None:
            continue
        line_start = headers.rfind("\n", 0, m.start()) + 1
        statement_start = max(headers.rfind(";", 0, m.start()), headers.rfind("}", 0, m.start()))
        before = headers[max(line_start, statement_start + 1):m.start()]
        # A function-like macro has its "(" right after the name.
        is_macro = re.search(r"#\s*define\s*$", headers[line_start:m.start()]) and \
            m.group(0) == name + "("
        is_function = "NT_API" in headers[statement_start + 1:m.start()] and "(*" not in before
        if not (is_macro or is_function):
            continue
        pieces = split_args(params)
        if pieces == ["void"]:
            pieces = []
        decls[name] = pieces
    return decls


def check_call(name, args, params):
    """What is wrong with a call written in the guide, as a list."""
    call = f"{name}({', '.join(args)})"
    fixed = [p for p in params if p != "..."]
    if len(args) != len(fixed) and not ("..." in params and len(args) > len(fixed)):
        return [f"{call}: {len(args)} arguments, the header declares {len(fixed)}"]
    problems = []
    for arg, param in zip(args, fixed):
        # Outputs last: an "&x" must land on a pointer parameter, and an
        # output handle (nt_x **out) must be given one.  Function-like
        # macros have untyped parameters and are not judged.
        if arg.startswith("&") and " " in param and "*" not in param:
            problems.append(f"{call}: {arg} given for '{param}'")
        if "**" in param and not (arg.startswith("&") or arg == "NULL"):
            problems.append(f"{call}: '{param}' wants an address, got {arg}")
    return problems


def main():
    guide_path, header_dir = sys.argv[1], pathlib.Path(sys.argv[2])
    guide = pathlib.Path(guide_path).read_text(encoding="utf-8")
    sources = sorted(header_dir.glob("*.h")) + sorted(header_dir.glob("*.h.in"))
    headers = strip_comments("\n".join(p.read_text(encoding="utf-8") for p in sources))
    words = set(re.findall(r"\b(?:nt|NT)_\w*", headers))
    # The error codes come from one X-macro table: X(EOF, -1, "...").
    words |= {"NT_" + code for code in re.findall(r"\bX\((\w+),", headers)}
    decls = declarations(headers)
    problems = []

    for m in re.finditer(r"\b(?:nt|NT)_\w*", guide):
        name = m.group(0)
        if name.endswith("_") or guide[m.end():m.end() + 1] == "*":
            if not any(w.startswith(name) for w in words):
                problems.append(f"{name}*: no public name starts so")
            continue
        if name not in words:
            problems.append(f"{name}: not in the public headers")
            continue
        if not name.startswith("nt_") or guide[m.end():m.end() + 1] != "(":
            continue
        if name not in decls:
            problems.append(f"{name}(): not a declared function or macro")
            continue
        args = balanced(guide, m.end())
        if not args or not args.strip():
            continue  # "nt_x()" names the call without its arguments
        problems += check_call(name, split_args(args), decls[name])

    for p in sorted(set(problems)):
        print(f"{guide_path}: {p}")
    checked = len(set(re.findall(r"\b(?:nt|NT)_\w*", guide)))
    print(f"{checked} names checked against {len(sources)} headers, {len(set(problems))} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
