// Counting the writes a client sent, by verb, from the requests themselves: what a test asserts about
// "no writes in steady state" without a counter in the production writer.
import type { RestClient, RestRequest } from '../../src/kube/rest.js';

export type WriteVerb = 'create' | 'update' | 'delete' | 'patch' | 'status';
export type WriteCounts = Record<WriteVerb, number> & { total: number };

interface SentRequest {
  method: string;
  path: string;
}

/** Every request `rest` sends from now on, in order (failed ones included). Empty it to start over. */
export function recordRequests(rest: RestClient): SentRequest[] {
  const sent: SentRequest[] = [];
  const request = rest.request.bind(rest);
  rest.request = <T>(req: RestRequest): Promise<T> => {
    sent.push({ method: req.method, path: req.path });
    return request<T>(req);
  };
  return sent;
}

/** Writes among `requests`: a PUT or PATCH of `/status` is a status write; reads are not counted. */
export function writeCounts(requests: readonly SentRequest[]): WriteCounts {
  const counts: WriteCounts = { create: 0, update: 0, delete: 0, patch: 0, status: 0, total: 0 };
  for (const { method, path } of requests) {
    const verb = verbOf(method, path);
    if (!verb) continue;
    counts[verb] += 1;
    counts.total += 1;
  }
  return counts;
}

function verbOf(method: string, path: string): WriteVerb | undefined {
  const status = path.endsWith('/status');
  switch (method) {
    case 'POST':
      return 'create';
    case 'PUT':
      return status ? 'status' : 'update';
    case 'PATCH':
      return status ? 'status' : 'patch';
    case 'DELETE':
      return 'delete';
    default:
      return undefined;
  }
}
