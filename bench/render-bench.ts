// `npm run bench:render`: throughput and memory of the offline render pipeline over a deterministic corpus
// of 10,000 KIngresses shaped like the ones Knative Serving creates, against a floor measured in the same run
// (the copy + YAML dump of the input any renderer has to pay). The render rows run the CLI's own code on the
// parsed input documents (each KIngress with the TLS Secret it names): schema checks, defaults, validation,
// the Secret policy, translation, a certificate parse per Secret, and the output writer; only reading the
// input YAML is left out, as it is from the floor. Targets are reported, not asserted: the exit code is
// non-zero only when the bench itself crashes.

import { createHash } from 'node:crypto';
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { KIngress } from '../src/api/kingress.js';
import { keyOf } from '../src/api/meta.js';
import { defaultIstioConfig } from '../src/config/istio.js';
import { HIGRESS_GATEWAY_POD_LABELS } from '../src/translate/constants.js';
import { defaultIngress } from '../src/translate/defaults.js';
import { translate, type Desired, type TranslateInputs, type TranslateOptions } from '../src/translate/translate.js';
import { validateIngress } from '../src/translate/validate.js';
import { toYAML } from '../src/cli/yaml.js';
import type { InputDocument } from '../src/cli/documents.js';
import { formatObjects, renderDocuments, type RenderOptions } from '../src/cli/render-core.js';
import { DEFAULT_INGRESS_CLASS } from '../src/translate/constants.js';
import { makeCorpus, type Corpus } from './corpus.js';

const CORPUS_SIZE = 10_000;
const SEED = 20240601;
const WARMUP = 2_000;
const MAX_ITERATIONS = 5;
const MIN_ITERATIONS = 3;
/** Stop adding timed passes after this long, so the bench stays around a minute on slow machines. */
const TIME_BUDGET_MS = 35_000;
const TARGET_PER_SECOND = 20_000;

// --- what is measured ------------------------------------------------------------------------------------

const options: TranslateOptions = {
  clusterDomain: 'cluster.local',
  systemNamespace: 'knative-serving',
  meshVirtualService: false,
  clusterLocalDomainTLS: false,
};

function inputsFor(corpus: Corpus): TranslateInputs {
  return {
    istio: defaultIstioConfig({ systemNamespace: 'knative-serving', clusterDomain: 'cluster.local' }),
    gatewayService: () => ({ selector: { ...HIGRESS_GATEWAY_POD_LABELS } }),
    secret: (ref) => corpus.secrets.get(keyOf(ref)),
  };
}

/** defaultIngress → validateIngress → translate: the core of the reconciler and of `render`, from checked input. */
function translateOne(ing: KIngress, inputs: TranslateInputs): Desired {
  const checked = validateIngress(defaultIngress(ing));
  if (!checked.ok)
    throw new Error(`${ing.metadata.namespace}/${ing.metadata.name}: invalid: ${JSON.stringify(checked.error)}`);
  const translated = translate(checked.value, inputs, options);
  if (!translated.ok) throw new Error(`${ing.metadata.namespace}/${ing.metadata.name}: ${translated.error}`);
  return translated.value;
}

const renderOptions = (corpus: Corpus): RenderOptions => ({
  ...options,
  ingressClass: DEFAULT_INGRESS_CLASS,
  istio: inputsFor(corpus).istio,
  includeSecretData: false,
  tlsSecretNamespaces: [],
});

/**
 * Each KIngress as `render -f` reads it: its document and the TLS Secret it names. Every call parses the
 * Secret afresh, as a run over distinct KIngresses parses each one's own certificate once.
 */
function inputDocuments(corpus: Corpus): Map<KIngress, InputDocument[]> {
  const docs = new Map<KIngress, InputDocument[]>();
  for (const ing of corpus.ingresses) {
    const own: InputDocument[] = [{ source: 'corpus', index: 0, object: ing }];
    for (const tls of ing.spec.tls ?? []) {
      const secret = corpus.secrets.get(keyOf({ namespace: tls.secretNamespace ?? '', name: tls.secretName ?? '' }));
      if (secret) own.push({ source: 'corpus', index: own.length, object: secret });
    }
    docs.set(ing, own);
  }
  return docs;
}

type Work = (ing: KIngress) => number;

/** What `render` does after reading its input, up to the text it prints. */
function renderPipeline(corpus: Corpus, output: 'yaml' | 'json'): Work {
  const opts = renderOptions(corpus);
  const docs = inputDocuments(corpus);
  return (ing) => {
    const result = renderDocuments(docs.get(ing) ?? [], opts);
    if (result.errors.length > 0) throw new Error(result.errors.join('; '));
    return formatObjects(result.objects, output).length;
  };
}

function translateOnly(inputs: TranslateInputs): Work {
  return (ing) => translateOne(ing, inputs).virtualServices.length;
}
/** The floor: copy the input and write it as YAML with render's own writer, nothing else. */
const floor: Work = (ing) => toYAML(JSON.parse(JSON.stringify(ing))).length;

let sink = 0; // keeps the work observable so nothing is optimised away

/**
 * KIngresses per second over one pass of the corpus, by the clock and per CPU-second of this process (all its
 * threads, GC helpers included). On a shared machine the clock rate falls with the load; the CPU rate much less.
 */
