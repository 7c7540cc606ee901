#!/usr/bin/env python3
"""Cross-checks between what users apply and the code and files it must agree with.

    .venv-tools/bin/python scripts/check-consistency.py [RENDERED-CHART-DIR]

  * charts/keyward/files/crds/ holds byte-identical copies of crds/*.keyward.dev.yaml;
  * the controller's RBAC rules are the same in manifests/cluster-rbac (ClusterRole), manifests/namespaced (Role)
    and the chart (rendered: chart-default ClusterRole, chart-all-on Role), and so are the leader election rules;
    namespaced installs add one ClusterRole for clusterissuers only (cluster-scoped, watched in every mode);
  * the controller's arguments are the same in manifests/base and the chart's default render, every flag is one
    `keyward controller` declares (once Sources/KeywardCommands has the command), and the probe paths are routes
    of Sources/ControllerRuntime/Metrics/OperatorHTTPServer.swift on the port --metrics-address names;
  * every keyward_* metric the alert rules and their tests use is one the controller exports
    (Sources/*/Metrics/*.swift: KeywardMetrics and the controllers' metric families);
  * every value of charts/keyward/values.yaml is documented in docs/helm.md and declared in values.schema.json;
  * the Dockerfile's final stage runs as a numeric non-root user with the entrypoint the manifests' exec probes call.

The second and third need RENDERED-CHART-DIR (scripts/check-chart.py's output) for the chart side.
"""
from __future__ import annotations

import pathlib
import re
import sys

import yaml

ROOT = pathlib.Path(__file__).resolve().parent.parent
failures: list[str] = []


def check(condition: bool, message: str) -> None:
    print(("ok   " if condition else "FAIL ") + message)
    if not condition:
        failures.append(message)


def documents(*paths: pathlib.Path) -> list[dict]:
    docs = []
    for path in paths:
        files = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        for file in files:
            docs += [d for d in yaml.safe_load_all(file.read_text()) if isinstance(d, dict)]
    return docs


def find(docs: list[dict], kind: str, name_suffix: str = "") -> dict | None:
    matches = [d for d in docs if d.get("kind") == kind and d["metadata"]["name"].endswith(name_suffix)]
    return matches[0] if len(matches) == 1 else None


def normalized(rules: list[dict]) -> list[dict]:
    return sorted(({k: sorted(v) if isinstance(v, list) else v for k, v in r.items()} for r in rules), key=repr)


def controller_container(deployment: dict) -> dict:
    return next(c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == "controller")


def crd_copies() -> None:
    originals = sorted((ROOT / "crds").glob("*.keyward.dev.yaml"))
    copies = sorted((ROOT / "charts/keyward/files/crds").glob("*.yaml"))
    check([p.name for p in originals] == [p.name for p in copies],
          "chart CRD copies: same files as crds/ (" + ", ".join(p.name for p in originals) + ")")
    for original in originals:
        copy = ROOT / "charts/keyward/files/crds" / original.name
        check(copy.exists() and copy.read_bytes() == original.read_bytes(),
              f"charts/keyward/files/crds/{original.name} is identical to crds/{original.name} "
              "(refresh: cp crds/*.keyward.dev.yaml charts/keyward/files/crds/)")


# What a namespaced install grants cluster-wide: ClusterIssuers are cluster-scoped, so no Role can grant them.
CLUSTER_ISSUER_RULES = [
    {"apiGroups": ["keyward.dev"], "resources": ["clusterissuers"], "verbs": ["get", "list", "watch"]},
    {"apiGroups": ["keyward.dev"], "resources": ["clusterissuers/status"], "verbs": ["update"]},
]


