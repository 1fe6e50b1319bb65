/** A small LRU: a Map keeps insertion order, so a hit is moved to the end and the first entry is the oldest. */
export class ExpiringLru<Value> {
  private readonly entries = new Map<string, { value: Value; until: number }>();
  constructor(private readonly maxSize: number) {}

  get(key: string): { value: Value } | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    this.entries.delete(key);
    if (entry.until <= Date.now()) return undefined;
    this.entries.set(key, entry);
    return { value: entry.value };
  }

  set(key: string, value: Value, ttlMs: number): void {
    this.entries.delete(key);
    this.entries.set(key, { value, until: Date.now() + ttlMs });
    while (this.entries.size > this.maxSize) this.entries.delete(this.entries.keys().next().value!);
  }

  get size(): number {
    return this.entries.size;
  }

  clear(): void {
    this.entries.clear();
  }
}
