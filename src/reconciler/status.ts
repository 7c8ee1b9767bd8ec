import type { IngressStatus, KIngress, LoadBalancerIngress } from '../api/kingress.js';
import { Conditions, LOAD_BALANCER_READY, READY } from './conditions.js';
import { jsonEqual } from './equality.js';

/**
 * The status a reconcile is building, starting from Knative's pre-processing: conditions
 * initialised, and Ready reset to Unknown when a new generation is seen.
 */
export class StatusBuilder {
  readonly conditions: Conditions;
  private publicLB: IngressStatus['publicLoadBalancer'];
  private privateLB: IngressStatus['privateLoadBalancer'];
  /** Ready at this generation before this reconcile: no probing needed. */
  readonly wasReady: boolean;

  constructor(
    private readonly ing: KIngress,
    now: () => Date,
  ) {
    const status = ing.status ?? {};
    this.wasReady =
      status.observedGeneration === ing.metadata.generation &&
      (status.conditions ?? []).some((c) => c.type === READY && c.status === 'True');
    this.conditions = new Conditions(status.conditions, () =>
      now()
        .toISOString()
        .replace(/\.\d{3}Z$/, 'Z'),
    );
    this.publicLB = status.publicLoadBalancer;
    this.privateLB = status.privateLoadBalancer;
    this.conditions.initialize();
    if (status.observedGeneration !== ing.metadata.generation) {
      this.conditions.markUnknown(READY, 'NewObservedGenFailure', 'unsuccessfully observed a new generation');
    }
  }

  markLoadBalancerReady(publicLB: LoadBalancerIngress[], privateLB: LoadBalancerIngress[]): void {
    this.publicLB = { ingress: publicLB };
    this.privateLB = { ingress: privateLB };
    this.conditions.markTrue(LOAD_BALANCER_READY);
  }

  /** `why` replaces Knative's generic message when the prober knows what the gateway pods answer. */
  markLoadBalancerNotReady(why?: string): void {
    this.conditions.markUnknown(LOAD_BALANCER_READY, 'Uninitialized', why ?? 'Waiting for load balancer to be ready');
  }

  /** observedGeneration always follows generation, success or not. */
  build(): IngressStatus {
    const {
      observedGeneration: _o,
      conditions: _c,
      publicLoadBalancer: _p,
      privateLoadBalancer: _q,
      ...rest
    } = this.ing.status ?? {};
    return {
      ...rest,
      ...(this.ing.metadata.generation !== undefined ? { observedGeneration: this.ing.metadata.generation } : {}),
      conditions: this.conditions.list(),
      ...(this.publicLB ? { publicLoadBalancer: this.publicLB } : {}),
      ...(this.privateLB ? { privateLoadBalancer: this.privateLB } : {}),
    };
  }
}

/** Knative compares statuses with transition times left out (they are volatile): only a real change is written. */
export function sameStatus(a: IngressStatus, b: IngressStatus): boolean {
  const strip = (s: IngressStatus) => ({
    ...s,
    conditions: (s.conditions ?? []).map(({ lastTransitionTime: _t, ...c }) => c),
  });
  return jsonEqual(strip(a), strip(b));
}
