import type { Condition } from '../api/kingress.js';

/**
 * Knative's "living" condition set for KIngress: Ready is derived from NetworkConfigured and
 * LoadBalancerReady. Reproduced because Serving and the conformance suite read these exact rules.
 */
export const READY = 'Ready';
export const NETWORK_CONFIGURED = 'NetworkConfigured';
export const LOAD_BALANCER_READY = 'LoadBalancerReady';
const DEPENDENTS = [NETWORK_CONFIGURED, LOAD_BALANCER_READY] as const;

type Status = Condition['status'];

export class Conditions {
  private readonly byType = new Map<string, Condition>();
  /** As stored before this reconcile: transition times are judged against these, not intermediate states. */
  private readonly stored = new Map<string, Condition>();

  constructor(
    existing: readonly Condition[] | undefined,
    private readonly now: () => string,
  ) {
    for (const c of existing ?? []) {
      this.byType.set(c.type, { ...c });
      this.stored.set(c.type, c);
    }
  }

  get(type: string): Condition | undefined {
    return this.byType.get(type);
  }

  isTrue(type: string): boolean {
    return this.byType.get(type)?.status === 'True';
  }

  /** Missing conditions become Unknown, or True when Ready already is. */
  initialize(): void {
    if (!this.byType.has(READY)) this.set(READY, 'Unknown');
    const status: Status = this.isTrue(READY) ? 'True' : 'Unknown';
    for (const t of DEPENDENTS) if (!this.byType.has(t)) this.set(t, status);
  }

  markTrue(type: string): void {
    this.set(type, 'True');
    if (DEPENDENTS.every((t) => this.isTrue(t))) this.set(READY, 'True');
  }

  /** A False dependent wins over Unknown: Ready then turns False with the reason given here. */
  markUnknown(type: string, reason: string, message: string): void {
    this.set(type, 'Unknown', reason, message);
    if (DEPENDENTS.some((t) => this.byType.get(t)?.status === 'False')) {
      if (this.byType.get(READY)?.status !== 'False') this.set(READY, 'False', reason, message);
      return;
    }
    if ((DEPENDENTS as readonly string[]).includes(type)) this.set(READY, 'Unknown', reason, message);
  }

  markFalse(type: string, reason: string, message: string): void {
    this.set(type, 'False', reason, message);
    if ((DEPENDENTS as readonly string[]).includes(type)) this.set(READY, 'False', reason, message);
  }

  /** Sorted by type, as Knative stores them. */
  list(): Condition[] {
    return [...this.byType.values()].sort((a, b) => (a.type < b.type ? -1 : a.type > b.type ? 1 : 0));
  }

  /**
   * lastTransitionTime moves only when the status changes from what was stored (a reason or message
   * change, or a detour through another status within one reconcile, keeps it). A KIngress failing the
   * same way again then builds the very status it has, so nothing is written and its backoff holds.
   */
  private set(type: string, status: Status, reason?: string, message?: string): void {
    const kept = [this.stored.get(type), this.byType.get(type)].find(
      (c) => c?.status === status && c.lastTransitionTime,
    );
    const next: Condition = {
      type,
      status,
      lastTransitionTime: kept?.lastTransitionTime ?? this.now(),
      ...(reason ? { reason } : {}),
      ...(message ? { message } : {}),
    };
    this.byType.set(type, next);
  }
}
