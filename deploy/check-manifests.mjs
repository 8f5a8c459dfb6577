// SPDX-License-Identifier: GPL-2.0-only OR BSD-2-Clause
// Offline checks of Kubernetes manifests, for tests/test_deploy.sh.
//
//   node deploy/check-manifests.mjs schema FILE...
//       Every document against the Kubernetes API schemas, two ways:
//       - kubernetes-models: the OpenAPI schemas of Kubernetes compiled for
//         ajv (types, required fields, enums, quantities, int-or-string);
//       - strict: every field must exist in the API (the field lists of the
//         official client @kubernetes/client-node, generated from the same
//         OpenAPI spec), as `kubectl apply --validate=strict` demands.  The
//         schemas alone accept a misspelt field and the API server would
//         drop it silently (a misspelt mountPropagation, say).  Custom
//         resources (the PodMonitor example) get the first check only.
//   node deploy/check-manifests.mjs policy HELP_FILE FILE...
//       The DaemonSet's security and operations properties (one test line
//       each), and that its args use only options HELP_FILE (the output of
//       `portsense --help`) lists.
//
// Prints "ok - NAME" / "not ok - NAME: why" lines; exits 1 if any failed.
// The packages come from deploy/package-lock.json, installed by
// tools/install-deps.sh into build/npm (PS_NPM overrides).
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { dirname, join, basename } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const npmDir = process.env.PS_NPM || join(root, "build", "npm");
const require = createRequire(join(npmDir, "package.json"));
let YAML, models;
try {
	YAML = require("yaml");
	models = await import(pathToFileURL(join(npmDir,
		"node_modules/@kubernetes/client-node/dist/gen/models/ObjectSerializer.js")));
} catch (e) {
	console.log(`not ok - manifest checker: packages missing in ${npmDir} (run 'sudo make deps'): ${e.message}`);
	process.exit(1);
}

let failed = 0;
const ok = (name) => console.log(`ok - ${name}`);
const notOk = (name, why) => { failed++; console.log(`not ok - ${name}: ${why}`); };
const check = (name, cond, why) => (cond ? ok(name) : notOk(name, why));

function loadDocs(file) {
	const docs = [];
	for (const d of YAML.parseAllDocuments(readFileSync(file, "utf8"))) {
		if (d.errors.length)
			throw new Error(`${file}: YAML: ${d.errors[0].message}`);
		const v = d.toJS();
		if (v !== null)
			docs.push(v);
	}
	return docs;
}

// kubernetes-models: "apps/v1" -> kubernetes-models/apps/v1, "v1" -> kubernetes-models/v1;
// the Prometheus Operator's custom resources from its package of the same kind.
const CRD_MODELS = { "monitoring.coreos.com": "@kubernetes-models/prometheus-operator" };

function schemaValidate(doc) {
	const group = String(doc.apiVersion).split("/")[0];
	let mod;
	try {
		mod = require(`${CRD_MODELS[group] ?? "kubernetes-models"}/${doc.apiVersion}`);
	} catch {
		return [`no schema for apiVersion ${doc.apiVersion}`];
	}
	const Model = mod[doc.kind];
	if (!Model)
		return [`no schema for ${doc.apiVersion} ${doc.kind}`];
	try {
		new Model(doc).validate();
	} catch (e) {
		return e.message.split(", ").map((m) => m.replace(/^data/, ""));
	}
	return [];
}

// The client's class for apps/v1 DaemonSet is V1DaemonSet, for
// autoscaling/v2 HorizontalPodAutoscaler V2HorizontalPodAutoscaler.
function strictValidate(doc) {
	const version = String(doc.apiVersion).split("/").pop();
	const type = version.charAt(0).toUpperCase() + version.slice(1) + doc.kind;
	if (!models[type]?.getAttributeTypeMap)
		return [`no field list for ${doc.apiVersion} ${doc.kind}`];
	const errs = [];
	walk(doc, type, "", errs);
	return errs;
}