def rbac(rendered: pathlib.Path | None) -> None:
    cluster = find(documents(ROOT / "manifests/cluster-rbac/rbac.yaml"), "ClusterRole")
    role = find(documents(ROOT / "manifests/namespaced/rbac.yaml"), "Role")
    election = find(documents(ROOT / "manifests/base/leader-election-rbac.yaml"), "Role")
    hash_key = find(documents(ROOT / "manifests/base/hash-key-rbac.yaml"), "Role")
    reference = normalized(cluster["rules"])
    check(normalized(role["rules"]) == reference, "manifests/namespaced Role rules == manifests/cluster-rbac ClusterRole rules")
    # Namespaced modes still watch ClusterIssuers (cluster-scoped): one ClusterRole grants exactly those.
    namespaced_cluster_role = find(documents(ROOT / "manifests/namespaced/rbac.yaml"), "ClusterRole")
    cluster_issuers = normalized(namespaced_cluster_role["rules"]) if namespaced_cluster_role else []
    check(cluster_issuers == normalized(CLUSTER_ISSUER_RULES),
          "manifests/namespaced ClusterRole grants only clusterissuers get/list/watch and their status")
    if rendered is None:
        return
    default = documents(rendered / "chart-default")
    all_on = documents(rendered / "chart-all-on")
    chart_cluster = find(default, "ClusterRole")
    own = ("-leader-election", "-hash-key")  # Roles in the controller's namespace, not for reconciling
    chart_role = find([d for d in all_on if not d["metadata"]["name"].endswith(own)], "Role")
    chart_hash_key = find(default, "Role", "-hash-key")
    chart_election = find(default, "Role", "-leader-election")
    check(chart_cluster is not None and normalized(chart_cluster["rules"]) == reference,
          "chart (default values) ClusterRole rules == manifests ClusterRole rules")
    check(chart_role is not None and normalized(chart_role["rules"]) == reference
          and chart_role["metadata"].get("namespace") == "team-a",
          "chart (watchNamespace) Role rules in the watched namespace == manifests ClusterRole rules")
    chart_issuers = [d for d in all_on if d.get("kind") == "ClusterRole"]
    check(len(chart_issuers) == 1 and normalized(chart_issuers[0]["rules"]) == cluster_issuers,
          "chart (watchNamespace) renders only the clusterissuers ClusterRole, with the manifests rules")
    if (rendered / "chart-namespaces").is_dir():
        spread = documents(rendered / "chart-namespaces")
        roles = [d for d in spread if d.get("kind") == "Role" and not d["metadata"]["name"].endswith(own)]
        bindings = [d for d in spread if d.get("kind") == "RoleBinding"
                    and not d["metadata"]["name"].endswith(own)]
        check(sorted(r["metadata"].get("namespace", "") for r in roles) == ["team-a", "team-b"]
              and all(normalized(r["rules"]) == reference for r in roles)
              and sorted(b["metadata"].get("namespace", "") for b in bindings) == ["team-a", "team-b"],
              "chart (watchNamespaces) a Role and RoleBinding with the manifests rules in each watched namespace")
        spread_cluster = [d for d in spread if d.get("kind") in ("ClusterRole", "ClusterRoleBinding")]
        check(sorted(d["kind"] for d in spread_cluster) == ["ClusterRole", "ClusterRoleBinding"]
              and all(normalized(d["rules"]) == cluster_issuers for d in spread_cluster if d["kind"] == "ClusterRole"),
              "chart (watchNamespaces) renders only the clusterissuers ClusterRole and its binding")
        deployment = find(spread, "Deployment")
        check(deployment is not None and "--namespaces=team-a,team-b" in controller_container(deployment)["args"],
              "chart (watchNamespaces) passes --namespaces=team-a,team-b")
    check(chart_election is not None and normalized(chart_election["rules"]) == normalized(election["rules"]),
          "chart leader election Role rules == manifests/base leader election Role rules")
    check(chart_hash_key is not None and normalized(chart_hash_key["rules"]) == normalized(hash_key["rules"]),
          "chart values-hash key Role rules == manifests/base hash-key Role rules")


def controller_flags(rendered: pathlib.Path | None) -> None:
    deployment = find(documents(ROOT / "manifests/base/deployment.yaml"), "Deployment")
    container = controller_container(deployment)
    args = container["args"]
    check(args[0] == "controller", "manifests/base runs `keyward controller`")
    server = (ROOT / "Sources/ControllerRuntime/Metrics/OperatorHTTPServer.swift").read_text()
    address = next(a.split("=", 1)[1] for a in args if a.startswith("--metrics-address="))
    port = int(address.rsplit(":", 1)[1])
    ports = {p["name"]: p["containerPort"] for p in container["ports"]}
    for probe in ("livenessProbe", "readinessProbe"):
        get = container[probe]["httpGet"]
        check(f'router.get("{get["path"]}")' in server and ports.get(get["port"]) == port,
              f"{probe} {get['path']} is a route of OperatorHTTPServer on the --metrics-address port {port}")
    service = find(documents(ROOT / "manifests/base/service.yaml"), "Service")
    check(all(p["port"] == port for p in service["spec"]["ports"]), "metrics Service port == --metrics-address port")

    if rendered is not None:
        chart = find(documents(rendered / "chart-default"), "Deployment")
        check(chart is not None and controller_container(chart)["args"] == args,
              "chart (default values) controller args == manifests/base controller args")

    # The flags against the command's declaration, once it exists: ArgumentParser derives --lease-name from a
    # property named leaseName, or takes an explicit name: "lease-name".
    commands = ROOT / "Sources/KeywardCommands"
    source = "\n".join(p.read_text() for p in commands.rglob("*.swift")) if commands.exists() else ""
    if "controller" not in source.lower() or "Option" not in source:
        print("note `keyward controller` is not declared in Sources/KeywardCommands yet: flag names not checked")
        return
    used = set()
    for file in [ROOT / "manifests/base/deployment.yaml", ROOT / "manifests/namespaced/kustomization.yaml",
                 ROOT / "manifests/shared-volume/kustomization.yaml", ROOT / "charts/keyward/templates/deployment.yaml"]:
        used |= set(re.findall(r"^\s*-? ?(?:value: )?(--[a-z][a-z0-9-]*)", file.read_text(), re.M))
    for flag in sorted(used):
        name = flag[2:]
        camel = re.sub(r"-([a-z])", lambda m: m.group(1).upper(), name)
        # Case aside: ArgumentParser derives --alertmanager-url from alertmanagerURL.
        check(f'"{name}"' in source or re.search(rf"\bvar {camel}\b", source, re.I) is not None,
              f"{flag} is declared in Sources/KeywardCommands")


