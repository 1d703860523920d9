// Hunting in a line group: which span or port of the group takes the next
// outgoing PSTN call. The channel on that line is the line's own choice.
import type { HuntStrategy } from './gateway-config.js';

/**
 * One line group's hunting state. `order()` is a pure look at the state;
 * `seized()` records that a call took a line (round robin moves on, least
 * recently used remembers it). The bridge calls order(), tries the lines in
 * turn, and calls seized() for the one that took the call.
 */
export class LineHunt {
  /** Index of the line after the last one seized (round robin). */
  private next = 0;
  /** Use counter per line (least recently used); never-used lines have 0. */
  private readonly lastUse = new Map<string, number>();
  private uses = 0;

  constructor(
    readonly lines: readonly string[],
    readonly strategy: HuntStrategy = 'first-free',
    private readonly random: () => number = Math.random,
  ) {}

  /** Lines with a free channel, in the order this strategy tries them. */
  order(freeChannels: (line: string) => number): string[] {
    const free = this.lines.filter((l) => freeChannels(l) > 0);
    switch (this.strategy) {
      case 'first-free':
        return free;
      case 'round-robin': {
        const n = this.lines.length;
        const rotated = this.lines.map((_, i) => this.lines[(this.next + i) % n]!);
        return rotated.filter((l) => freeChannels(l) > 0);
      }
      case 'least-recently-used':
        // Stable sort: among lines never used, configuration order.
        return [...free].sort((a, b) => (this.lastUse.get(a) ?? 0) - (this.lastUse.get(b) ?? 0));
      case 'random': {
        const out = [...free];
        for (let i = out.length - 1; i > 0; i--) {
          const j = Math.floor(this.random() * (i + 1));
          [out[i], out[j]] = [out[j]!, out[i]!];
        }
        return out;
      }
    }
  }

  /** The line to try first, or null when every line of the group is busy. */
  pick(freeChannels: (line: string) => number): string | null {
    return this.order(freeChannels)[0] ?? null;
  }

  /** Records that `line` took a call. */
  seized(line: string): void {
    const i = this.lines.indexOf(line);
    if (i < 0) return;
    this.next = (i + 1) % this.lines.length;
    this.lastUse.set(line, ++this.uses);
  }
}
