#!/usr/bin/env python3
"""Validate every example custom resource against its CRD's openAPIV3Schema.

Run with the project's tool venv (scripts/install-tools.sh creates it):

    .venv-tools/bin/python scripts/check-examples.py            # check examples/ and manifests/examples/
    .venv-tools/bin/python scripts/check-examples.py FILE|DIR...  # check the given files (e.g. a rendered chart)
    .venv-tools/bin/python scripts/check-examples.py --self-test

Schemas come from the CRDs in crds/ (keyward.dev) and from scripts/schemas/*.yaml, hand-written structural
schemas for the prometheus-operator resources the Helm chart renders (monitoring.coreos.com). What it checks, per
document of one of those groups:
  * the openAPIV3Schema (types, enums, patterns, ranges, required) with the `jsonschema` package;
  * unknown fields are errors (kubectl's strict field validation would reject them; the API server would
    silently prune them, hiding typos), except below `x-kubernetes-preserve-unknown-fields` and in maps;
  * the CRDs' CEL one-of rules (`x-kubernetes-validations`). Only the two rule shapes Keyward's CRDs use are
    understood; any other rule makes the script fail loudly so it cannot silently skip a check.

Defaults are not applied: they only ever add valid values. Exit status 0 when every document passes.
"""
from __future__ import annotations

import copy
import pathlib
import re
import sys

try:
    import jsonschema
    import yaml
except ImportError as error:  # pragma: no cover - environment problem
    sys.exit(f"check-examples: {error}; run scripts/install-tools.sh and use .venv-tools/bin/python")

ROOT = pathlib.Path(__file__).resolve().parent.parent
GROUP = "keyward.dev"
EXTRA_SCHEMAS = ROOT / "scripts" / "schemas"
DEFAULT_PATHS = [ROOT / "examples", ROOT / "manifests" / "examples"]


# ---------------------------------------------------------------------------------------------------- schemas

def load_crds() -> dict[tuple[str, str], dict]:
    """(apiVersion, kind) -> openAPIV3Schema for every CRD in crds/."""
    schemas = {}
    for path in sorted((ROOT / "crds").glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc or doc.get("kind") != "CustomResourceDefinition":
                continue
            spec = doc["spec"]
            for version in spec["versions"]:
                api_version = f"{spec['group']}/{version['name']}"
                schemas[(api_version, spec["names"]["kind"])] = version["schema"]["openAPIV3Schema"]
    if not schemas:
        sys.exit("check-examples: no CustomResourceDefinitions found in crds/")
    for path in sorted(EXTRA_SCHEMAS.glob("*.yaml")):
        for entry in yaml.safe_load(path.read_text())["schemas"]:
            schemas[(entry["apiVersion"], entry["kind"])] = entry["openAPIV3Schema"]
    return schemas


def served_groups(schemas: dict) -> set[str]:
    return {api_version.split("/")[0] for api_version, _ in schemas}


def strict(schema: dict, top: bool = True) -> dict:
    """A copy of `schema` where objects reject unknown fields (like kubectl --validate=strict)."""
    schema = copy.deepcopy(schema)

    def walk(node: dict, is_root: bool) -> None:
        if node.get("x-kubernetes-preserve-unknown-fields"):
            return
        if node.get("type") == "object" and "additionalProperties" not in node and not is_root:
            node["additionalProperties"] = False
        if is_root:
            node.setdefault("properties", {})
        for name, child in node.get("properties", {}).items():
            # metadata is validated by the API server's ObjectMeta rules, not by the CRD schema.
            if is_root and name == "metadata":
                continue
            walk(child, False)
        if isinstance(node.get("items"), dict):
            walk(node["items"], False)
        if isinstance(node.get("additionalProperties"), dict):
            walk(node["additionalProperties"], False)

    walk(schema, top)
    return schema


# ---------------------------------------------------------------------------------------------------- CEL rules

HAS = r"has\(self\.([A-Za-z0-9_]+)\)"
RULE_XOR = re.compile(rf"^\s*{HAS}\s*!=\s*{HAS}\s*$")
RULE_ONE_OF = re.compile(r"^\s*\[(.*)\]\.filter\(x,\s*x\)\.size\(\)\s*==\s*1\s*$")


def evaluate_rule(rule: str, value: dict) -> bool:
    if (m := RULE_XOR.match(rule)):
        return (m.group(1) in value) != (m.group(2) in value)
    if (m := RULE_ONE_OF.match(rule)):
        fields = [f.strip() for f in m.group(1).split(",")]
        names = []
        for f in fields:
            fm = re.fullmatch(HAS, f)
            if not fm:
                raise ValueError(f"unsupported CEL list element {f!r} in rule {rule!r}")
            names.append(fm.group(1))
        return sum(1 for n in names if n in value) == 1
    raise ValueError(f"unsupported CEL rule {rule!r}: teach scripts/check-examples.py to evaluate it")


def cel_errors(schema: dict, value, path: str) -> list[str]:
    errors = []
    if isinstance(value, dict):
        for rule in schema.get("x-kubernetes-validations", []):
            if not evaluate_rule(rule["rule"], value):
                errors.append(f"{path or '(root)'}: {rule.get('message', rule['rule'])}")
        for name, child in schema.get("properties", {}).items():
            if name in value:
                errors += cel_errors(child, value[name], f"{path}.{name}" if path else name)
    elif isinstance(value, list) and isinstance(schema.get("items"), dict):
        for i, item in enumerate(value):
            errors += cel_errors(schema["items"], item, f"{path}[{i}]")
    return errors


# ---------------------------------------------------------------------------------------------------- checking

def field_path(error: jsonschema.ValidationError) -> str:
    text = ""
    for part in error.absolute_path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(root)"


def check_document(doc: dict, schemas: dict) -> list[str]:
    key = (doc.get("apiVersion"), doc.get("kind"))
    if key not in schemas:
        return [f"no CRD in crds/ serves {key[1]} in {key[0]}"]
    schema = schemas[key]
    errors = []
    if not (doc.get("metadata") or {}).get("name"):
        errors.append("metadata.name: required")
    validator = jsonschema.Draft7Validator(strict(schema))
    for error in sorted(validator.iter_errors(doc), key=lambda e: list(map(str, e.absolute_path))):
        errors.append(f"{field_path(error)}: {error.message}")
    if not errors:
        errors += cel_errors(schema, doc, "")
    return errors


def example_files(paths: list[pathlib.Path]) -> list[pathlib.Path]:
    files = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix in (".yaml", ".yml"))
        else:
            files.append(path)
    return files


