import { isRecord } from '../api/json.js';
import { parseArgs } from 'node:util';
import { parseIstioConfig } from '../config/istio.js';
import { parseNetworkConfig } from '../config/network.js';
import { DEFAULT_INGRESS_CLASS } from '../translate/constants.js';
import { parseDocuments, readInputFiles, type InputDocument } from './documents.js';
import { formatObjects, renderDocuments } from './render-core.js';

export const RENDER_USAGE = `Usage: net-higress render -f FILE|- [-f ...] [options]

Translates KIngresses to the Istio objects net-higress would write, with no cluster.
Secrets (for TLS) and gateway Services (for selectors) may be given in the same input.

  -f, --filename FILE|DIR|-   YAML (multi-document) or JSON, kubectl Lists included; a directory: its
                              .yaml/.yml/.json files (not recursive); - reads stdin
      --config-istio FILE     config-istio ConfigMap (or its data map); default: Higress gateways
      --config-network FILE   config-network ConfigMap (or its data map)
  -o, --output yaml|json      json prints one kind: List (default yaml)
      --ingress-class CLASS   default ${DEFAULT_INGRESS_CLASS}
      --system-namespace NS   default knative-serving
      --cluster-domain D      default cluster.local
      --mesh-virtual-service  also emit the <name>-mesh VirtualService (off: Higress runs no sidecars)
      --include-secret-data   print TLS secret copies with their data (default: values redacted)
      --tls-secret-namespaces NS[,NS...]|*
                              namespaces besides its own whose TLS Secrets a KIngress may use, as for
                              \`run\` (default none: a Secret of another namespace is an error)
`;

export interface Streams {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  readStdin: () => string;
}

export function runRender(argv: string[], io: Streams): number {
  let args;
  try {
    args = parseArgs({
      args: argv,
      options: {
        filename: { type: 'string', short: 'f', multiple: true },
        'config-istio': { type: 'string' },
        'config-network': { type: 'string' },
        output: { type: 'string', short: 'o', default: 'yaml' },
        'ingress-class': { type: 'string', default: DEFAULT_INGRESS_CLASS },
        'system-namespace': { type: 'string', default: 'knative-serving' },
        'cluster-domain': { type: 'string', default: 'cluster.local' },
        'mesh-virtual-service': { type: 'boolean', default: false },
        'include-secret-data': { type: 'boolean', default: false },
        'tls-secret-namespaces': { type: 'string', default: '' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (err) {
    io.stderr(`render: ${err instanceof Error ? err.message : String(err)}\n\n${RENDER_USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout(RENDER_USAGE);
    return 0;
  }
  const files = args.filename ?? [];
  if (files.length === 0 || (args.output !== 'yaml' && args.output !== 'json')) {
    io.stderr(
      `render: ${files.length === 0 ? 'at least one -f is required' : `unknown output format "${args.output}"`}\n\n${RENDER_USAGE}`,
    );
    return 2;
  }

  try {
    const ctx = { systemNamespace: args['system-namespace'], clusterDomain: args['cluster-domain'] };
    const istio = parseIstioConfig(configData(args['config-istio'], 'config-istio', io), ctx);
    if (!istio.ok) throw new Error(`config-istio (${args['config-istio']}): ${istio.error}`);
    const network = parseNetworkConfig(configData(args['config-network'], 'config-network', io));
    if (!network.ok) throw new Error(`config-network (${args['config-network']}): ${network.error}`);

    const docs: InputDocument[] = [];
    for (const file of files) {
      const inputs =
        file === '-' ? [{ source: '<stdin>', text: io.readStdin() }] : readInputFiles(file, { directories: true });
      for (const input of inputs) docs.push(...parseDocuments(input.text, input.source, docs.length));
    }

    const result = renderDocuments(docs, {
      ingressClass: args['ingress-class'],
      istio: istio.value,
      clusterLocalDomainTLS: network.value.config.clusterLocalDomainTLS,
      clusterDomain: ctx.clusterDomain,
      systemNamespace: ctx.systemNamespace,
      meshVirtualService: args['mesh-virtual-service'],
      includeSecretData: args['include-secret-data'],
      tlsSecretNamespaces: args['tls-secret-namespaces']
        .split(',')
        .map((n) => n.trim())
        .filter((n) => n !== ''),
    });
    for (const note of result.notes) io.stderr(`note: ${note}\n`);
    if (result.errors.length > 0) {
      for (const e of result.errors) io.stderr(`error: ${e}\n`);
      io.stderr(`render: ${result.errors.length} invalid document(s); nothing rendered\n`);
      return 1;
    }
    if (result.objects.length === 0)
      io.stderr('note: no objects to render (no KIngress of our class, or nothing to write for them)\n');
    io.stdout(formatObjects(result.objects, args.output === 'json' ? 'json' : 'yaml'));
    return 0;
  } catch (err) {
    io.stderr(`render: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

/** A ConfigMap named `name` (its `data`), or a bare string map; anything else says what it is. */
function configData(file: string | undefined, name: string, io: Streams): Record<string, string> | undefined {
  if (file === undefined) return undefined;
  const [input] =
    file === '-' ? [{ source: '<stdin>', text: io.readStdin() }] : readInputFiles(file, { directories: false });
  const docs = parseDocuments(input?.text ?? '', file);
  const first = docs[0]?.object;
  if (docs.length !== 1 || !isRecord(first))
    throw new Error(`${file}: want exactly one ConfigMap or data map (${name})`);
  if (typeof first.kind === 'string' && (first.kind !== 'ConfigMap' || first.apiVersion !== 'v1')) {
    throw new Error(
      `${file}: a ${String(first.apiVersion)} ${first.kind}, want the ${name} ConfigMap (v1) or its data map`,
    );
  }
  const cmName = isRecord(first.metadata) ? first.metadata.name : undefined;
  if (first.kind === 'ConfigMap' && typeof cmName === 'string' && cmName !== name) {
    throw new Error(`${file}: ConfigMap "${cmName}", want "${name}"`);
  }
  const data = first.kind === 'ConfigMap' ? (first.data ?? {}) : first;
  if (!isRecord(data) || !Object.values(data).every((v) => typeof v === 'string')) {
    throw new Error(`${file}: data values must be strings`);
  }
  return data as Record<string, string>;
}