def metric_names() -> None:
    exported = set()
    # ControllerRuntime's shared series (KeywardMetrics) and each controller's families (<Module>/Metrics/).
    for path in sorted(ROOT.glob("Sources/*/Metrics/*.swift")):
        exported |= set(re.findall(r'"(keyward_[a-z0-9_]+)"', path.read_text()))
    check(bool(exported), f"found {len(exported)} metric names in Sources/*/Metrics/")
    for path in [ROOT / "charts/keyward/templates/prometheusrule.yaml", ROOT / "charts/keyward/templates/_helpers.tpl",
                 *sorted((ROOT / "scripts/testdata").glob("alerts-*.test.yaml"))]:
        used = set(re.findall(r"\b(keyward_[a-z0-9_]+?)(?:_bucket|_sum|_count)?\b", path.read_text()))
        unknown = sorted(used - exported)
        check(not unknown, f"{path.relative_to(ROOT)}: every metric is exported"
              + (f" (unknown: {', '.join(unknown)})" if unknown else f" ({len(used)} used)"))


OPAQUE_VALUES = {"resources", "podSecurityContext", "securityContext"}


def value_paths(values: dict, prefix: str = "") -> list[str]:
    paths = []
    for key, value in values.items():
        path = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict) and value and path not in OPAQUE_VALUES:
            paths += value_paths(value, path)
        else:
            paths.append(path)
    return paths


def chart_values() -> None:
    import json
    values = yaml.safe_load((ROOT / "charts/keyward/values.yaml").read_text())
    schema = json.loads((ROOT / "charts/keyward/values.schema.json").read_text())
    docs = (ROOT / "docs/helm.md").read_text()
    paths = value_paths(values)
    undocumented = [p for p in paths if f"| `{p}` |" not in docs]
    check(not undocumented, f"docs/helm.md documents all {len(paths)} chart values"
          + (f" (missing: {', '.join(undocumented)})" if undocumented else ""))

    def declared(path: str) -> bool:
        node = schema
        for key in path.split("."):
            node = (node.get("properties") or {}).get(key)
            if node is None:
                return False
        return True
    undeclared = [p for p in paths if not declared(p)]
    check(not undeclared, "values.schema.json declares every chart value"
          + (f" (missing: {', '.join(undeclared)})" if undeclared else ""))


def dockerfile() -> None:
    text = (ROOT / "Dockerfile").read_text()
    final = text[text.rindex("\nFROM "):]
    user = re.findall(r"^USER\s+(\S+)", final, re.M)
    check(len(user) == 1 and re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", user[0]) is not None,
          f"Dockerfile final stage: numeric non-root USER ({user[0] if user else 'none'})")
    entrypoint = re.search(r'^ENTRYPOINT \["([^"]+)"\]', final, re.M)
    check(entrypoint is not None and "--static-swift-stdlib" in text, "Dockerfile: static Swift stdlib, exec-form ENTRYPOINT")
    binary = entrypoint.group(1) if entrypoint else ""
    probes = re.findall(r'command: \["([^"]+)"', (ROOT / "manifests/examples/web-with-wait-for-certs.yaml").read_text())
    check(bool(probes) and all(p == binary for p in probes), f"example exec probes call the image's {binary}")


if __name__ == "__main__":
    rendered_dir = pathlib.Path(sys.argv[1]).resolve() if len(sys.argv) > 1 else None
    crd_copies()
    rbac(rendered_dir)
    controller_flags(rendered_dir)
    metric_names()
    chart_values()
    dockerfile()
    print(f"consistency: {len(failures)} failure(s)")
    sys.exit(1 if failures else 0)
