import { describe, expect, test } from '@jest/globals';
import type { VirtualService } from '../../../src/api/istio.js';
import type { IngressStatus } from '../../../src/api/kingress.js';
import { specDigest } from '../../../src/kube/spec-digest.js';
import { WRITTEN_SPEC_ANNOTATION } from '../../../src/reconciler/written-spec.js';
import type { ReconcileOutcome } from '../../../src/reconciler/deps.js';
import { reconcileIngress } from '../../../src/reconciler/reconcile.js';
import {
  INGRESS_CLASS_ANNOTATION,
  INGRESS_LABEL,
  INGRESS_NAMESPACE_LABEL,
  KINGRESS_FINALIZER,
  ORIGIN_SECRET_NAME_LABEL,
  ORIGIN_SECRET_NAMESPACE_LABEL,
} from '../../../src/translate/constants.js';
import { apiError, conflict, defaultConfig, fakeDeps, uncached, type Failure, type Verb } from './fakes.js';
import {
  CERT,
  desiredFor,
  edited,
  GATEWAY_SERVICE,
  ingress,
  KEY,
  NAME,
  NS,
  READY_STATUS,
  sharedGateway,
  status,
  stored,
  tlsSecret,
  withSpec,
  written,
} from './objects.js';

interface Row {
  name: string;
  key?: string;
  objects: Array<{ kind?: string; metadata: { name: string } }>;
  ready?: boolean;
  failures?: Failure[];
  config?: ReturnType<typeof defaultConfig>;
  /** A second reconcile of the same world, after the first one's writes (e.g. "reported once"). */
  twice?: boolean;
  want: {
    outcome?: ReconcileOutcome['outcome'];
    /** The reconcile fails with this message. */
    error?: string;
    creates?: object[];
    updates?: object[];
    /** `Kind namespace/name uid` of each delete, uid the precondition sent. */
    deletes?: string[];
    /** `Kind namespace/name` and the finalizers of each metadata patch. */
    patches?: Array<[string, string[] | null | undefined]>;
    statuses?: IngressStatus[];
    events?: string[];
    /** KIngress keys whose readiness state was dropped. */
    forgotten?: string[];
  };
}

// --- the world the rows start from --------------------------------------------------------------

const FINALIZER_EVENT = `Normal FinalizerUpdate Updated "${NAME}" finalizers`;
const INGRESS_TARGET = `Ingress ${NS}/${NAME}`;

/** A finalization: these deletes, then our finalizer off, one Event, readiness forgotten. */
const finalized = (deletes: string[]): Row['want'] => ({
  deletes,
  patches: [[INGRESS_TARGET, []]],
  events: [FINALIZER_EVENT],
  forgotten: [KEY],
  outcome: 'done',
});

const plain = ingress();
const plainDesired = desiredFor(plain);
const [ingressVS, ...otherVS] = plainDesired.virtualServices.map((vs) => stored(vs));
const vsName = ingressVS!.metadata.name;
/** The VirtualService with its spec changed by another writer, and as we then put it back (the next generation). */
const evilVS = edited(ingressVS!, { hosts: ['evil.example.com'] });
const putBack = written({ ...evilVS, spec: ingressVS!.spec }, 3);
const readyPlain = ingress({ status: READY_STATUS });

const foreignOwner = {
  apiVersion: 'networking.internal.knative.dev/v1alpha1',
  kind: 'Ingress',
  name: 'other',
  uid: 'other-uid',
  controller: true,
};
const notOurs = <T extends { metadata: object }>(o: T): T => ({
  ...o,
  metadata: { ...o.metadata, ownerReferences: [foreignOwner] },
});

// Redirected: a per-KIngress Gateway carries the HTTP server that redirects.
const redirected = ingress({ httpOption: 'Redirected', status: READY_STATUS });
const redirectedDesired = desiredFor(redirected, [GATEWAY_SERVICE]);
const ownGateway = stored(redirectedDesired.gateways[0]!);

// TLS from default/tls, copied into the gateway's namespace.
const origin = tlsSecret('tls', { 'tls.crt': CERT, 'tls.key': 'a2V5LXYy' });
const tlsIngress = ingress({
  tls: [{ hosts: ['hello.example.com'], secretName: 'tls', secretNamespace: NS }],
  status: READY_STATUS,
});
const tlsDesired = desiredFor(tlsIngress, [GATEWAY_SERVICE, origin]);
const copy = tlsDesired.secretCopies[0]!;
const copyName = copy.metadata.name;
const tlsWorld = [
  GATEWAY_SERVICE,
  origin,
  ...tlsDesired.gateways.map((g) => stored(g)),
  ...tlsDesired.virtualServices.map((v) => stored(v)),
];