function pass(items: readonly KIngress[], work: Work): { wall: number; cpu: number } {
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  for (const ing of items) sink += work(ing);
  const cpu = process.cpuUsage(cpuStart);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  return { wall: items.length / seconds, cpu: items.length / ((cpu.user + cpu.system) / 1e6) };
}

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
};

/** A GC between phases makes the heap numbers comparable; `--expose-gc` is turned on from inside. */
function gcFunction(): () => void {
  setFlagsFromString('--expose-gc');
  return runInNewContext('gc') as () => void;
}

// --- main ------------------------------------------------------------------------------------------------

function main(): void {
  const gc = gcFunction();
  const began = performance.now();
  const corpus = makeCorpus(CORPUS_SIZE, SEED);
  const inputs = inputsFor(corpus);
  const { ingresses } = corpus;
  const checksum = createHash('sha256').update(JSON.stringify(ingresses)).digest('hex').slice(0, 16);
  const count = (p: (ing: KIngress) => boolean) => ingresses.filter(p).length;
  const rules = ingresses.reduce((n, ing) => n + (ing.spec.rules?.length ?? 0), 0);
  console.log(
    `corpus: ${ingresses.length} KIngresses (seed ${SEED}, sha256 ${checksum}), ${(rules / ingresses.length).toFixed(2)} rules each, ` +
      `${count((i) => (i.spec.tls ?? []).length > 0)} with TLS, ${count((i) => (i.spec.rules ?? []).length > 2)} with tag routes, ` +
      `${count((i) => (i.spec.rules ?? []).some((r) => r.http?.paths?.some((p) => (p.splits?.length ?? 0) > 1)))} with a traffic split`,
  );

  const works: Array<[string, Work]> = [
    ['render (yaml)', renderPipeline(corpus, 'yaml')],
    ['render (json)', renderPipeline(corpus, 'json')],
    ['translate only', translateOnly(inputs)],
    ['floor (copy + yaml dump)', floor],
  ];
  // Warm-up, then the timed passes interleaved, so drift in machine load hits every row alike.
  for (const [, work] of works) pass(ingresses.slice(0, WARMUP), work);
  const rates = new Map<string, number[]>(works.map(([name]) => [name, []]));
  const cpuRates = new Map<string, number[]>(works.map(([name]) => [name, []]));
  const timed = performance.now();
  let iterations = 0;
  while (iterations < MAX_ITERATIONS && (iterations < MIN_ITERATIONS || performance.now() - timed < TIME_BUDGET_MS)) {
    for (const [name, work] of works) {
      const { wall, cpu } = pass(ingresses, work);
      rates.get(name)?.push(wall);
      cpuRates.get(name)?.push(cpu);
    }
    iterations++;
  }

  // Memory: the results of translating the whole corpus, held at once.
  gc();
  const before = process.memoryUsage().heapUsed;
  const held = ingresses.map((ing) => translateOne(ing, inputs));
  gc();
  const heapPerIngress = (process.memoryUsage().heapUsed - before) / held.length;
  sink += held.length;

  const rows = works.map(([name]) => {
    const r = rates.get(name) ?? [];
    return [name, median(r), Math.min(...r), Math.max(...r), median(cpuRates.get(name) ?? [])] as const;
  });
  const width = Math.max(...rows.map(([name]) => name.length));
  const fmt = (n: number) => Math.round(n).toString().padStart(9);
  console.log(
    `\n${'pipeline'.padEnd(width)}  ${'median/s'.padStart(9)}  ${'min/s'.padStart(9)}  ${'max/s'.padStart(9)}  ${'/CPU-s'.padStart(9)}  (${iterations} passes of ${ingresses.length}; /CPU-s: median per CPU-second)`,
  );
  for (const [name, med, min, max, cpu] of rows)
    console.log(`${name.padEnd(width)}  ${fmt(med)}  ${fmt(min)}  ${fmt(max)}  ${fmt(cpu)}`);
  const render = rows[0]?.[1] ?? 0;
  const floorRate = rows[3]?.[1] ?? 0;
  const renderCpu = rows[0]?.[4] ?? 0;
  const floorCpu = rows[3]?.[4] ?? 0;
  console.log(
    `${'heap held'.padEnd(width)}  ${(heapPerIngress / 1024).toFixed(1).padStart(9)} KiB per translated KIngress`,
  );
  console.log(
    `\ntotal ${((performance.now() - began) / 1000).toFixed(1)} s, node ${process.version}, sink ${sink % 997}`,
  );
  console.log(
    `render: ${Math.round(render)} KIngresses/s (target >= ${TARGET_PER_SECOND}/s), floor ${Math.round(floorRate)}/s, ` +
      `ratio ${(floorRate / render).toFixed(1)}x, heap ${(heapPerIngress / 1024).toFixed(1)} KiB/KIngress; ` +
      `per CPU-second ${Math.round(renderCpu)}, floor ${Math.round(floorCpu)}, ratio ${(floorCpu / renderCpu).toFixed(1)}x, ` +
      `load ${os.loadavg()[0]?.toFixed(1)} on ${os.cpus().length} CPUs`,
  );
}

main();
