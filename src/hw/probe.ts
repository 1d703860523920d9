// What `sipline probe` reports: DAHDI spans and channels, serial ports.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';

type PortInfo = Awaited<ReturnType<typeof SerialPort.list>>[number];

export interface DahdiSpanReport {
  number: number;
  /** The span's first line in /proc/dahdi/N, e.g. 'Span 1: TE4/0/1 "T4XXP (PCI) Card 0 Span 1" (MASTER)'. */
  description: string;
  channels: number;
}

export interface ProbeReport {
  dahdi: { loaded: boolean; note: string; spans: DahdiSpanReport[] };
  serialPorts: { path: string; manufacturer?: string; vendorId?: string; productId?: string }[];
}

/** Reads /proc/dahdi; `procRoot` is a parameter so tests can point it at a fixture tree. */
export function probeDahdi(procRoot = '/proc/dahdi'): ProbeReport['dahdi'] {
  if (!existsSync(procRoot)) {
    return {
      loaded: false,
      note: 'no DAHDI driver loaded (no /proc/dahdi): no telephony card is usable here; the sim profiles run without one',
      spans: [],
    };
  }
  const spans = readdirSync(procRoot)
    .filter((n) => /^\d+$/.test(n))
    .map((n): DahdiSpanReport => {
      const lines = readFileSync(join(procRoot, n), 'utf8').split('\n');
      return {
        number: Number(n),
        description: lines[0]?.trim() ?? '',
        channels: lines.filter((l) => /^\s+\d+\s/.test(l)).length,
      };
    })
    .sort((a, b) => a.number - b.number);
  return {
    loaded: true,
    note: spans.length ? `${spans.length} DAHDI span(s)` : 'DAHDI driver loaded, but no spans are registered (no card, or its driver is not loaded)',
    spans,
  };
}

/** Serial devices by name when serialport's list (which asks udevadm) cannot run. */
function serialDevicesByName(): { path: string }[] {
  return readdirSync('/dev')
    .filter((n) => /^tty(USB|ACM)\d+$/.test(n))
    .map((n) => ({ path: `/dev/${n}` }));
}

export async function probe(): Promise<ProbeReport> {
  const ports = await SerialPort.list().catch(() => serialDevicesByName());
  return {
    dahdi: probeDahdi(),
    serialPorts: ports.map((p: Partial<PortInfo> & { path: string }) => ({
      path: p.path,
      ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
      ...(p.vendorId ? { vendorId: p.vendorId } : {}),
      ...(p.productId ? { productId: p.productId } : {}),
    })),
  };
}

export function formatProbe(r: ProbeReport): string {
  const out = ['DAHDI:', `  ${r.dahdi.note}`];
  for (const s of r.dahdi.spans) out.push(`  span ${s.number}: ${s.description} (${s.channels} channels)`);
  out.push('Serial ports:');
  if (!r.serialPorts.length) out.push('  none found');
  for (const p of r.serialPorts) out.push(`  ${p.path}${p.manufacturer ? ` (${p.manufacturer})` : ''}`);
  return out.join('\n') + '\n';
}