const deleting = ingress({ deleting: true, status: READY_STATUS });
const tlsServer = {
  hosts: ['hello.example.com'],
  port: { name: `${NS}/${NAME}:0`, number: 443, protocol: 'HTTPS' },
  tls: { mode: 'SIMPLE' as const, credentialName: 'tls' },
};
const httpServer = { hosts: ['*'], port: { name: 'http', number: 80, protocol: 'HTTP' } };

const copyLabels = { [ORIGIN_SECRET_NAME_LABEL]: 'tls', [ORIGIN_SECRET_NAMESPACE_LABEL]: NS };
const ownCopy = stored({ ...copy, metadata: { ...copy.metadata } });
const staleCopy = stored({
  apiVersion: 'v1',
  kind: 'Secret',
  metadata: {
    name: `${NAME}-old-uid`,
    namespace: 'higress-system',
    labels: { ...copyLabels, [INGRESS_LABEL]: NAME, [INGRESS_NAMESPACE_LABEL]: NS },
  },
  data: { a: 'b' },
});

// What a second net-higress (another class, another gateway Service and namespace) made for a KIngress: the
// same labels, controller reference and finalizer as ours.
const OTHER_CLASS = 'internal.higress.ingress.networking.knative.dev';
const theirGateway = { ...ownGateway, metadata: { ...ownGateway.metadata, name: 'hello-4242', uid: 'hello-4242-uid' } };
const theirCopy = {
  ...ownCopy,
  metadata: { ...ownCopy.metadata, namespace: 'higress-internal', uid: 'their-copy-uid' },
};

const meshOnly = desiredFor(plain, [], { ingressGateways: [], localGateways: [] });
const annotated = ingress({ annotations: { 'higress.io/load-balance': 'round_robin' }, status: READY_STATUS });

const invalid = ingress({ httpOption: 'Bogus' });
const INVALID_MESSAGE = 'spec.httpOption: invalid value "Bogus", want "Enabled" or "Redirected"';
const invalidStatus = status({
  Ready: ['False', 'InvalidSpec', INVALID_MESSAGE],
  NetworkConfigured: ['False', 'InvalidSpec', INVALID_MESSAGE],
  LoadBalancerReady: ['Unknown'],
});

const notOwnedVS = `notowned: owner: ${NAME} with Type *v1alpha1.Ingress does not own VirtualService: "${vsName}"`;
const tooLargeMessage = (bytes: number) =>
  `VirtualService ${NS}/${vsName} is ${bytes} bytes, too large to store (the API server's limit is 3145728 bytes): ` +
  '413 RequestEntityTooLarge: Request entity too large: limit is 3145728; split the KIngress into smaller ones';
const vsBytes = Buffer.byteLength(JSON.stringify(written(plainDesired.virtualServices[0]!, 1)));

