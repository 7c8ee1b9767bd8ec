/**
 * One copy of each short string in the informer caches. JSON.parse gives every string value its own copy,
 * and cached objects repeat the same values thousands of times (gateway names, hosts a KIngress shares with
 * its VirtualService, label and annotation values, condition types): about two thirds of the caches'
 * string bytes. The table is bounded: when full it starts over, so it never holds more than `capacity`
 * strings, and a value seen again after that is simply shared from then on.
 */
export class StringTable {
  private readonly table = new Map<string, string>();

  constructor(
    private readonly capacity = 16_384,
    /** Longer strings (certificates, hashes of whole specs, JSON blobs) are rarely shared: left alone. */
    private readonly maxLength = 64,
  ) {}

  /** Strings held now (never more than the capacity). */
  get size(): number {
    return this.table.size;
  }

  intern(s: string): string {
    if (s.length > this.maxLength) return s;
    const known = this.table.get(s);
    if (known !== undefined) return known;
    if (this.table.size >= this.capacity) this.table.clear();
    this.table.set(s, s);
    return s;
  }

  /** Replaces, in place, every string under `value` (object values and array elements) with its shared copy. */
  internAll(value: unknown): void {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v === 'string') value[i] = this.intern(v);
        else if (typeof v === 'object' && v !== null) this.internAll(v);
      }
      return;
    }
    if (typeof value !== 'object' || value === null) return;
    const obj = value as Record<string, unknown>;
    // for-in, not Object.keys: objects of one shape share V8's enum cache, so no array of keys is made per
    // object (a restart at 5,000 KIngresses walks some 300,000 of them). JSON.parse gives no inherited keys.
    for (const key in obj) {
      const v = obj[key];
      if (typeof v === 'string') obj[key] = this.intern(v);
      else if (typeof v === 'object' && v !== null) this.internAll(v);
    }
  }
}
