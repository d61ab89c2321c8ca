#!/usr/bin/env python3
"""Assertions for tests/chart/chart_test.sh on the rendered pgferry chart, its values schema,
the CRD copy inside the chart, and the manifests in examples/.

Every check prints one line, "PASS: what" or "FAIL: what: why"; chart_test.sh counts them.
The exit status is 0 unless the command line is wrong (2), so one failed check never hides the
others. Needs only the Python standard library and PyYAML (Debian: python3-yaml).

  chart_checks.py render RENDERED --release-namespace NS --expected-calls FILE [--expected-calls FILE2]
                  [--watch a,b] [--leader yes|no] [--service-monitor yes|no] [--crd yes|no]
                  [--replicas N] [--log-level L] [--max-concurrent N] [--image IMAGE] [--repo DIR]
                  [--extra-args "--a=1 --b=2"]
  chart_checks.py schema SCHEMA.json VALUES.yaml [OVERRIDE.yaml] [--expect invalid]
  chart_checks.py crd-copy REPO
  chart_checks.py examples REPO
  chart_checks.py covers RENDERED CALLS_FILE     # the chart grants every call listed
  chart_checks.py audit-calls AUDIT.jsonl [--user-agent-prefix P]   # prints calls, one a line
  chart_checks.py argocd-doc REPO                # docs/argocd-health.md holds the .lua verbatim
  chart_checks.py user-guide REPO                # YAML blocks parse; every chart value documented
"""
import argparse
import json
import os
import re
import sys

try:
    import yaml
except ImportError:  # reported by chart_test.sh as one failure, with the package to install
    print("FAIL: python3 can import yaml: install python3-yaml (Debian) or PyYAML")
    sys.exit(0)

CRD_FILE = "crds/pgferry.io_pgmigrations.yaml"
CRD_PARTIAL = "charts/pgferry/templates/_crd-pgmigrations.tpl"
NAMESPACED_KINDS = {"Deployment", "ServiceAccount", "Service", "Role", "RoleBinding",
                    "ServiceMonitor", "ConfigMap", "Secret"}


def report(ok, what, why=""):
    if ok:
        print("PASS: " + what)
    else:
        print("FAIL: " + what + (": " + why if why else ""))
    return ok


# ---------------------------------------------------------------------------------------------
# Reading files

def load_docs(path):
    with open(path) as f:
        return [d for d in yaml.safe_load_all(f) if isinstance(d, dict) and d]


def read_calls(path):
    """The observed-api-calls.txt format: `verb group resource[/subresource]`, # comments."""
    calls = set()
    with open(path) as f:
        for n, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split()
            if len(parts) != 3:
                raise SystemExit("%s:%d: want `verb group resource[/subresource]`, got %r"
                                 % (path, n, line))
            calls.add(tuple(parts))
    return calls


def fmt_calls(calls):
    return ", ".join(" ".join(c) for c in sorted(calls)) or "(none)"


# ---------------------------------------------------------------------------------------------
# A small JSON-schema / OpenAPI v3 validator: exactly the keywords our schemas use. An unknown
# keyword is an error, so a schema change can never be skipped silently.

KNOWN = {"type", "properties", "additionalProperties", "required", "enum", "minimum", "maximum",
         "minLength", "maxLength", "pattern", "items", "uniqueItems", "nullable", "default",
         "description", "title", "$schema", "format", "x-kubernetes-validations",
         "x-kubernetes-list-type", "x-kubernetes-list-map-keys"}


def type_ok(t, v):
    if t == "object":
        return isinstance(v, dict)
    if t == "array":
        return isinstance(v, list)
    if t == "string":
        return isinstance(v, str)
    if t == "boolean":
        return isinstance(v, bool)
    if t == "integer":
        return isinstance(v, int) and not isinstance(v, bool)
    if t == "number":
        return isinstance(v, (int, float)) and not isinstance(v, bool)
    if t == "null":
        return v is None
    raise ValueError("unknown type " + t)