/** Gateways and Secret copies come before the VirtualServices: NotOwned there leaves LoadBalancerReady alone. */
function notOwnedBeforeVirtualServices(kind: string, name: string): Row['want'] {
  const error = `notowned: owner: ${NAME} with Type *v1alpha1.Ingress does not own ${kind}: "${name}"`;
  return {
    error,
    statuses: [
      status(
        {
          Ready: ['False', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
          NetworkConfigured: ['False', 'NotOwned', `There is an existing ${kind} "${name}" that we do not own.`],
          LoadBalancerReady: ['True'],
        },
        { lb: true },
      ),
    ],
    events: [`Warning InternalError ${error}`],
  };
}

const fail = (verb: Verb, kind: string, error: unknown, name?: string): Failure => ({
  verb,
  kind,
  error,
  ...(name ? { name } : {}),
});
const serverError = apiError(500, 'InternalError', 'etcd is down');

const rows: Row[] = [
  {
    name: 'plain KIngress: finalizer, VirtualServices, Ready',
    objects: [ingress({ finalizer: false })],
    want: {
      patches: [[INGRESS_TARGET, [KINGRESS_FINALIZER]]],
      creates: plainDesired.virtualServices.map((vs) => written(vs, 1)),
      statuses: [READY_STATUS],
      // Adding the finalizer is not recorded (it shows in metadata.finalizers); removing it is.
      events: plainDesired.virtualServices.map((vs) => `Normal Created Created VirtualService "${vs.metadata.name}"`),
      outcome: 'done',
    },
  },
  {
    name: 'steady state: nothing written, readiness not asked again',
    objects: [readyPlain, ingressVS!, ...otherVS],
    want: { outcome: 'done' },
  },
  {
    name: 'no such KIngress: its state is dropped',
    key: `${NS}/gone`,
    objects: [],
    want: { outcome: 'skipped', forgotten: [`${NS}/gone`] },
  },
  {
    name: 'changed VirtualService spec is updated back',
    objects: [readyPlain, evilVS, ...otherVS],
    want: {
      updates: [putBack],
      events: [`Normal Updated Updated VirtualService ${NS}/${vsName}`],
      outcome: 'done',
    },
  },
  {
    name: 'NotOwned VirtualService: nothing overwritten, NotOwned in status',
    objects: [readyPlain, notOurs(ingressVS!), ...otherVS],
    want: {
      error: notOwnedVS,
      statuses: [
        status(
          {
            Ready: ['False', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
            NetworkConfigured: [
              'False',
              'NotOwned',
              `There is an existing VirtualService "${vsName}" that we do not own.`,
            ],
            LoadBalancerReady: ['False', 'ReconcileVirtualServiceFailed', notOwnedVS],
          },
          { lb: true },
        ),
      ],
      events: [`Warning InternalError ${notOwnedVS}`],
    },
  },
  {
    name: 'NotOwned Gateway: nothing overwritten, no VirtualService written',
    objects: [redirected, GATEWAY_SERVICE, notOurs(ownGateway)],
    want: notOwnedBeforeVirtualServices('Gateway', ownGateway.metadata.name),
  },
  {
    name: 'NotOwned Secret copy: a Secret of that name from another origin is left alone',
    objects: [
      ...tlsWorld,
      tlsIngress,
      stored({
        ...copy,
        metadata: {
          ...copy.metadata,
          labels: { [ORIGIN_SECRET_NAME_LABEL]: 'theirs', [ORIGIN_SECRET_NAMESPACE_LABEL]: 'elsewhere' },
        },
      }),
    ],
    want: notOwnedBeforeVirtualServices('Secret', copyName),
  },
  {
    name: 'conflict adding the finalizer: retried without an Event',
    objects: [ingress({ finalizer: false })],
    failures: [fail('patch', 'Ingress', conflict())],
    want: { patches: [[INGRESS_TARGET, [KINGRESS_FINALIZER]]], error: conflict().message },
  },
  {
    name: 'other failure adding the finalizer: FinalizerUpdateFailed',
    objects: [ingress({ finalizer: false })],
    failures: [fail('patch', 'Ingress', serverError)],
    want: {
      patches: [[INGRESS_TARGET, [KINGRESS_FINALIZER]]],
      error: serverError.message,
      events: [
        `Warning FinalizerUpdateFailed Failed to update finalizers for "${NAME}": 500 InternalError: etcd is down`,
      ],
    },
  },
  {
    name: 'conflict writing the status: retried without an Event',
    objects: [plain],
    failures: [fail('status', 'Ingress', conflict())],
    want: {
      creates: plainDesired.virtualServices.map((vs) => written(vs, 1)),
      statuses: [READY_STATUS],
      events: plainDesired.virtualServices.map((vs) => `Normal Created Created VirtualService "${vs.metadata.name}"`),
      error: conflict().message,
    },
  },
  {
    name: 'other failure writing the status: UpdateFailed',
    objects: [plain, ingressVS!, ...otherVS],
    failures: [fail('status', 'Ingress', serverError)],
    want: {
      statuses: [READY_STATUS],
      events: [`Warning UpdateFailed Failed to update status for "${NAME}": 500 InternalError: etcd is down`],
      error: serverError.message,
    },
  },
  {
    name: 'conflict updating a VirtualService (stale cache): requeued quietly, no status write, no Event',
    objects: [readyPlain, evilVS, ...otherVS],
    failures: [fail('update', 'VirtualService', conflict())],
    want: {
      updates: [putBack],
      error: `failed to update VirtualService: 409 Conflict: ${(JSON.parse((conflict() as unknown as { body: string }).body) as { message: string }).message}`,
    },
  },
  {
    name: "stale VirtualService and Gateway are deleted (VirtualServices first), others' are not",
    objects: [
      readyPlain,
      ingressVS!,
      ...otherVS,
      stored({ ...ingressVS!, metadata: { ...ingressVS!.metadata, name: 'hello-old' } }),
      notOurs(stored({ ...ingressVS!, metadata: { ...ingressVS!.metadata, name: 'hello-theirs' } })),
      GATEWAY_SERVICE,
      ownGateway,
    ],
    want: {
      deletes: [
        `VirtualService ${NS}/hello-old hello-old-uid`,
        `Gateway ${NS}/${ownGateway.metadata.name} ${ownGateway.metadata.name}-uid`,
      ],
      outcome: 'done',
    },
  },
  {
    name: 'per-KIngress Gateway created for Redirected',
    objects: [ingress({ httpOption: 'Redirected' }), GATEWAY_SERVICE],
    want: {
      creates: [...redirectedDesired.gateways, ...redirectedDesired.virtualServices.map((vs) => written(vs, 1))],
      statuses: [READY_STATUS],
      events: redirectedDesired.virtualServices.map(
        (vs) => `Normal Created Created VirtualService "${vs.metadata.name}"`,
      ),
      outcome: 'done',
    },
  },
  {
    name: 'changed Gateway spec is updated back',
    objects: [
      redirected,
      GATEWAY_SERVICE,
      withSpec(ownGateway, { servers: [] }),
      ...redirectedDesired.virtualServices.map((v) => stored(v)),
    ],
    want: { updates: [ownGateway], outcome: 'done' },
  },
  {
    name: 'gateway Service missing: a translation error, Ready Unknown',
    objects: [ingress({ httpOption: 'Redirected' })],
    want: {
      error: 'service "higress-gateway" not found',
      statuses: [
        status({
          Ready: ['Unknown', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
          NetworkConfigured: ['Unknown'],
          LoadBalancerReady: ['Unknown'],
        }),
      ],
      events: ['Warning InternalError service "higress-gateway" not found'],
    },
  },
  {
    name: 'TLS: the Secret copy is made in the gateway namespace',
    objects: [GATEWAY_SERVICE, origin, ingress({ tls: tlsIngress.spec.tls! })],
    want: {
      creates: [copy, ...tlsDesired.gateways, ...tlsDesired.virtualServices.map((vs) => written(vs, 1))],
      statuses: [READY_STATUS],
      events: [
        `Normal Created Created Secret higress-system/${copyName}`,
        ...tlsDesired.virtualServices.map((vs) => `Normal Created Created VirtualService "${vs.metadata.name}"`),
      ],
      outcome: 'done',
    },
  },
  {
    name: 'TLS rotation: the copy follows the origin, nothing else is written',
    objects: [...tlsWorld, tlsIngress, stored({ ...copy, data: { 'tls.crt': 'b2xk', 'tls.key': 'b2xk' } })],
    want: {
      updates: [{ ...ownCopy, metadata: { ...ownCopy.metadata } }],
      events: [`Normal Updated Updated Secret higress-system/${copyName}`],
      outcome: 'done',
    },
  },
  {
    name: 'TLS: a copy the KIngress no longer uses is deleted',
    objects: [...tlsWorld, tlsIngress, ownCopy, staleCopy],
    want: {
      deletes: [`Secret higress-system/${staleCopy.metadata.name} ${staleCopy.metadata.name}-uid`],
      outcome: 'done',
    },
  },
  {
    name: 'TLS: failing to copy the Secret is reported',
    objects: [GATEWAY_SERVICE, origin, ingress({ tls: tlsIngress.spec.tls! })],
    failures: [fail('create', 'Secret', serverError)],
    want: {
      creates: [copy],
      error: 'failed to create Secret: 500 InternalError: etcd is down',
      statuses: [
        status({
          Ready: ['Unknown', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
          NetworkConfigured: ['Unknown'],
          LoadBalancerReady: ['Unknown'],
        }),
      ],
      events: [
        `Warning CreationFailed Failed to create Secret higress-system/${copyName}: 500 InternalError: etcd is down`,
        'Warning InternalError failed to create Secret: 500 InternalError: etcd is down',
      ],
    },
  },
  {
    name: 'TLS rotation: failing to update the copy is reported',
    objects: [...tlsWorld, tlsIngress, stored({ ...copy, data: { 'tls.crt': 'b2xk' } })],
    failures: [fail('update', 'Secret', serverError)],
    want: {
      updates: [ownCopy],
      error: 'failed to update Secret: 500 InternalError: etcd is down',
      statuses: [
        status(
          {
            Ready: ['Unknown', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
            NetworkConfigured: ['True'],
            LoadBalancerReady: ['True'],
          },
          { lb: true },
        ),
      ],
      events: [
        `Warning UpdateFailed Failed to update Secret higress-system/${copyName}: 500 InternalError: etcd is down`,
        'Warning InternalError failed to update Secret: 500 InternalError: etcd is down',
      ],
    },
  },
  {
    name: 'class changed away: our objects and our finalizer go',
    objects: [ingress({ class: 'istio.ingress.networking.knative.dev', status: READY_STATUS }), ingressVS!, ...otherVS],
    want: {
      deletes: [ingressVS!, ...otherVS].map((vs) => `VirtualService ${NS}/${vs.metadata.name} ${vs.metadata.name}-uid`),
      patches: [[INGRESS_TARGET, []]],
      events: [FINALIZER_EVENT],
      forgotten: [KEY],
      outcome: 'done',
    },
  },
  {
    name: "another net-higress's KIngress (its class, the shared finalizer): none of its objects is touched",
    objects: [
      ingress({ class: OTHER_CLASS, status: READY_STATUS }),
      stored(desiredFor(ingress({ class: OTHER_CLASS })).virtualServices[0]!),
      theirGateway,
      theirCopy,
    ],
    want: { outcome: 'skipped' },
  },
  {
    name: 'class changed away: only what carries our marks goes (our class, our gateway Service, our namespace)',
    objects: [
      ingress({ class: OTHER_CLASS, status: READY_STATUS, tls: tlsIngress.spec.tls! }),
      ingressVS!,
      {
        ...stored(desiredFor(ingress({ class: OTHER_CLASS })).virtualServices[0]!),
        metadata: {
          ...ingressVS!.metadata,
          name: 'hello-theirs',
          annotations: { [INGRESS_CLASS_ANNOTATION]: OTHER_CLASS },
        },
      },
      ownGateway,
      theirGateway,
      ownCopy,
      theirCopy,
    ],
    want: finalized([
      `VirtualService ${NS}/${vsName} ${vsName}-uid`,
      `Gateway ${NS}/${ownGateway.metadata.name} ${ownGateway.metadata.name}-uid`,
      `Secret higress-system/${copyName} ${copyName}-uid`,
    ]),
  },
  {
    name: "class changed away and nothing of ours left: the finalizer (now the new layer's) stays",
    objects: [ingress({ class: 'istio.ingress.networking.knative.dev' }), notOurs(ingressVS!)],
    want: { outcome: 'skipped' },
  },
  {
    name: 'another class without our finalizer: skipped',
    objects: [ingress({ class: 'istio.ingress.networking.knative.dev', finalizer: false }), ingressVS!],
    want: { outcome: 'skipped' },
  },
  {
    name: 'invalid spec: InvalidSpec in status, one Event however often it is reconciled',
    objects: [invalid],
    twice: true,
    want: {
      statuses: [invalidStatus],
      events: [`Warning InvalidSpec ${INVALID_MESSAGE}`],
      outcome: 'invalid',
    },
  },
  {
    name: 'invalid spec already reported: nothing written',
    objects: [ingress({ httpOption: 'Bogus', status: invalidStatus })],
    want: { outcome: 'invalid' },
  },
  {
    name: 'readiness pending: LoadBalancerReady Unknown, waiting',
    objects: [plain],
    ready: false,
    want: {
      creates: plainDesired.virtualServices.map((vs) => written(vs, 1)),
      statuses: [
        status({
          Ready: ['Unknown', 'Uninitialized', 'Waiting for load balancer to be ready'],
          NetworkConfigured: ['True'],
          LoadBalancerReady: ['Unknown', 'Uninitialized', 'Waiting for load balancer to be ready'],
        }),
      ],
      events: plainDesired.virtualServices.map((vs) => `Normal Created Created VirtualService "${vs.metadata.name}"`),
      outcome: 'waiting',
    },
  },
  {
    name: 'new generation: Ready again only once probed',
    objects: [ingress({ generation: 2, status: READY_STATUS }), ingressVS!, ...otherVS],
    ready: false,
    want: {
      statuses: [
        status(
          {
            Ready: ['Unknown', 'Uninitialized', 'Waiting for load balancer to be ready'],
            NetworkConfigured: ['True'],
            LoadBalancerReady: ['Unknown', 'Uninitialized', 'Waiting for load balancer to be ready'],
          },
          { lb: true, generation: 2 },
        ),
      ],
      outcome: 'waiting',
    },
  },
  {
    name: 'mesh only (no gateways configured): Ready without probing',
    objects: [plain],
    config: { ...defaultConfig(), istio: { ingressGateways: [], localGateways: [] } },
    ready: false,
    want: {
      creates: meshOnly.virtualServices,
      statuses: [
        {
          ...status({ Ready: ['True'], NetworkConfigured: ['True'], LoadBalancerReady: ['True'] }),
          publicLoadBalancer: { ingress: [{ meshOnly: true }] },
          privateLoadBalancer: { ingress: [{ meshOnly: true }] },
        },
      ],
      events: meshOnly.virtualServices.map((vs) => `Normal Created Created VirtualService "${vs.metadata.name}"`),
      outcome: 'done',
    },
  },
  {
    name: 'oversized VirtualService: ObjectTooLarge with size and limit',
    objects: [plain],
    failures: [
      fail(
        'create',
        'VirtualService',
        apiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
        vsName,
      ),
    ],
    want: {
      creates: [written(plainDesired.virtualServices[0]!, 1)],
      error: tooLargeMessage(vsBytes),
      statuses: [
        status({
          Ready: ['False', 'ObjectTooLarge', tooLargeMessage(vsBytes)],
          NetworkConfigured: ['False', 'ObjectTooLarge', tooLargeMessage(vsBytes)],
          LoadBalancerReady: ['False', 'ReconcileVirtualServiceFailed', tooLargeMessage(vsBytes)],
        }),
      ],
      events: [
        `Warning CreationFailed Failed to create VirtualService ${NS}/${vsName}: 413 RequestEntityTooLarge: Request entity too large: limit is 3145728`,
        `Warning InternalError ${tooLargeMessage(vsBytes)}`,
      ],
    },
  },
  {
    name: 'oversized Gateway: ObjectTooLarge',
    objects: [ingress({ httpOption: 'Redirected' }), GATEWAY_SERVICE],
    failures: [fail('create', 'Gateway', apiError(500, 'InternalError', 'etcdserver: request is too large'))],
    want: {
      creates: redirectedDesired.gateways,
      error: gatewayTooLarge(),
      statuses: [
        status({
          Ready: ['False', 'ObjectTooLarge', gatewayTooLarge()],
          NetworkConfigured: ['False', 'ObjectTooLarge', gatewayTooLarge()],
          LoadBalancerReady: ['Unknown'],
        }),
      ],
      events: [`Warning InternalError ${gatewayTooLarge()}`],
    },
  },
  {
    name: 'Gateway create fails: named in the error',
    objects: [ingress({ httpOption: 'Redirected' }), GATEWAY_SERVICE],
    failures: [fail('create', 'Gateway', serverError)],
    want: {
      creates: redirectedDesired.gateways,
      error: `failed to create Gateway ${NS}/${ownGateway.metadata.name}: 500 InternalError: etcd is down`,
      statuses: [
        status({
          Ready: ['Unknown', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
          NetworkConfigured: ['Unknown'],
          LoadBalancerReady: ['Unknown'],
        }),
      ],
      events: [
        `Warning InternalError failed to create Gateway ${NS}/${ownGateway.metadata.name}: 500 InternalError: etcd is down`,
      ],
    },
  },
  {
    name: 'VirtualService update fails for its size',
    objects: [readyPlain, evilVS, ...otherVS],
    failures: [
      fail(
        'update',
        'VirtualService',
        apiError(413, 'RequestEntityTooLarge', 'Request entity too large: limit is 3145728'),
      ),
    ],
    want: {
      updates: [putBack],
      error: tooLargeMessage(Buffer.byteLength(JSON.stringify(putBack))),
      statuses: [
        status(
          {
            Ready: ['False', 'ObjectTooLarge', tooLargeMessage(Buffer.byteLength(JSON.stringify(putBack)))],
            NetworkConfigured: ['False', 'ObjectTooLarge', tooLargeMessage(Buffer.byteLength(JSON.stringify(putBack)))],
            LoadBalancerReady: [
              'False',
              'ReconcileVirtualServiceFailed',
              tooLargeMessage(Buffer.byteLength(JSON.stringify(putBack))),
            ],
          },
          { lb: true },
        ),
      ],
      events: [`Warning InternalError ${tooLargeMessage(Buffer.byteLength(JSON.stringify(putBack)))}`],
    },
  },
  {
    name: 'stale delete fails: reported with the object',
    objects: [
      readyPlain,
      ingressVS!,
      ...otherVS,
      stored({ ...ingressVS!, metadata: { ...ingressVS!.metadata, name: 'hello-old' } }),
    ],
    failures: [fail('delete', 'VirtualService', serverError)],
    want: {
      deletes: [`VirtualService ${NS}/hello-old hello-old-uid`],
      error: `failed to delete VirtualService ${NS}/hello-old: 500 InternalError: etcd is down`,
      statuses: [
        status(
          {
            Ready: ['False', 'ReconcileIngressFailed', 'Ingress reconciliation failed'],
            NetworkConfigured: ['True'],
            LoadBalancerReady: [
              'False',
              'ReconcileVirtualServiceFailed',
              `failed to delete VirtualService ${NS}/hello-old: 500 InternalError: etcd is down`,
            ],
          },
          { lb: true },
        ),
      ],
      events: [
        `Warning InternalError failed to delete VirtualService ${NS}/hello-old: 500 InternalError: etcd is down`,
      ],
    },
  },
  {
    name: 'unsupported Higress annotation: one Warning',
    objects: [annotated, ...desiredFor(annotated).virtualServices.map((vs) => stored(vs))],
    twice: true,
    want: {
      events: [
        'Warning UnsupportedAnnotation annotations not supported on Knative services, ignored: higress.io/load-balance (needs a DestinationRule)',
      ],
      outcome: 'done',
    },
  },
  {
    name: 'finalize: a legacy TLS server of this KIngress leaves the shared Gateway',
    objects: [deleting, sharedGateway([httpServer, tlsServer])],
    want: {
      updates: [{ ...sharedGateway([httpServer]), metadata: { ...sharedGateway([]).metadata } }],
      patches: [[INGRESS_TARGET, []]],
      events: ['Normal Updated Updated Gateway knative-serving/knative-ingress-gateway', FINALIZER_EVENT],
      forgotten: [KEY],
      outcome: 'done',
    },
  },
  {
    name: 'finalize: the last server of a shared Gateway is replaced by the placeholder',
    objects: [deleting, sharedGateway([tlsServer])],
    want: {
      updates: [
        sharedGateway([
          { hosts: ['place-holder.place-holder'], port: { name: 'place-holder', number: 9999, protocol: 'HTTP' } },
        ]),
      ],
      patches: [[INGRESS_TARGET, []]],
      events: ['Normal Updated Updated Gateway knative-serving/knative-ingress-gateway', FINALIZER_EVENT],
      forgotten: [KEY],
      outcome: 'done',
    },
  },
  {
    name: 'finalize: a shared Gateway that cannot be updated keeps the finalizer',
    objects: [deleting, sharedGateway([httpServer, tlsServer])],
    failures: [fail('update', 'Gateway', serverError)],
    want: {
      updates: [sharedGateway([httpServer])],
      error: 'failed to update Gateway: 500 InternalError: etcd is down',
    },
  },
  {
    name: 'finalize: leftovers the caches have not seen yet are deleted too',
    objects: [
      deleting,
      uncached(ingressVS!),
      ...otherVS.map(uncached),
      uncached(ownGateway),
      sharedGateway([httpServer]),
      ownCopy,
    ],
    want: finalized([
      ...[ingressVS!, ...otherVS].map((vs) => `VirtualService ${NS}/${vs.metadata.name} ${vs.metadata.name}-uid`),
      `Gateway ${NS}/${ownGateway.metadata.name} ${ownGateway.metadata.name}-uid`,
      `Secret higress-system/${copyName} ${copyName}-uid`,
    ]),
  },
  {
    name: 'finalize: a copy another KIngress still uses stays, an unused one goes',
    objects: [
      ingress({ deleting: true, tls: tlsIngress.spec.tls! }),
      origin,
      // Knative names per-KIngress copies after their KIngress: "other-..." is another KIngress's.
      stored({ ...copy, metadata: { ...copy.metadata, name: 'other-tls-uid', labels: copyLabels } }),
      stored({ ...copy, metadata: { ...copy.metadata, name: 'gone-tls-uid', labels: copyLabels } }),
      {
        ...ingress({ tls: tlsIngress.spec.tls! }),
        metadata: { ...ingress().metadata, name: 'other', uid: 'other-uid' },
      },
    ],
    want: finalized(['Secret higress-system/gone-tls-uid gone-tls-uid-uid']),
  },
  {
    name: 'finalize: an object deleted meanwhile by someone else is not an error',
    objects: [deleting, ingressVS!],
    failures: [fail('delete', 'VirtualService', apiError(404, 'NotFound', `virtualservices "${vsName}" not found`))],
    want: finalized([`VirtualService ${NS}/${vsName} ${vsName}-uid`]),
  },
  {
    name: 'being deleted without our finalizer: nothing to do',
    objects: [ingress({ deleting: true, finalizer: false }), ingressVS!],
    want: { outcome: 'done' },
  },
];

function gatewayTooLarge(): string {
  const bytes = Buffer.byteLength(JSON.stringify(redirectedDesired.gateways[0]));
  return (
    `Gateway ${NS}/${ownGateway.metadata.name} is ${bytes} bytes, too large to store (etcd stores at most 1572864 bytes per object by default): ` +
    '500 InternalError: etcdserver: request is too large; split the KIngress into smaller ones'
  );
}

describe('reconcileIngress', () => {
  test.each(rows)('$name', async (row) => {
    const f = fakeDeps(row.objects, {
      ready: row.ready ?? true,
      failures: row.failures ?? [],
      ...(row.config ? { config: row.config } : {}),
    });
    const run = async () => {
      try {
        return { result: await reconcileIngress(row.key ?? KEY, f.deps) };
      } catch (err) {
        return { error: err instanceof Error ? err.message : String(err) };
      }
    };
    const first = await run();
    if (row.twice) await run();

    const { want } = row;
    expect(first).toEqual(want.error !== undefined ? { error: want.error } : { result: { outcome: want.outcome } });
    const bodies = (verb: Verb) => f.cluster.writesOf(verb).map((w) => w.body);
    expect(bodies('create')).toEqual(want.creates ?? []);
    expect(bodies('update')).toEqual(want.updates ?? []);
    expect(
      f.cluster.writesOf('delete').map((w) => `${w.target} ${(w.body as { uid?: string } | undefined)?.uid ?? ''}`),
    ).toEqual(want.deletes ?? []);
    expect(
      f.cluster.writesOf('patch').map((w) => [w.target, (w.body as { finalizers?: string[] | null }).finalizers]),
    ).toEqual(want.patches ?? []);
    expect(f.cluster.writesOf('status').map((w) => (w.body as { status: IngressStatus }).status)).toEqual(
      want.statuses ?? [],
    );
    expect(f.recorder.events).toEqual(want.events ?? []);
    expect(f.readiness.forgotten).toEqual(want.forgotten ?? []);
  });
});

describe('the written-spec record on VirtualServices', () => {
  const unrecorded = (vs: VirtualService): VirtualService => {
    const { [WRITTEN_SPEC_ANNOTATION]: _record, ...annotations } = vs.metadata.annotations ?? {};
    return { ...vs, metadata: { ...vs.metadata, annotations } };
  };
  const record = (f: ReturnType<typeof fakeDeps>) =>
    f.cluster.get<VirtualService>('VirtualService', NS, vsName)?.metadata.annotations?.[WRITTEN_SPEC_ANNOTATION];

  test('steady state: the record vouches for every spec, nothing is read live', async () => {
    const f = fakeDeps([readyPlain, ingressVS!, ...otherVS]);
    await reconcileIngress(KEY, f.deps);
    expect([f.cluster.liveReads, f.cluster.writes.length]).toEqual([0, 0]);
  });

  test('a VirtualService written before the record: read live once, recorded, its spec left as it is', async () => {
    const f = fakeDeps([readyPlain, unrecorded(ingressVS!), ...otherVS]);
    await reconcileIngress(KEY, f.deps);
    await reconcileIngress(KEY, f.deps);
    expect(f.cluster.liveReads).toBe(1);
    expect(f.cluster.writesOf('update').map((w) => w.body)).toEqual([ingressVS]);
    expect(f.cluster.get<VirtualService>('VirtualService', NS, vsName)?.metadata.generation).toBe(1);
  });

  test('a spec the API server stores otherwise than sent: the record takes the generation it gave, then quiet', async () => {
    // The server prunes `gateways` and so finds the spec unchanged: no new generation, though we changed it.
    const prune = <T extends { kind?: string; spec?: object }>(o: T): T =>
      o.kind === 'VirtualService' ? { ...o, spec: { ...o.spec, gateways: undefined } } : o;
    const f = fakeDeps([readyPlain, prune(unrecorded(ingressVS!)), ...otherVS]);
    f.cluster.admit = prune;
    await reconcileIngress(KEY, f.deps);
    await reconcileIngress(KEY, f.deps);
    const digest = specDigest(ingressVS!.spec);
    expect(
      f.cluster
        .writesOf('update')
        .map((w) => (w.body as VirtualService).metadata.annotations?.[WRITTEN_SPEC_ANNOTATION]),
    ).toEqual([`2:${digest}`, `1:${digest}`]);
    expect(record(f)).toBe(`1:${digest}`);
    expect(f.cluster.liveReads).toBe(1);
  });
});
