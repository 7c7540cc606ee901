#!/usr/bin/env bash
# Package.swift declares exactly what each target imports: every `import X` of a target's sources is a declared
# dependency (target or product), and every declared dependency is imported somewhere in the target.
#
#   bash scripts/check-imports.sh            # check
#   bash scripts/check-imports.sh --graph    # print each target's dependencies on the package's own targets
#
# Reads Package.swift as text (no SwiftPM run, so it never waits on a build's lock). System and toolchain modules
# (Foundation, Glibc, Synchronization, Testing, ...) need no declaration and are ignored.
set -euo pipefail
cd "$(dirname "$0")/.."
exec python3 - "$@" <<'PY'
import pathlib, re, sys

ROOT = pathlib.Path(".")
SYSTEM = {
    "Foundation", "FoundationEssentials", "FoundationNetworking", "FoundationInternationalization", "Dispatch",
    "Glibc", "Musl", "Darwin", "WinSDK", "Android", "Bionic", "Synchronization", "Testing", "XCTest", "_Concurrency",
    "_StringProcessing", "RegexBuilder", "Observation", "Swift", "os", "CoreFoundation", "Distributed",
}

def calls(text, kinds):
    """Each `.kind(...)` call of the manifest with its balanced argument text."""
    for match in re.finditer(r"\.(%s)\(" % "|".join(kinds), text):
        depth, i = 1, match.end()
        while depth:
            if text[i] == "(":
                depth += 1
            elif text[i] == ")":
                depth -= 1
            i += 1
        yield match.group(1), text[match.end():i - 1]

def bracketed(text, key):
    """The `[...]` after `key:` at the top level of a call's arguments, or ''."""
    match = re.search(r"\b%s:\s*\[" % key, text)
    if not match:
        return ""
    depth, i = 1, match.end()
    while depth:
        if text[i] == "[":
            depth += 1
        elif text[i] == "]":
            depth -= 1
        i += 1
    return text[match.end():i - 1]

manifest = re.sub(r"//[^\n]*", "", (ROOT / "Package.swift").read_text())
targets = {}
for kind, body in calls(manifest, ["target", "testTarget", "executableTarget", "systemLibrary"]):
    name = re.match(r'\s*name:\s*"([^"]+)"', body)
    if not name:
        continue  # `.target(name:)` inside a dependency list is matched only as a whole target here
    deps_text = bracketed(body, "dependencies")
    products = set(re.findall(r'\.product\(\s*name:\s*"([^"]+)"', deps_text))
    plain = re.sub(r"\.product\([^)]*\)", "", deps_text)
    plain = re.sub(r'\.target\(\s*name:\s*"([^"]+)"[^)]*\)', r'"\1"', plain)
    declared = set(re.findall(r'"([^"]+)"', plain)) | products
    path = re.search(r'\bpath:\s*"([^"]+)"', body)
    folder = path.group(1) if path else ("Tests/" if kind == "testTarget" else "Sources/") + name.group(1)
    targets[name.group(1)] = (kind, folder, declared)

IMPORT = re.compile(r"^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:(?:public|package|internal|fileprivate|private)\s+)?"
                    r"import\s+(?:(?:struct|class|enum|protocol|typealias|func|let|var)\s+)?([A-Za-z_][A-Za-z0-9_]*)",
                    re.M)
problems = []
for name, (kind, folder, declared) in sorted(targets.items()):
    if kind == "systemLibrary":
        continue
    imported = set()
    for source in sorted(pathlib.Path(folder).rglob("*.swift")):
        text = re.sub(r'"""[\s\S]*?"""', "", source.read_text(errors="replace"))  # code quoted in multi-line strings
        imported |= set(IMPORT.findall(text))
    imported -= SYSTEM | {name}
    undeclared = sorted(imported - declared)
    unused = sorted(declared - imported)
    if undeclared:
        problems.append(f"{name}: imports {', '.join(undeclared)} without declaring it")
    if unused:
        problems.append(f"{name}: declares {', '.join(unused)} but never imports it")

if "--graph" in sys.argv:
    own = set(targets)
    for name, (kind, folder, declared) in sorted(targets.items()):
        if kind != "testTarget":
            print(f"{name} → {', '.join(sorted(declared & own)) or '-'}   [{', '.join(sorted(declared - own))}]")
    sys.exit(0)

for problem in problems:
    print("check-imports:", problem)
print(f"check-imports: {len(targets)} targets, {len(problems)} problem(s)")
sys.exit(1 if problems else 0)
PY