def validate(schema, value, path, errors, closed_objects=False):
    """closed_objects: an object schema with properties and no additionalProperties rejects
    unknown fields (what `kubectl apply` does with strict field validation)."""
    unknown = set(schema) - KNOWN
    if unknown:
        errors.append("%s: schema uses unsupported keywords %s" % (path, sorted(unknown)))
        return
    if value is None and schema.get("nullable"):
        return
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(type_ok(t, value) for t in types):
            errors.append("%s: want %s, got %r" % (path, "|".join(types), value))
            return
    if "enum" in schema and value not in schema["enum"]:
        errors.append("%s: %r is not one of %s" % (path, value, schema["enum"]))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append("%s: %r is below %r" % (path, value, schema["minimum"]))
        if "maximum" in schema and value > schema["maximum"]:
            errors.append("%s: %r is above %r" % (path, value, schema["maximum"]))
    if isinstance(value, str):
        if "minLength" in schema and len(value) < schema["minLength"]:
            errors.append("%s: %r is shorter than %d" % (path, value, schema["minLength"]))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            errors.append("%s: %r is longer than %d" % (path, value, schema["maxLength"]))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            errors.append("%s: %r does not match %s" % (path, value, schema["pattern"]))
    if isinstance(value, list):
        if schema.get("uniqueItems") and len(set(map(json.dumps, value))) != len(value):
            errors.append("%s: items are not unique" % path)
        for i, item in enumerate(value):
            if "items" in schema:
                validate(schema["items"], item, "%s[%d]" % (path, i), errors, closed_objects)
    if isinstance(value, dict):
        props = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                errors.append("%s: %s is required" % (path, key))
        extra = schema.get("additionalProperties")
        for key, v in value.items():
            sub = "%s.%s" % (path, key)
            if key in props:
                validate(props[key], v, sub, errors, closed_objects)
            elif isinstance(extra, dict):
                validate(extra, v, sub, errors, closed_objects)
            elif extra is False or (extra is None and closed_objects and props):
                errors.append("%s: unknown field" % sub)


def merge_values(base, override):
    """helm's coalescing of -f files: maps merge recursively, anything else replaces."""
    out = dict(base)
    for k, v in override.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge_values(out[k], v)
        else:
            out[k] = v
    return out


def cmd_schema(args):
    with open(args.schema) as f:
        schema = json.load(f)
    with open(args.values) as f:
        values = yaml.safe_load(f) or {}
    label = os.path.basename(args.values)
    for o in args.overrides:
        with open(o) as f:
            values = merge_values(values, yaml.safe_load(f) or {})
        label += " + " + os.path.basename(o)
    errors = []
    validate(schema, values, "values", errors)
    if args.expect == "valid":
        report(not errors, "values.schema.json accepts " + label, "; ".join(errors))
    else:
        real = [e for e in errors if "unsupported keywords" not in e]
        report(bool(real), "values.schema.json rejects " + label,
               "accepted" if not real else "")
        if real:
            print("  (rejected with: %s)" % "; ".join(real))


# ---------------------------------------------------------------------------------------------
# RBAC

def grants_of(role):
    """(verb, group, resource) triples a Role/ClusterRole grants; problems in `bad`."""
    out, bad = set(), []
    for rule in role.get("rules") or []:
        if rule.get("resourceNames"):
            bad.append("resourceNames %s" % rule["resourceNames"])
        if rule.get("nonResourceURLs"):
            bad.append("nonResourceURLs %s" % rule["nonResourceURLs"])
        for field in ("apiGroups", "resources", "verbs"):
            if "*" in (rule.get(field) or []):
                bad.append("wildcard in %s" % field)
        for g in rule.get("apiGroups") or []:
            for r in rule.get("resources") or []:
                for v in rule.get("verbs") or []:
                    out.add((v, g or "core", r))
    return out, bad


