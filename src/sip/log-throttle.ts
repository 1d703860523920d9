// Log lines about what arrives from the network, at most one per event and
// source every interval: a flood of junk must not fill the disk with lines.
// The next line that gets through says how many were left out.

export type LogLine = (event: string, detail: Record<string, unknown>) => void;

export class LogThrottle {
  private readonly last = new Map<string, { at: number; suppressed: number }>();

  constructor(
    private readonly log: LogLine,
    private readonly everyMs = 10_000,
    private readonly capacity = 10_000,
  ) {}

  /** Logs the event unless one with the same key (event and source) was logged within the interval. */
  line(event: string, source: string, detail: Record<string, unknown>): void {
    const key = `${event} ${source}`;
    const now = Date.now();
    const last = this.last.get(key);
    if (last && now - last.at < this.everyMs) {
      last.suppressed++;
      return;
    }
    if (this.last.size >= this.capacity) this.last.clear();
    this.last.set(key, { at: now, suppressed: 0 });
    this.log(event, { ...detail, ...(last?.suppressed ? { suppressed: last.suppressed } : {}) });
  }
}