function walk(v, type, path, errs) {
	let m;
	if (v === null || v === undefined || type === "any" || type === "object")
		return;
	if ((m = /^Array<(.+)>$/.exec(type))) {
		if (!Array.isArray(v))
			return errs.push(`${path}: must be a list`);
		v.forEach((e, i) => walk(e, m[1], `${path}/${i}`, errs));
	} else if ((m = /^\{ \[key: string\]: (.+); \}$/.exec(type))) {
		if (typeof v !== "object" || Array.isArray(v))
			return errs.push(`${path}: must be a map`);
		for (const [k, e] of Object.entries(v))
			walk(e, m[1], `${path}/${k}`, errs);
	} else if (type === "IntOrString") {
		if (typeof v !== "string" && !Number.isInteger(v))
			errs.push(`${path}: must be an integer or a string`);
	} else if (["string", "Date"].includes(type)) {
		if (typeof v !== "string")
			errs.push(`${path}: must be a string`);
	} else if (type === "number") {
		if (typeof v !== "number")
			errs.push(`${path}: must be a number`);
	} else if (type === "boolean") {
		if (typeof v !== "boolean")
			errs.push(`${path}: must be a boolean`);
	} else if (models[type]?.getAttributeTypeMap) {
		if (typeof v !== "object" || Array.isArray(v))
			return errs.push(`${path}: must be an object (${type})`);
		const fields = new Map(models[type].getAttributeTypeMap().map((a) => [a.baseName, a.type]));
		for (const [k, e] of Object.entries(v)) {
			if (!fields.has(k))
				errs.push(`${path}/${k}: unknown field in ${type}`);
			else
				walk(e, fields.get(k), `${path}/${k}`, errs);
		}
	} else {
		errs.push(`${path}: no rule for type ${type}`);
	}
}

function cmdSchema(files) {
	for (const f of files) {
		let docs;
		try {
			docs = loadDocs(f);
		} catch (e) {
			notOk(`schema: ${basename(f)}`, e.message);
			continue;
		}
		if (!docs.length)
			notOk(`schema: ${basename(f)}`, "no document");
		for (const d of docs) {
			const name = `${basename(f)}: ${d.kind}/${d.metadata?.name}`;
			const s = schemaValidate(d);
			check(`schema: ${name} matches the Kubernetes schema`, !s.length, s.slice(0, 3).join("; "));
			if (CRD_MODELS[String(d.apiVersion).split("/")[0]]) {
				console.log(`skip - schema: ${name} has no unknown field (strict) # the API's field lists cover built-in kinds only`);
				continue;
			}
			const t = strictValidate(d);
			check(`schema: ${name} has no unknown field (strict)`, !t.length, t.slice(0, 3).join("; "));
		}
	}
}

// Kubernetes quantities, enough for cpu and memory.
function quantity(q) {
	const m = /^([0-9.]+)(m|k|M|G|Ki|Mi|Gi)?$/.exec(String(q));
	if (!m)
		return NaN;
	const mult = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3 };
	return parseFloat(m[1]) * (m[2] ? mult[m[2]] : 1);
}

// Option names `portsense --help` lists: "  -c, --config FILE ..." lines.
function helpOptions(text) {
	const opts = new Set();
	for (const line of text.split("\n")) {
		const m = /^\s+(?:(-[A-Za-z]),\s+)?(--[a-z][a-z0-9-]*)/.exec(line);
		if (m) {
			if (m[1])
				opts.add(m[1]);
			opts.add(m[2]);
		}
	}
	return opts;
}

