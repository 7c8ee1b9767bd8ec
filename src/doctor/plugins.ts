// Higress WasmPlugins that would answer Knative probes. net-higress names serving routes `<ns>/<name>` and
// probe routes `knative-probe/<ns>/<name>`, so a rule by route (`matchRules[].ingress`) never sees a probe.
// A rule by domain does (probes carry the KIngress host), so does a rule by service on a KIngress's backend
// (probe routes send where serving routes send) and an auth plugin's global config: the KIngress then never
// becomes Ready.
import { probeRouteName, servingRouteName } from '../translate/names.js';
import { fail, pass, skip, unreadable } from './result.js';
import type { CheckResult, DoctorCluster, DoctorSettings, KIngressInfo, WasmPluginInfo } from './types.js';

/** Plugins whose whole job is to refuse requests without credentials (Higress's auth plugins). */
const AUTH_PLUGIN = /(key|basic|jwt|hmac|ext|oauth|oidc)[-_]auth|oauth|opa|waf/i;

export interface ProbeBlockingRule {
  plugin: string;
  /** What applies to probe requests, in words. */
  problem: string;
  /** The rule to use instead. */
  instead: string;
}

/** Higress's `_match_domain_`: `*x` is a suffix, `x*` a prefix, anything else exact; the port is stripped before. */
export function domainMatches(pattern: string, host: string): boolean {
  if (pattern.startsWith('*')) return host.endsWith(pattern.slice(1));
  if (pattern.endsWith('*')) return host.startsWith(pattern.slice(0, -1));
  return host === pattern;
}

function pluginKind(p: WasmPluginInfo): string {
  const m = /\/([^/:@]+)(?::[^/]*)?(?:@.*)?$/.exec(p.url);
  return p.pluginName ?? m?.[1] ?? p.url;
}

/**
 * What a rule's domain or service entry catches: probes carry the KIngress host (`_match_domain_`), and probe
 * routes send to the same upstream clusters as serving routes (`_match_service_`: `fqdn` or `fqdn:port`).
 */
const CATCHES = {
  domain: {
    what: 'matches the host of',
    hits: (entry: string, k: KIngressInfo) => k.hosts.some((h) => domainMatches(entry, h)),
  },
  service: {
    what: 'is a backend of',
    hits: (entry: string, k: KIngressInfo) =>
      k.backends.some((b) => b === entry || b.slice(0, b.lastIndexOf(':')) === entry),
  },
} as const;

/** Every rule of the plugins that would apply to a probe of one of our KIngresses (pure). */
export function probeBlockingRules(
  plugins: readonly WasmPluginInfo[],
  ours: readonly KIngressInfo[],
): ProbeBlockingRule[] {
  const out: ProbeBlockingRule[] = [];
  for (const p of plugins) {
    // pluginConfig is passed to Envoy as it is: its rules are Istio's, not analysed here.
    if (p.hasPluginConfig) continue;
    p.matchRules.forEach((rule, i) => {
      // Higress uses a rule's ingress list when it has one and ignores the rest of its match.
      if (rule.configDisable || (rule.ingress ?? []).length > 0) return;
      for (const kind of ['domain', 'service'] as const) {
        for (const entry of rule[kind] ?? []) {
          const routes = ours
            .filter((k) => CATCHES[kind].hits(entry, k))
            .map((k) => servingRouteName(k.namespace, k.name));
          if (routes.length === 0) continue;
          out.push({
            plugin: p.name,
            problem: `matchRules[${i}] ${kind} ${entry} ${CATCHES[kind].what} ${routes.join(', ')}, so Knative probes get it too`,
            instead: `in WasmPlugin ${p.name} replace matchRules[${i}] ${kind} [${entry}] with ingress [${routes.join(', ')}]`,
          });
        }
      }
    });
    if (AUTH_PLUGIN.test(pluginKind(p)) && appliesGlobally(p)) {
      const example = ours[0] ? servingRouteName(ours[0].namespace, ours[0].name) : '<namespace>/<kingress-name>';
      out.push({
        plugin: p.name,
        problem: `${pluginKind(p)} authenticates every route (${p.defaultConfig?.['global_auth'] === true ? 'global_auth: true' : 'global config, no rules'}), Knative probe routes too`,
        instead: `in WasmPlugin ${p.name} set defaultConfig.global_auth: false and name each protected service in matchRules[].ingress (e.g. ingress [${example}])`,
      });
    }
  }
  return out;
}

/** The plugin's default config runs on routes no rule matches, probe routes included. */
function appliesGlobally(p: WasmPluginInfo): boolean {
  if (p.defaultConfigDisable === true || !p.defaultConfig || Object.keys(p.defaultConfig).length === 0) return false;
  const globalAuth = p.defaultConfig['global_auth'];
  if (globalAuth === true) return true;
  if (globalAuth === false) return false;
  // Unset: key-auth and its siblings authenticate everything when no rule exists at all.
  return p.matchRules.every((r) => r.configDisable);
}

export async function checkWasmPlugins(cluster: DoctorCluster, s: DoctorSettings): Promise<CheckResult> {
  const id = 'higress/wasmplugins';
  let plugins: WasmPluginInfo[] | undefined;
  let ours: KIngressInfo[];
  try {
    plugins = await cluster.wasmPlugins(s.higressNamespace);
    if (plugins === undefined)
      return skip(id, 'the WasmPlugin API (extensions.higress.io) is not served: no Higress plugins to check');
    ours = (await cluster.kingresses(s.clusterDomain)).filter((k) => k.ingressClass === s.ingressClass);
  } catch (err) {
    return unreadable(id, `WasmPlugins in ${s.higressNamespace} and KIngresses`, err);
  }
  const found = probeBlockingRules(plugins, ours);
  if (found.length > 0) {
    return fail(
      id,
      `${found.length} WasmPlugin rule${found.length > 1 ? 's' : ''} in ${s.higressNamespace} would answer Knative probes: ` +
        found.map((f) => `${f.plugin}: ${f.problem}`).join('; '),
      `${found.map((f) => f.instead).join('; ')} (probe routes are named ${probeRouteName('<ns>/<name>')}, no ingress rule matches them)`,
    );
  }
  return pass(
    id,
    `${plugins.length} WasmPlugin${plugins.length === 1 ? '' : 's'} in ${s.higressNamespace}, none applies to Knative probes of ${ours.length} KIngress${ours.length === 1 ? '' : 'es'}`,
  );
}
