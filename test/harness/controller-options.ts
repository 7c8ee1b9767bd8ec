import type { ControllerOptions } from '../../src/controller/controller.js';

/**
 * Controller options the integration tests share: no mesh VirtualService, no periodic resync (a test waits
 * for the change it made, not for a resync), and a client rate limit none of them reaches.
 */
export function testControllerOptions(
  o: Pick<ControllerOptions, 'ingressClass' | 'systemNamespace'> & Partial<ControllerOptions>,
): ControllerOptions {
  return {
    clusterDomain: 'cluster.local',
    meshVirtualService: false,
    workers: 2,
    qps: 50,
    burst: 100,
    resyncPeriodSeconds: 0,
    ...o,
  };
}
