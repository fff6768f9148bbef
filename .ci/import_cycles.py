#!/usr/bin/env python3
"""Find import cycles between sibling modules of a Rust crate.

A module is a file: `src/a/b.rs` is `crate::a::b` (and `src/lib.rs`/`src/main.rs` are the crate
root), plus the inline `mod x { ... }` blocks inside a file. Every `use crate::…`, `use super::…`,
`use self::…` and every `crate::…`/`super::…` path in code (not comments, not strings) is a
reference from the module it is written in to the deepest module its path names. A reference from
`a/b.rs` (or anything below it) to `crate::a::c` (or anything below it) is an edge `b → c` among
the children of `a`. References between a module and its own ancestors are fine (children use
their parent's traits, parents re-export their children) and are not edges.

The script prints every cycle among the children of one module with one example line per edge
and exits 1 if there is any.

One two-module cycle may be accepted on purpose, where a trait and the type generic over it
call each other (a trait's hooks take the type; the type calls the hooks): a line
`// import-cycles: allow OTHER` in module `a/b.rs` accepts exactly the cycle `b ↔ OTHER` under
`a`, and the module's doc must say why. Every longer cycle through the pair is still reported.

Usage:
    .ci/import_cycles.py [--ignore PATH]... [ROOT]...

ROOT is a crate's source directory (default: `src` and `models/src`), or a module's directory or
file inside one (then only references written in it are read, e.g. `src/checker src/history`).
`--ignore PATH` skips the references written in the files under PATH (e.g. `--ignore src/runner`).
"""

import argparse
import os
import re
import sys

ROOT_FILES = ("lib.rs", "main.rs")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"
ALLOW = re.compile(r"^\s*//\s*import-cycles:\s*allow\s+(" + IDENT + r")\s*$", re.MULTILINE)


def strip_comments_and_strings(text):
    """Blanks comments, string and char literals, keeping offsets (and so line numbers)."""
    out = list(text)
    i, n = 0, len(text)

    def blank(start, end):
        for k in range(start, end):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif text.startswith("/*", i):
            depth, j = 1, i + 2
            while j < n and depth:
                if text.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
            blank(i, j)
            i = j
        elif (m := re.compile(r'b?r(#*)"').match(text, i)) and (i == 0 or not re.match(r"\w", text[i - 1])):
            close = '"' + m.group(1)
            end = text.find(close, m.end())
            end = n if end < 0 else end + len(close)
            blank(i, end)
            i = end
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            blank(i, j + 1)
            i = j + 1
        elif c == "'":
            # A char literal ('a', '\n', '\u{1F600}'), not a lifetime ('a).
            m = re.compile(r"'(\\u\{[0-9a-fA-F]+\}|\\.|[^\\'])'").match(text, i)
            if m:
                blank(i, m.end())
                i = m.end()
            else:
                i += 1
        else:
            i += 1
    return "".join(out)


def module_of_file(root, path):
    """`root/a/b.rs` → ('a', 'b'); `root/lib.rs` → ()."""
    rel = os.path.relpath(path, root)
    parts = rel[:-3].split(os.sep)
    if len(parts) == 1 and parts[0] + ".rs" in ROOT_FILES:
        return ()
    return tuple(parts)


def inline_modules(code):
    """(start, end, name) of every inline `mod name { … }` block, outermost first."""
    found = []
    for m in re.finditer(r"\bmod\s+(" + IDENT + r")\s*\{", code):
        depth, j = 1, m.end()
        while j < len(code) and depth:
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
            j += 1
        found.append((m.start(), j, m.group(1)))
    return found


def module_at(base, blocks, offset):
    """The module (file module plus enclosing inline modules) that contains `offset`."""
    path = list(base)
    for start, end, name in blocks:
        if start <= offset < end:
            path.append(name)
    return tuple(path)