function cmdPolicy(helpFile, files) {
	const docs = files.flatMap((f) => loadDocs(f));
	const ds = docs.find((d) => d.kind === "DaemonSet");
	if (!ds)
		return notOk("policy: a DaemonSet", `none in ${files.join(" ")}`);
	const pod = ds.spec?.template?.spec ?? {};
	const c = (pod.containers ?? []).find((x) => x.name === "portsense") ?? {};
	const sc = c.securityContext ?? {};
	const caps = sc.capabilities ?? {};
	const env = new Map((c.env ?? []).map((e) => [e.name, e]));
	const args = c.args ?? [];
	const argAfter = (opt) => {
		const i = args.findIndex((a) => a === opt || a.startsWith(`${opt}=`));
		if (i < 0)
			return undefined;
		return args[i] === opt ? args[i + 1] : args[i].slice(opt.length + 1);
	};
	const mounts = new Map((c.volumeMounts ?? []).map((m) => [m.mountPath, m]));
	const volumes = new Map((pod.volumes ?? []).map((v) => [v.name, v]));
	const labels = ds.spec?.template?.metadata?.labels ?? {};
	const J = JSON.stringify;

	check("policy: hostNetwork", pod.hostNetwork === true, `hostNetwork is ${J(pod.hostNetwork)}`);
	check("policy: dnsPolicy ClusterFirstWithHostNet", pod.dnsPolicy === "ClusterFirstWithHostNet", J(pod.dnsPolicy));
	check("policy: capabilities drop ALL", J(caps.drop) === J(["ALL"]), `drop is ${J(caps.drop)}`);
	check("policy: capabilities add exactly BPF, NET_ADMIN, PERFMON",
		J([...(caps.add ?? [])].sort()) === J(["BPF", "NET_ADMIN", "PERFMON"]), `add is ${J(caps.add)}`);
	check("policy: not privileged", sc.privileged !== true && !pod.hostPID && !pod.hostIPC,
		`privileged ${sc.privileged}, hostPID ${pod.hostPID}, hostIPC ${pod.hostIPC}`);
	check("policy: readOnlyRootFilesystem", sc.readOnlyRootFilesystem === true, J(sc.readOnlyRootFilesystem));
	check("policy: allowPrivilegeEscalation false", sc.allowPrivilegeEscalation === false, J(sc.allowPrivilegeEscalation));
	check("policy: runAsUser 0 (capabilities need root: no ambient capabilities)",
		(sc.runAsUser ?? pod.securityContext?.runAsUser) === 0, J(sc.runAsUser));
	const seccomp = sc.seccompProfile ?? pod.securityContext?.seccompProfile;
	check("policy: seccompProfile RuntimeDefault", seccomp?.type === "RuntimeDefault", J(seccomp));

	const metrics = argAfter("--metrics") ?? "";
	const mport = Number(metrics.split(":").pop());
	check("policy: --metrics binds the pod IP", /^\$\(POD_IP\):[0-9]+$/.test(metrics)
		&& env.get("POD_IP")?.valueFrom?.fieldRef?.fieldPath === "status.podIP",
		`--metrics ${J(metrics)}, POD_IP ${J(env.get("POD_IP"))}`);
	// Under hostNetwork a container port is also a host port: the surge pod
	// of a rolling update could not be placed beside the old one.
	check("policy: no container port (a host port would keep the surge pod off the node)",
		!(pod.containers ?? []).some((x) => (x.ports ?? []).length), J(c.ports));
	for (const probe of ["startupProbe", "livenessProbe", "readinessProbe"]) {
		const h = c[probe]?.httpGet;
		check(`policy: ${probe} on /healthz of the metrics port`, h?.path === "/healthz" && h?.port === mport,
			J(c[probe]));
	}
	check("policy: NODE_NAME from spec.nodeName", env.get("NODE_NAME")?.valueFrom?.fieldRef?.fieldPath === "spec.nodeName",
		J(env.get("NODE_NAME")));
	check("policy: tolerates every taint", (pod.tolerations ?? []).some((t) => t.operator === "Exists" && !t.key && !t.effect),
		J(pod.tolerations));
	check("policy: priorityClassName system-node-critical", pod.priorityClassName === "system-node-critical",
		J(pod.priorityClassName));
	const r = c.resources ?? {};
	const res = ["cpu", "memory"].every((k) => quantity(r.requests?.[k]) > 0 && quantity(r.limits?.[k]) >= quantity(r.requests?.[k]));
	check("policy: cpu and memory requests and limits, requests <= limits", res, J(r));
	check("policy: memory limit above the 20 MiB measured at load", quantity(r.limits?.memory) >= 32 * 1024 ** 2,
		J(r.limits?.memory));
	const bpf = mounts.get("/sys/fs/bpf");
	check("policy: host /sys/fs/bpf mounted read-write, HostToContainer",
		volumes.get(bpf?.name)?.hostPath?.path === "/sys/fs/bpf" && !bpf.readOnly && bpf.mountPropagation === "HostToContainer",
		`${J(bpf)} ${J(volumes.get(bpf?.name))}`);
	const btf = mounts.get("/sys/kernel/btf");
	check("policy: host /sys/kernel/btf mounted read-only",
		volumes.get(btf?.name)?.hostPath?.path === "/sys/kernel/btf" && btf.readOnly === true, J(btf));
	// The handover (docs/deploy.md): the new pod beside the old, --replace.
	const u = ds.spec?.updateStrategy;
	check("policy: RollingUpdate with maxSurge 1, maxUnavailable 0, and --replace: no node blind in an update",
		u?.type === "RollingUpdate" && u.rollingUpdate?.maxSurge === 1 && u.rollingUpdate?.maxUnavailable === 0
		&& args.includes("--replace"), `${J(u)}, args ${J(args)}`);
	check("policy: minReadySeconds and a delayed startupProbe (readiness is the new pod's own)",
		ds.spec?.minReadySeconds >= c.readinessProbe?.periodSeconds && c.startupProbe?.initialDelaySeconds > 0,
		`minReadySeconds ${J(ds.spec?.minReadySeconds)}, startupProbe ${J(c.startupProbe)}`);
	check("policy: terminationGracePeriodSeconds set", Number.isInteger(pod.terminationGracePeriodSeconds), "missing");
	const sel = ds.spec?.selector?.matchLabels ?? {};
	check("policy: selector matches the pod labels, app.kubernetes.io/name set",
		Object.keys(sel).length > 0 && Object.entries(sel).every(([k, v]) => labels[k] === v) && labels["app.kubernetes.io/name"],
		`${J(sel)} vs ${J(labels)}`);

	// The config file the args name is the ConfigMap's, mounted there.
	const conf = argAfter("--config") ?? argAfter("-c") ?? "";
	const cm = docs.find((d) => d.kind === "ConfigMap");
	const confMount = [...mounts.values()].find((m) => conf.startsWith(m.mountPath + "/"));
	const confVol = volumes.get(confMount?.name)?.configMap?.name;
	check("policy: --config is a key of the ConfigMap mounted there",
		cm && confVol === cm.metadata?.name && cm.data?.[conf.slice(confMount.mountPath.length + 1)] !== undefined,
		`--config ${J(conf)}, mount ${J(confMount)}, ConfigMap ${J(cm?.metadata?.name)}`);

	// The config file's evidence directory: a writable hostPath mount (the
	// root filesystem is read-only), with a size cap set.
	const ini = (confMount && cm?.data?.[conf.slice(confMount.mountPath.length + 1)]) ?? "";
	const key = (k) => ini.match(new RegExp(`^\\s*${k}\\s*=\\s*(\\S+)`, "m"))?.[1];
	const evdir = argAfter("--evidence") ?? key("evidence");
	if (evdir) {
		const m = mounts.get(evdir);
		check("policy: the evidence directory is a writable hostPath mount, with evidence-max-mb",
			m && !m.readOnly && volumes.get(m.name)?.hostPath?.path && (argAfter("--evidence-max-mb") ?? key("evidence-max-mb")),
			`evidence ${J(evdir)}, mount ${J(m)}, max-mb ${J(key("evidence-max-mb"))}`);
	}

	const svc = docs.find((d) => d.kind === "Service");
	if (svc) {
		const ss = svc.spec ?? {};
		const tp = ss.ports?.[0]?.targetPort;
		check("policy: Service headless, selects the pods, targets the metrics port",
			ss.clusterIP === "None" && Object.entries(ss.selector ?? {}).every(([k, v]) => labels[k] === v)
			&& tp === mport
			&& svc.metadata?.annotations?.["prometheus.io/port"] === String(mport), J(ss));
	}
	const pm = docs.find((d) => d.kind === "PodMonitor");
	if (pm) {
		const ep = pm.spec?.podMetricsEndpoints?.[0] ?? {};
		const addr = (ep.relabelings ?? []).find((r) => r.targetLabel === "__address__");
		check("policy: PodMonitor selects the pods and scrapes the metrics port",
			Object.entries(pm.spec?.selector?.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
			&& J(addr?.sourceLabels) === J(["__meta_kubernetes_pod_ip"]) && addr?.replacement === `$1:${mport}`
			&& ep.path === "/metrics", J(pm.spec));
	}
	for (const d of docs)
		check(`policy: ${d.kind}/${d.metadata?.name} labelled app.kubernetes.io/name`,
			!!d.metadata?.labels?.["app.kubernetes.io/name"], J(d.metadata?.labels));

	// Against the binary: fails until --interfaces and --metrics land.
	const known = helpOptions(readFileSync(helpFile, "utf8"));
	const used = args.filter((a) => a.startsWith("-")).map((a) => a.split("=")[0]);
	const unknown = used.filter((o) => !known.has(o));
	check("policy (needs the options of build/portsense): args use only options that portsense --help lists",
		known.size > 10 && unknown.length === 0,
		known.size > 10 ? `not in --help: ${unknown.join(" ")}` : `read only ${known.size} options from ${helpFile}`);
}

const [cmd, ...rest] = process.argv.slice(2);
if (cmd === "schema" && rest.length)
	cmdSchema(rest);
else if (cmd === "policy" && rest.length >= 2)
	cmdPolicy(rest[0], rest.slice(1));
else {
	console.error("usage: check-manifests.mjs schema FILE... | policy HELP_FILE FILE...");
	process.exit(2);
}
process.exit(failed ? 1 : 0);