def check_rbac(docs, a, expected, sa_name):
    ns = a.release_namespace
    lease_calls = {c for c in expected if c[1] == "coordination.k8s.io"}
    watch_calls = expected - lease_calls
    leader = a.leader == "yes"
    watch = [w for w in a.watch.split(",") if w]

    roles = [d for d in docs if d["kind"] in ("Role", "ClusterRole")]
    bindings = [d for d in docs if d["kind"] in ("RoleBinding", "ClusterRoleBinding")]
    grants = {}
    for r in roles:
        key = (r["kind"], r["metadata"].get("namespace"), r["metadata"]["name"])
        g, bad = grants_of(r)
        grants[key] = g
        report(not bad, "%s %s/%s has no wildcard, resourceNames or nonResourceURLs"
               % (r["kind"], key[1] or "-", key[2]), "; ".join(bad))

    # Every binding points at a rendered role, in its own namespace, for the operator's account.
    bound = set()
    for b in bindings:
        ref = b["roleRef"]
        bns = b["metadata"].get("namespace")
        key = (ref["kind"], bns if ref["kind"] == "Role" else None, ref["name"])
        subjects = b.get("subjects") or []
        ok_subject = subjects == [{"kind": "ServiceAccount", "name": sa_name, "namespace": ns}]
        report(key in grants and ok_subject,
               "%s %s/%s binds a rendered %s to the operator's ServiceAccount in %s"
               % (b["kind"], bns or "-", b["metadata"]["name"], ref["kind"], ns),
               "roleRef %s, subjects %s" % (ref, subjects))
        bound.add(key)
    unbound = set(grants) - bound
    report(not unbound, "every rendered role is bound", str(sorted(unbound)))

    cluster_roles = {k: g for k, g in grants.items() if k[0] == "ClusterRole"}
    ns_roles = {k: g for k, g in grants.items() if k[0] == "Role"}
    lease_roles = {k: g for k, g in ns_roles.items() if any(c[2] == "leases" for c in g)}

    if not watch:
        report(len(cluster_roles) == 1 and
               sum(1 for b in bindings if b["kind"] == "ClusterRoleBinding") == 1,
               "cluster-wide: one ClusterRole and one ClusterRoleBinding",
               "ClusterRoles %s" % sorted(cluster_roles))
        for k, g in cluster_roles.items():
            report(g == watch_calls, "ClusterRole %s grants exactly the expected calls" % k[2],
                   "missing %s; extra %s" % (fmt_calls(watch_calls - g), fmt_calls(g - watch_calls)))
        others = set(ns_roles) - set(lease_roles)
        report(not others, "cluster-wide: no namespaced Role besides leader election",
               str(sorted(others)))
    else:
        report(not cluster_roles and not any(b["kind"] == "ClusterRoleBinding" for b in bindings),
               "namespaced (%s): no ClusterRole or ClusterRoleBinding" % ",".join(watch),
               str(sorted(cluster_roles)))
        for w in watch:
            mine = {k: g for k, g in ns_roles.items() if k[1] == w and k not in lease_roles}
            report(len(mine) == 1, "namespace %s: one Role" % w, str(sorted(mine)))
            for k, g in mine.items():
                report(g == watch_calls, "Role %s/%s grants exactly the expected calls" % (w, k[2]),
                       "missing %s; extra %s" % (fmt_calls(watch_calls - g),
                                                 fmt_calls(g - watch_calls)))
            report(any(b["kind"] == "RoleBinding" and b["metadata"].get("namespace") == w
                       for b in bindings), "namespace %s: a RoleBinding" % w)
        stray = {k for k in ns_roles if k not in lease_roles and k[1] not in watch}
        report(not stray, "no Role outside the watched namespaces", str(sorted(stray)))

    if leader:
        report(len(lease_roles) == 1 and all(k[1] == ns for k in lease_roles),
               "leader election: one Role for leases in the release namespace %s" % ns,
               str(sorted(lease_roles)))
        for k, g in lease_roles.items():
            report(g == lease_calls, "Role %s grants exactly the lease calls" % k[2],
                   "missing %s; extra %s" % (fmt_calls(lease_calls - g), fmt_calls(g - lease_calls)))
    all_grants = set().union(*grants.values()) if grants else set()
    has_leases = any(c[2] == "leases" for c in all_grants)
    if not leader:
        report(not has_leases, "no leader election: no lease rules anywhere",
               fmt_calls({c for c in all_grants if c[2] == "leases"}))
    want = expected if leader else watch_calls
    report(all_grants == want, "all RBAC together grants exactly the expected calls%s"
           % ("" if leader else " minus leases"),
           "missing %s; extra %s" % (fmt_calls(want - all_grants), fmt_calls(all_grants - want)))