def parse_use_tree(tree, offset):
    """Flattens a use tree (`crate::{a::b, c::{d, e}}`) into (path segments, offset) leaves."""
    leaves = []

    def walk(prefix, i):
        # Parses one tree starting at tree[i]; returns the index after it.
        segs = list(prefix)
        while True:
            while i < len(tree) and tree[i].isspace():
                i += 1
            if i < len(tree) and tree[i] == "{":
                i += 1
                while True:
                    while i < len(tree) and (tree[i].isspace() or tree[i] == ","):
                        i += 1
                    if i >= len(tree) or tree[i] == "}":
                        return i + 1
                    i = walk(segs, i)
            m = re.compile(IDENT + r"|\*").match(tree, i)
            if not m:
                return i
            seg_offset = offset + m.start()
            segs.append(m.group(0))
            i = m.end()
            m2 = re.compile(r"\s*::\s*").match(tree, i)
            if m2:
                i = m2.end()
                continue
            m3 = re.compile(r"\s+as\s+" + IDENT).match(tree, i)
            if m3:
                i = m3.end()
            leaves.append((segs, seg_offset))
            return i

    walk([], 0)
    return leaves


def references(code):
    """(path segments, offset) of every crate-relative path written in `code`."""
    refs = []
    use_spans = []
    for m in re.finditer(r"\buse\s+([^;]*);", code):
        use_spans.append((m.start(), m.end()))
        refs.extend(parse_use_tree(m.group(1), m.start(1)))
    path_re = re.compile(r"(?<![\w$:])((?:crate|super|self)(?:\s*::\s*" + IDENT + r")+)")
    for m in path_re.finditer(code):
        if any(s <= m.start() < e for s, e in use_spans):
            continue
        refs.append((re.split(r"\s*::\s*", m.group(1)), m.start()))
    return refs


def resolve(segs, here, modules):
    """The deepest known module named by `segs` written in module `here`, or None."""
    if not segs:
        return None
    if segs[0] == "crate":
        path, rest = [], segs[1:]
    elif segs[0] in ("super", "self"):
        path, rest = list(here), list(segs)
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                if not path:
                    return None
                path.pop()
            rest = rest[1:]
    else:
        return None  # an external crate, or a child through its own name (parent → child)
    for seg in rest:
        if tuple(path + [seg]) in modules:
            path.append(seg)
        else:
            break
    return tuple(path)


def sibling_edge(src, dst):
    """(parent, from child, to child) if `src` → `dst` crosses between siblings, else None."""
    k = 0
    while k < len(src) and k < len(dst) and src[k] == dst[k]:
        k += 1
    if k == len(src) or k == len(dst):
        return None  # one is an ancestor of the other
    return src[:k], src[k], dst[k]


def crate_root(path):
    """The crate source directory (the nearest ancestor holding lib.rs or main.rs) of a path."""
    d = os.path.abspath(path if os.path.isdir(path) else os.path.dirname(path))
    while True:
        if any(os.path.isfile(os.path.join(d, f)) for f in ROOT_FILES) and os.path.basename(d) == "src":
            return d
        parent = os.path.dirname(d)
        if parent == d:
            sys.exit(f"import_cycles: no crate source directory (src/ with lib.rs or main.rs) above {path}")
        d = parent


def rs_files(path):
    if os.path.isfile(path):
        return [os.path.abspath(path)]
    out = []
    for dirpath, dirnames, filenames in os.walk(path):
        dirnames.sort()
        out.extend(os.path.abspath(os.path.join(dirpath, f)) for f in sorted(filenames) if f.endswith(".rs"))
    return out


MAX_CYCLES = 100


def simple_cycles(graph, nodes):
    """Elementary cycles among `nodes` (a strongly connected set), each once, shortest first;
    at most MAX_CYCLES of them (a tangle that large needs no complete list)."""
    order = sorted(nodes)
    cycles = []
    for i, start in enumerate(order):
        allowed = set(order[i:])  # cycles whose smallest node is `start`
        stack = [(start, [start])]
        while stack:
            node, path = stack.pop()
            for nxt in sorted(graph.get(node, ())):
                if nxt == start:
                    cycles.append(path + [start])
                    if len(cycles) >= MAX_CYCLES:
                        stack.clear()
                        break
                elif nxt in allowed and nxt not in path:
                    stack.append((nxt, path + [nxt]))
        if len(cycles) >= MAX_CYCLES:
            break
    cycles.sort(key=lambda c: (len(c), c))
    return cycles


