#!/usr/bin/env python3
"""Render and lint charts/keyward with the real Helm engine (PyPI helm-python-sdk), for every values set.

    .venv-tools/bin/python scripts/check-chart.py OUTDIR

Value sets: the chart's defaults and every charts/keyward/ci/*-values.yaml (all-on-values.yaml turns every option
on). Each set is rendered as release "keyward" in namespace "keyward" into OUTDIR/chart-SET/, one file per
template, for kubernetes-validate, checkov and check-examples.py to read; OUTDIR/alerts/ gets the alert rules of a
render with the PrometheusRule on (for promtool). It also proves that values the chart must refuse are refused.
Exit status 0 when every render succeeds and lint reports no error.
"""
from __future__ import annotations

import pathlib
import sys

try:
    import helm_python as helm
    import yaml
except ImportError as error:  # pragma: no cover - environment problem
    sys.exit(f"check-chart: {error}; run scripts/install-tools.sh and use .venv-tools/bin/python")

ROOT = pathlib.Path(__file__).resolve().parent.parent
CHART = ROOT / "charts" / "keyward"
RELEASE = "keyward"
NAMESPACE = "keyward"
KUBE_VERSION = "v1.30.0"
LINT_ERROR = 3

# Values the chart must reject at render time, with a word of the message expected.
REFUSED = [
    ({"replicaCount": 2, "leaderElection": {"enabled": False}}, "leaderElection"),
    ({"volumeRoot": {"persistence": {"enabled": True}}}, "volumeRoot.path"),
    ({"metrics": {"service": {"enabled": False}, "serviceMonitor": {"enabled": True}}}, "metrics.service"),
    ({"serviceAccount": {"create": False}}, "serviceAccount.name"),
    ({"logFormat": "xml"}, "logFormat"),
    ({"concurrency": 0}, "concurrency"),
]


def value_sets() -> dict[str, dict]:
    sets = {"default": {}}
    for path in sorted((CHART / "ci").glob("*-values.yaml")):
        sets[path.name.removesuffix("-values.yaml")] = yaml.safe_load(path.read_text()) or {}
    return sets


def write_render(out: pathlib.Path, rendered: dict[str, str]) -> int:
    out.mkdir(parents=True, exist_ok=True)
    count = 0
    for template, text in sorted(rendered.items()):
        if template.endswith("NOTES.txt") or not text.strip():
            continue
        name = template.split("/templates/", 1)[-1].replace("/", "_")
        (out / name).write_text(text)
        count += sum(1 for doc in yaml.safe_load_all(text) if doc)
    return count


def main(outdir: pathlib.Path) -> int:
    failures = 0
    chart = helm.Chart.load(str(CHART))
    for name, values in value_sets().items():
        try:
            rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)
        except helm.HelmError as error:
            print(f"FAIL render {name}: {error}")
            failures += 1
            continue
        count = write_render(outdir / f"chart-{name}", rendered)
        report = helm.lint(str(CHART), values, namespace=NAMESPACE, kube_version=KUBE_VERSION)
        errors = list(report.get("errors") or []) + [
            f"{m['path']}: {m['error']}" for m in report.get("messages", []) if m.get("severity", 0) >= LINT_ERROR]
        for message in report.get("messages", []):
            if message.get("severity", 0) < LINT_ERROR:
                print(f"     lint {name} (severity {message['severity']}): {message['path']}: {message['error']}")
        if errors:
            failures += 1
            print(f"FAIL lint {name}: " + "; ".join(errors))
        else:
            print(f"ok   render+lint {name}: {count} objects -> {outdir / f'chart-{name}'}")

    # The alert rules with the defaults, for promtool (check rules and the unit tests in scripts/testdata).
    for variant, values in [("leader-election", {}),
                            ("single-replica", {"replicaCount": 1, "leaderElection": {"enabled": False}})]:
        values = {**values, "metrics": {"serviceMonitor": {"enabled": True}, "prometheusRule": {"enabled": True}}}
        rendered = chart.render(values, name=RELEASE, namespace=NAMESPACE)
        rule = yaml.safe_load(rendered[f"{chart.name}/templates/prometheusrule.yaml"])
        target = outdir / "alerts" / variant
        target.mkdir(parents=True, exist_ok=True)
        (target / "rules.yaml").write_text(yaml.safe_dump(rule["spec"], sort_keys=False))
        # Unit tests compare labels; annotations are checked by `promtool check rules` on rules.yaml.
        for group in rule["spec"]["groups"]:
            for item in group["rules"]:
                item.pop("annotations", None)
        (target / "rules-without-annotations.yaml").write_text(yaml.safe_dump(rule["spec"], sort_keys=False))

    for values, expected in REFUSED:
        try:
            chart.render(values, name=RELEASE, namespace=NAMESPACE)
        except helm.HelmError as error:
            if expected in str(error):
                print(f"ok   refused {values}")
                continue
            print(f"FAIL refused {values} but the message does not mention {expected!r}: {error}")
        else:
            print(f"FAIL rendered {values}, which the chart must refuse")
        failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    sys.exit(main(pathlib.Path(sys.argv[1]).resolve()))