# ---------------------------------------------------------------------------------------------
# The rendered chart

def get(d, *path, default=None):
    for p in path:
        if not isinstance(d, dict) or p not in d:
            return default
        d = d[p]
    return d


def check_crd(docs, a):
    crds = [d for d in docs if d["kind"] == "CustomResourceDefinition"]
    if a.crd == "no":
        report(not crds, "crds.install=false renders no CRD", str(len(crds)))
        return
    if not report(len(crds) == 1, "crds.install=true renders the PgMigration CRD", str(len(crds))):
        return
    rendered = crds[0]
    with open(os.path.join(a.repo, CRD_FILE)) as f:
        source = yaml.safe_load(f)
    report(get(rendered, "metadata", "annotations", "helm.sh/resource-policy") == "keep",
           "the CRD carries helm.sh/resource-policy: keep")
    meta_r = {k: v for k, v in rendered["metadata"].items() if k not in ("annotations", "labels")}
    meta_s = {k: v for k, v in source["metadata"].items() if k not in ("annotations", "labels")}
    same = (meta_r == meta_s and
            {k: v for k, v in rendered.items() if k != "metadata"} ==
            {k: v for k, v in source.items() if k != "metadata"})
    report(same, "the rendered CRD equals %s (apart from Helm's labels and annotation)" % CRD_FILE)


