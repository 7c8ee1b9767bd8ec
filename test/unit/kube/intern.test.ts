import { describe, expect, test } from '@jest/globals';
import { StringTable } from '../../../src/kube/intern.js';

describe('StringTable', () => {
  test('internAll keeps every value, nested in objects and arrays, and the shape of the object', () => {
    const table = new StringTable();
    const obj = {
      metadata: { name: 'hello', labels: { app: 'hello' } },
      spec: { gateways: ['knative-serving/knative-ingress-gateway'], rules: [{ hosts: ['a', 'b'], port: 80 }] },
      status: { conditions: [{ type: 'Ready', status: 'True' }], observedGeneration: 2, flag: null, on: true },
    };
    const copy = structuredClone(obj);
    table.internAll(obj);
    table.internAll(copy);
    expect(copy).toEqual(obj);
    expect(Object.keys(copy.status)).toEqual(['conditions', 'observedGeneration', 'flag', 'on']);
    // hello (twice in each object), the gateway, a, b, Ready, True: held once each.
    expect(table.size).toBe(6);
  });

  test('long strings are not held, and a full table starts over instead of growing', () => {
    const table = new StringTable(2, 8);
    expect(table.intern('x'.repeat(9))).toBe('x'.repeat(9));
    expect(table.size).toBe(0);
    table.intern('a');
    table.intern('b');
    table.intern('a');
    expect(table.size).toBe(2);
    expect(table.intern('c')).toBe('c');
    expect(table.size).toBe(1);
  });
});