def strongly_connected(graph):
    index, low, on_stack, stack, sccs = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on_stack.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            scc = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                scc.add(w)
                if w == v:
                    break
            sccs.append(scc)

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return sccs


def parse_crate(crate, allowed):
    """Reads every file of a crate: {file: (text, code, module, inline blocks)}, and the set of
    its modules. Adds the crate's `allow` lines to `allowed`."""
    parsed, modules = {}, set()
    for f in rs_files(crate):
        with open(f, encoding="utf-8") as fh:
            text = fh.read()
        code = strip_comments_and_strings(text)
        base = module_of_file(crate, f)
        blocks = inline_modules(code)
        parsed[f] = (text, code, base, blocks)
        modules.update(base[:k] for k in range(len(base) + 1))
        modules.update(module_at(base, blocks, s) + (name,) for s, _, name in blocks)
        if base:
            for m in ALLOW.finditer(text):
                allowed.add((base[:-1], frozenset((base[-1], m.group(1)))))
    return parsed, modules


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("roots", nargs="*", help="crate source directories, or modules inside one")
    parser.add_argument("--ignore", action="append", default=[], metavar="PATH",
                        help="skip references written in files under PATH (repeatable)")
    args = parser.parse_args()
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    roots = args.roots or [os.path.join(repo, p) for p in ("src", "models/src")]
    ignored = [os.path.abspath(p) for p in args.ignore]

    def is_ignored(f):
        return any(f == p or f.startswith(p + os.sep) for p in ignored)

    # crate → {(parent, from, to): (file, line number, line)}
    edges_by_crate = {}
    # crate → {(parent, frozenset({a, b}))}: two-module cycles accepted by an `allow` line
    allowed_by_crate = {}
    parsed_by_crate = {}  # crate → ({file: (text, code, module, inline blocks)}, modules)
    for root in roots:
        crate = crate_root(root)
        if crate not in parsed_by_crate:
            parsed_by_crate[crate] = parse_crate(crate, allowed_by_crate.setdefault(crate, set()))
        parsed, modules = parsed_by_crate[crate]
        edges = edges_by_crate.setdefault(crate, {})
        for f in rs_files(root):
            if is_ignored(f):
                continue
            text, code, base, blocks = parsed[f]
            lines = text.split("\n")
            for segs, offset in references(code):
                here = module_at(base, blocks, offset)
                target = resolve(segs, here, modules)
                if target is None:
                    continue
                edge = sibling_edge(here, target)
                if edge and edge not in edges:
                    line_no = code.count("\n", 0, offset) + 1
                    edges[edge] = (os.path.relpath(f, repo), line_no, lines[line_no - 1].strip())

    found = 0
    for crate, edges in sorted(edges_by_crate.items()):
        by_parent = {}
        for parent, a, b in edges:
            by_parent.setdefault(parent, {}).setdefault(a, set()).add(b)
        for parent, graph in sorted(by_parent.items()):
            for scc in strongly_connected(graph):
                if len(scc) < 2:
                    continue
                for cycle in simple_cycles(graph, scc):
                    if len(cycle) == 3 and (parent, frozenset(cycle)) in allowed_by_crate.get(crate, ()):
                        continue
                    found += 1
                    name = "::".join(("crate",) + parent)
                    print(f"cycle under {name} ({os.path.relpath(crate, repo)}): {' → '.join(cycle)}")
                    for a, b in zip(cycle, cycle[1:]):
                        f, line_no, line = edges[(parent, a, b)]
                        print(f"  {a} → {b}: {f}:{line_no}: {line}")
    if found:
        print(f"{found} import cycle(s) between sibling modules")
        return 1
    print("no import cycles between sibling modules")
    return 0


if __name__ == "__main__":
    sys.exit(main())