def run(paths: list[pathlib.Path]) -> int:
    schemas = load_crds()
    groups = served_groups(schemas)
    checked = failed = 0
    for path in example_files(paths):
        for index, doc in enumerate(yaml.safe_load_all(path.read_text())):
            if not isinstance(doc, dict) or str(doc.get("apiVersion", "")).split("/")[0] not in groups:
                continue
            checked += 1
            name = f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path} #{index} " \
                   f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"
            errors = check_document(doc, schemas)
            if errors:
                failed += 1
                print(f"FAIL {name}")
                for e in errors:
                    print(f"     {e}")
            else:
                print(f"ok   {name}")
    if checked == 0:
        print("check-examples: no custom resources found")
        return 1
    print(f"{checked - failed}/{checked} custom resources valid")
    return 1 if failed else 0


def self_test() -> int:
    """Proves the checker rejects what it must, so a passing run means something."""
    schemas = load_crds()
    cert = {"apiVersion": f"{GROUP}/v1alpha1", "kind": "Certificate", "metadata": {"name": "t"},
            "spec": {"secretName": "t", "dnsNames": ["a.example.com"], "issuer": {"selfSigned": {}}}}
    rot = {"apiVersion": f"{GROUP}/v1alpha1", "kind": "SecretRotation", "metadata": {"name": "t"},
           "spec": {"secretName": "t", "interval": "720h", "keys": [{"name": "p", "generator": {"password": {}}}]}}

    rule = {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": {"name": "t"},
            "spec": {"groups": [{"name": "g", "rules": [{"alert": "A", "expr": "up == 0", "for": "5m"}]}]}}
    monitor = {"apiVersion": "monitoring.coreos.com/v1", "kind": "ServiceMonitor", "metadata": {"name": "t"},
               "spec": {"selector": {"matchLabels": {"a": "b"}}, "endpoints": [{"port": "http", "interval": "30s"}]}}

    def mutate(doc, change):
        doc = copy.deepcopy(doc)
        change(doc["spec"])
        return doc

    cases = [
        (cert, lambda s: None, None),
        (rot, lambda s: None, None),
        (cert, lambda s: s.update(privateKey={"algorithm": "DSA"}), "spec.privateKey.algorithm"),
        (cert, lambda s: s.update(dnsName=["typo"]), "spec"),
        (cert, lambda s: s["issuer"].update(ca={"certificateRef": "x"}), "issuer"),
        (cert, lambda s: s.update(issuer={"ca": {"certificateRef": "x", "secretRef": "y"}}), "issuer.ca"),
        (cert, lambda s: s.update(duration="90d"), "spec.duration"),
        (rot, lambda s: s.update(schedule={"cron": "@daily"}), "spec"),
        (rot, lambda s: s["keys"][0]["generator"].update(uuid={}), "generator"),
        (rot, lambda s: s.update(strategy={"type": "rolling"}), "spec.strategy.type"),
        (rule, lambda s: None, None),
        (rule, lambda s: s["groups"][0]["rules"][0].update(record="x"), "exactly one of alert or record"),
        (rule, lambda s: s["groups"][0]["rules"][0].update(**{"for": "10 minutes"}), "for"),
        (rule, lambda s: s["groups"][0]["rules"][0].update(severity="page"), "rules[0]"),
        (monitor, lambda s: None, None),
        (monitor, lambda s: s["endpoints"][0].update(interval="30"), "interval"),
        (monitor, lambda s: s["endpoints"][0].update(targetport=8080), "endpoints[0]"),
    ]
    failures = 0
    for base, change, expected in cases:
        errors = check_document(mutate(base, change), schemas)
        ok = (not errors) if expected is None else any(expected in e for e in errors)
        if not ok:
            failures += 1
            print(f"self-test FAIL: expected {'no errors' if expected is None else expected!r}, got {errors}")
    print(f"self-test: {len(cases) - failures}/{len(cases)} cases behaved")
    return 1 if failures else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    if args == ["--self-test"]:
        sys.exit(self_test())
    sys.exit(run([pathlib.Path(a).resolve() for a in args] or DEFAULT_PATHS))