def check_render(a):
    expected = set().union(*(read_calls(f) for f in a.expected_calls))
    try:
        docs = load_docs(a.rendered)
    except yaml.YAMLError as e:
        report(False, "the rendered chart parses as YAML", str(e))
        return
    report(all("kind" in d and get(d, "metadata", "name") for d in docs),
           "every rendered document has kind and metadata.name")
    ns = a.release_namespace
    for d in docs:
        if d["kind"] in NAMESPACED_KINDS and not get(d, "metadata", "namespace"):
            report(False, "%s %s names its namespace" % (d["kind"], d["metadata"]["name"]))

    deps = [d for d in docs if d["kind"] == "Deployment"]
    if not report(len(deps) == 1, "one Deployment", str(len(deps))):
        return
    dep = deps[0]
    spec = dep["spec"]
    pod = spec["template"]["spec"]
    containers = pod["containers"]
    report(len(containers) == 1, "one container")
    c = containers[0]
    leader = a.leader == "yes"
    watch = [w for w in a.watch.split(",") if w]

    report(spec.get("replicas") == a.replicas, "replicas is %d" % a.replicas, str(spec.get("replicas")))
    report(c.get("command") == ["pgferry", "operator"], "the container runs `pgferry operator`",
           str(c.get("command")))
    want_args = ["--metrics-bind-address=:8080", "--health-probe-bind-address=:8081",
                 "--max-concurrent-migrations=%d" % a.max_concurrent, "--log-level=" + a.log_level]
    if leader:
        want_args.append("--leader-elect")
    if watch:
        want_args.append("--namespace=" + ",".join(watch))
    want_args += [x for x in a.extra_args.split(" ") if x]
    report(c.get("args") == want_args, "operator arguments are %s" % " ".join(want_args),
           "got %s" % c.get("args"))
    strategy = get(spec, "strategy", "type")
    if leader:
        report(strategy in (None, "RollingUpdate"), "with leader election: rolling update",
               str(strategy))
    else:
        report(strategy == "Recreate", "without leader election: Recreate strategy", str(strategy))
    if a.image:
        report(c.get("image") == a.image, "image is " + a.image, str(c.get("image")))

    # Restricted pod security.
    psc = pod.get("securityContext") or {}
    csc = c.get("securityContext") or {}
    report(psc.get("runAsNonRoot") is True and csc.get("runAsNonRoot") is True,
           "runAsNonRoot on pod and container")
    report(psc.get("runAsUser") == 65532 and csc.get("runAsUser") == 65532, "runAsUser 65532")
    report(get(psc, "seccompProfile", "type") == "RuntimeDefault" and
           get(csc, "seccompProfile", "type") == "RuntimeDefault", "seccompProfile RuntimeDefault")
    report(csc.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation false")
    report(csc.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem true")
    report(get(csc, "capabilities", "drop") == ["ALL"] and not get(csc, "capabilities", "add"),
           "capabilities: drop ALL, add none", str(csc.get("capabilities")))
    report(not csc.get("privileged") and not pod.get("hostNetwork") and not pod.get("hostPID"),
           "not privileged, no host namespaces")
    mounts = {m["mountPath"]: m["name"] for m in c.get("volumeMounts") or []}
    vols = {v["name"]: v for v in pod.get("volumes") or []}
    report("/tmp" in mounts and "emptyDir" in vols.get(mounts["/tmp"], {}),
           "an emptyDir is mounted at /tmp", str(mounts))

    # Ports and probes.
    ports = {p["name"]: p["containerPort"] for p in c.get("ports") or []}
    report(ports == {"metrics": 8080, "probes": 8081}, "ports metrics 8080 and probes 8081",
           str(ports))

    def probe(kind, path):
        p = get(c, kind, "httpGet") or {}
        port = p.get("port")
        port = ports.get(port, port)
        report(p.get("path") == path and port == 8081, "%s: GET %s on the probe port" % (kind, path),
               str(c.get(kind)))
    probe("livenessProbe", "/healthz")
    probe("readinessProbe", "/readyz")

    # ServiceAccount.
    sas = [d for d in docs if d["kind"] == "ServiceAccount"]
    report(len(sas) == 1 and sas[0]["metadata"]["name"] == pod.get("serviceAccountName") and
           sas[0]["metadata"].get("namespace") == ns,
           "the Deployment runs as the chart's ServiceAccount in %s" % ns)

    # Metrics Service and ServiceMonitor.
    pod_labels = spec["template"]["metadata"].get("labels") or {}
    report(spec["selector"]["matchLabels"].items() <= pod_labels.items(),
           "the Deployment selector matches its pods")
    svcs = [d for d in docs if d["kind"] == "Service"]
    svc = svcs[0] if len(svcs) == 1 else {}
    sp = (get(svc, "spec", "ports") or [{}])[0]
    report(len(svcs) == 1 and sp.get("name") == "metrics" and sp.get("port") == 8080 and
           sp.get("targetPort") in ("metrics", 8080) and
           (get(svc, "spec", "selector") or {"": ""}).items() <= pod_labels.items(),
           "a metrics Service on port 8080 selecting the operator pods")
    sms = [d for d in docs if d["kind"] == "ServiceMonitor"]
    if a.service_monitor == "yes":
        ok = len(sms) == 1
        if ok:
            sm = sms[0]
            ok = (sm["apiVersion"] == "monitoring.coreos.com/v1" and
                  get(sm, "spec", "selector", "matchLabels").items()
                  <= (get(svc, "metadata", "labels") or {}).items() and
                  [e.get("port") for e in get(sm, "spec", "endpoints")] == ["metrics"] and
                  ns in get(sm, "spec", "namespaceSelector", "matchNames", default=[]))
        report(ok, "serviceMonitor.enabled: a ServiceMonitor scraping the metrics Service")
    else:
        report(not sms, "no ServiceMonitor by default")

    check_rbac(docs, a, expected, pod.get("serviceAccountName"))
    check_crd(docs, a)


# ---------------------------------------------------------------------------------------------
# The CRD copy, the examples, and real API calls

def cmd_crd_copy(a):
    with open(os.path.join(a.repo, CRD_PARTIAL)) as f:
        lines = f.read().split("\n")
    with open(os.path.join(a.repo, CRD_FILE)) as f:
        source = f.read()
    # Line 1 is a comment, line 2 opens the define, the last line closes it.
    ok = (len(lines) > 3 and lines[1].startswith('{{- define "pgferry.crd.pgmigrations"')
          and lines[-2] == "{{- end }}" and lines[-1] == "" and
          "\n".join(lines[2:-2]) + "\n" == source)
    report(ok, "%s holds %s verbatim" % (CRD_PARTIAL, CRD_FILE),
           "they differ; regenerate with: { sed -n 1,2p %s; cat %s; echo '{{- end }}'; } > tmp "
           "&& mv tmp %s" % (CRD_PARTIAL, CRD_FILE, CRD_PARTIAL))
    report("{{" not in source and "}}" not in source and "`" not in source,
           "%s contains no template delimiters" % CRD_FILE)


def cel_checks(spec):
    """The CRD's x-kubernetes-validations, by hand (fake-apiserver evaluates the real CEL)."""
    errors = []
    s, d = spec.get("source", {}), spec.get("destination", {})
    if s.get("host") == d.get("host") and s.get("port", 5432) == d.get("port", 5432):
        errors.append("spec.destination: source and destination must be different servers")
    for f in ("databases", "tables"):
        part = spec.get(f) or {}
        if part.get("include") and part.get("exclude"):
            errors.append("spec.%s: include and exclude are mutually exclusive" % f)
    return errors


def cmd_examples(a):
    with open(os.path.join(a.repo, CRD_FILE)) as f:
        crd = yaml.safe_load(f)
    version = crd["spec"]["versions"][0]
    schema = version["schema"]["openAPIV3Schema"]
    api_version = "%s/%s" % (crd["spec"]["group"], version["name"])
    folder = os.path.join(a.repo, "examples")
    files = sorted(f for f in os.listdir(folder) if f.endswith((".yaml", ".yml")))
    report(len(files) >= 4, "examples/ holds at least four manifests", str(files))
    for name in files:
        try:
            docs = load_docs(os.path.join(folder, name))
        except yaml.YAMLError as e:
            report(False, "examples/%s parses" % name, str(e))
            continue
        migrations = [d for d in docs if d.get("kind") == "PgMigration"]
        secrets = {get(d, "metadata", "name"): d for d in docs if d.get("kind") == "Secret"}
        if not report(len(migrations) == 1, "examples/%s holds one PgMigration" % name):
            continue
        m = migrations[0]
        errors = []
        if m.get("apiVersion") != api_version:
            errors.append("apiVersion %s, want %s" % (m.get("apiVersion"), api_version))
        validate(schema, m, "", errors, closed_objects=True)
        errors += cel_checks(m.get("spec") or {})
        report(not errors, "examples/%s: the PgMigration is valid against the CRD" % name,
               "; ".join(errors))
        # Every referenced Secret and key is in the same file.
        missing = []
        for side in ("source", "destination"):
            server = get(m, "spec", side) or {}
            refs = []
            cred = server.get("credentialsSecretRef") or {}
            refs += [(cred.get("name"), cred.get("usernameKey", "username")),
                     (cred.get("name"), cred.get("passwordKey", "password"))]
            ca = server.get("sslRootCertSecretRef")
            if ca:
                refs.append((ca.get("name"), ca.get("key")))
            for secret, key in refs:
                doc = secrets.get(secret)
                keys = set((doc or {}).get("data") or {}) | set((doc or {}).get("stringData") or {})
                if key not in keys:
                    missing.append("spec.%s: Secret %s key %s" % (side, secret, key))
        report(not missing, "examples/%s: every referenced Secret key is in the file" % name,
               "; ".join(missing))
        for sname, doc in secrets.items():
            ok = doc.get("apiVersion") == "v1" and (doc.get("data") or doc.get("stringData"))
            report(bool(ok), "examples/%s: Secret %s is a v1 Secret with data" % (name, sname))


def cmd_covers(a):
    calls = read_calls(a.calls)
    docs = load_docs(a.rendered)
    granted = set()
    for d in docs:
        if d["kind"] in ("Role", "ClusterRole"):
            granted |= grants_of(d)[0]
    missing = calls - granted
    report(not missing, "the chart grants every call in %s" % os.path.basename(a.calls),
           fmt_calls(missing))


def cmd_audit_calls(a):
    calls = set()
    with open(a.audit) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            r = json.loads(line)
            if r.get("nonResourceURL") or "resource" not in r:
                continue
            if a.user_agent_prefix and not r.get("userAgent", "").startswith(a.user_agent_prefix):
                continue
            res = r["resource"] + ("/" + r["subresource"] if r.get("subresource") else "")
            calls.add((r["verb"], r.get("apiGroup") or "core", res))
    for c in sorted(calls):
        print(" ".join(c))


def cmd_argocd_doc(a):
    with open(os.path.join(a.repo, "docs/argocd-health.lua")) as f:
        lua = f.read()
    with open(os.path.join(a.repo, "docs/argocd-health.md")) as f:
        md = f.read()
    blocks = re.findall(r"^```(\w*)\n(.*?)^```$", md, re.S | re.M)
    lua_blocks = [b for lang, b in blocks if lang == "lua"]
    report(lua_blocks == [lua], "docs/argocd-health.md shows docs/argocd-health.lua verbatim")
    key = "resource.customizations.health.pgferry.io_PgMigration"
    embedded = None
    for lang, b in blocks:
        if lang == "yaml" and key in b:
            embedded = get(yaml.safe_load(b), "data", key)
    report(embedded == lua, "the argocd-cm example in docs/argocd-health.md holds the script verbatim")


def cmd_user_guide(a):
    with open(os.path.join(a.repo, "docs/user-guide.md")) as f:
        md = f.read()
    bad = []
    for n, block in enumerate(re.findall(r"^```yaml\n(.*?)^```$", md, re.S | re.M), 1):
        try:
            list(yaml.safe_load_all(block))
        except yaml.YAMLError as e:
            bad.append("block %d: %s" % (n, str(e).splitlines()[0]))
    report(not bad, "docs/user-guide.md: every yaml block parses", "; ".join(bad))
    with open(os.path.join(a.repo, "charts/pgferry/values.yaml")) as f:
        values = yaml.safe_load(f)
    missing = [k for k in values if not re.search(r"`%s[`.]" % re.escape(k), md)]
    report(not missing, "docs/user-guide.md documents every chart value", ", ".join(missing))
    report("pgferry_replication_slot_retained_wal_bytes >" in md and "kind: PrometheusRule" in md,
           "docs/user-guide.md has a PrometheusRule alerting on retained WAL")


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("render")
    r.add_argument("rendered")
    r.add_argument("--release-namespace", required=True)
    r.add_argument("--expected-calls", required=True, action="append",
                   help="a calls file; several are joined")
    r.add_argument("--watch", default="")
    r.add_argument("--leader", choices=["yes", "no"], default="yes")
    r.add_argument("--service-monitor", choices=["yes", "no"], default="no")
    r.add_argument("--crd", choices=["yes", "no"], default="yes")
    r.add_argument("--replicas", type=int, default=1)
    r.add_argument("--log-level", default="info")
    r.add_argument("--max-concurrent", type=int, default=2)
    r.add_argument("--image", default="")
    r.add_argument("--extra-args", default="", help="values' extraArgs, space-separated")
    r.add_argument("--repo", default=".")
    s = sub.add_parser("schema")
    s.add_argument("schema")
    s.add_argument("values")
    s.add_argument("overrides", nargs="*")
    s.add_argument("--expect", choices=["valid", "invalid"], default="valid")
    c = sub.add_parser("crd-copy")
    c.add_argument("repo")
    e = sub.add_parser("examples")
    e.add_argument("repo")
    v = sub.add_parser("covers")
    v.add_argument("rendered")
    v.add_argument("calls")
    u = sub.add_parser("audit-calls")
    u.add_argument("audit")
    u.add_argument("--user-agent-prefix", default="")
    ug = sub.add_parser("user-guide")
    ug.add_argument("repo")
    g = sub.add_parser("argocd-doc")
    g.add_argument("repo")
    a = p.parse_args()
    {"render": check_render, "schema": cmd_schema, "crd-copy": cmd_crd_copy,
     "examples": cmd_examples, "argocd-doc": cmd_argocd_doc,
     "user-guide": cmd_user_guide, "covers": cmd_covers, "audit-calls": cmd_audit_calls}[a.cmd](a)


if __name__ == "__main__":
    main()
