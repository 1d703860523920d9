// What `sipline probe` reports: DAHDI spans and channels, serial ports.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SerialPort } from 'serialport';
import { loadHwProfiles, type HwProfile } from './hw-profile.js';

type PortInfo = Awaited<ReturnType<typeof SerialPort.list>>[number];

export interface DahdiSpanReport {
  number: number;
  /** The span's first line in /proc/dahdi/N, e.g. 'Span 1: TE4/0/1 "T4XXP (PCI) Card 0 Span 1" (MASTER)'. */
  description: string;
  channels: number;
  /** The span's channels as /proc/dahdi lists them: number, name and signalling/state text. */
  channelList?: { number: number; name: string; state: string }[];
  /** Name of the hw-profile whose match names appear in the description. */
  profile?: string;
}

/** A DAHDI device from /sys/bus/dahdi_devices/devices. */
export interface DahdiDeviceReport {
  id: string;
  manufacturer?: string;
  type?: string;
  hardwareId?: string;
  location?: string;
  spanCount?: number;
  profile?: string;
}

export interface ProbeReport {
  dahdi: { loaded: boolean; note: string; spans: DahdiSpanReport[]; devices?: DahdiDeviceReport[] };
  /** The emulated cards that run anywhere, by profile name and description. */
  simProfiles?: { name: string; description: string }[];
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
      const channelList = lines.flatMap((l) => {
        const m = /^\s+(\d+)\s+(\S+)\s*(.*)$/.exec(l);
        return m ? [{ number: Number(m[1]), name: m[2]!, state: m[3]!.trim() }] : [];
      });
      return {
        number: Number(n),
        description: lines[0]?.trim() ?? '',
        channels: channelList.length,
        channelList,
      };
    })
    .sort((a, b) => a.number - b.number);
  return {
    loaded: true,
    note: spans.length ? `${spans.length} DAHDI span(s)` : 'DAHDI driver loaded, but no spans are registered (no card, or its driver is not loaded)',
    spans,
  };
}

function readAttr(dir: string, name: string): string | undefined {
  try {
    const v = readFileSync(join(dir, name), 'utf8').trim();
    return v || undefined;
  } catch {
    return undefined;
  }
}

/** Reads /sys/bus/dahdi_devices/devices (DAHDI 2.6 and later); `sysRoot` is a parameter for fixture trees. */
export function probeDahdiDevices(sysRoot = '/sys/bus/dahdi_devices/devices'): DahdiDeviceReport[] {
  if (!existsSync(sysRoot)) return [];
  return readdirSync(sysRoot)
    .sort()
    .map((id) => {
      const dir = join(sysRoot, id);
      const d: DahdiDeviceReport = { id };
      const manufacturer = readAttr(dir, 'manufacturer');
      const type = readAttr(dir, 'type');
      const hardwareId = readAttr(dir, 'hardware_id');
      const location = readAttr(dir, 'location');
      const spanCount = readAttr(dir, 'span_count');
      if (manufacturer) d.manufacturer = manufacturer;
      if (type) d.type = type;
      if (hardwareId) d.hardwareId = hardwareId;
      if (location) d.location = location;
      if (spanCount && /^\d+$/.test(spanCount)) d.spanCount = Number(spanCount);
      return d;
    });
}

/** The first real-card profile one of whose match names (or driver) appears in the text. */
export function matchProfile(text: string, profiles: readonly HwProfile[]): HwProfile | undefined {
  const t = text.toLowerCase();
  return profiles.find((p) => p.backend === 'dahdi' && p.match && p.match.names.some((n) => t.includes(n.toLowerCase())));
}

/** Adds the matching profile to each span and device, and lists the sim profiles. */
export function withProfiles(report: ProbeReport, profiles: readonly HwProfile[]): ProbeReport {
  for (const s of report.dahdi.spans) {
    const p = matchProfile(s.description, profiles);
    if (p) s.profile = p.name;
  }
  for (const d of report.dahdi.devices ?? []) {
    const p = matchProfile(`${d.manufacturer ?? ''} ${d.type ?? ''}`, profiles);
    if (p) d.profile = p.name;
  }
  report.simProfiles = profiles.filter((p) => p.backend === 'sim').map((p) => ({ name: p.name, description: p.description }));
  return report;
}

/** Serial devices by name when serialport's list (which asks udevadm) cannot run. */
function serialDevicesByName(): { path: string }[] {
  return readdirSync('/dev')
    .filter((n) => /^tty(USB|ACM)\d+$/.test(n))
    .map((n) => ({ path: `/dev/${n}` }));
}

export async function probe(): Promise<ProbeReport> {
  const ports = await SerialPort.list().catch(() => serialDevicesByName());
  const dahdi = probeDahdi();
  dahdi.devices = probeDahdiDevices();
  return withProfiles({
    dahdi,
    serialPorts: ports.map((p: Partial<PortInfo> & { path: string }) => ({
      path: p.path,
      ...(p.manufacturer ? { manufacturer: p.manufacturer } : {}),
      ...(p.vendorId ? { vendorId: p.vendorId } : {}),
      ...(p.productId ? { productId: p.productId } : {}),
    })),
  }, loadHwProfiles());
}

export function formatProbe(r: ProbeReport): string {
  const out = ['DAHDI:', `  ${r.dahdi.note}`];
  for (const d of r.dahdi.devices ?? []) {
    out.push(`  device ${d.id}: ${[d.manufacturer, d.type].filter(Boolean).join(' ') || 'unknown'}${d.location ? ` at ${d.location}` : ''}${d.profile ? ` -> hw-profile ${d.profile}` : ''}`);
  }
  for (const s of r.dahdi.spans) {
    out.push(`  span ${s.number}: ${s.description} (${s.channels} channels)${s.profile ? ` -> hw-profile ${s.profile}` : ' (no matching hw-profile)'}`);
    for (const c of s.channelList ?? []) out.push(`    channel ${c.number}: ${c.name}${c.state ? ` ${c.state}` : ''}`);
  }
  out.push('Serial ports:');
  if (!r.serialPorts.length) out.push('  none found');
  for (const p of r.serialPorts) out.push(`  ${p.path}${p.manufacturer ? ` (${p.manufacturer})` : ''}`);
  if (r.simProfiles?.length) {
    out.push(r.dahdi.loaded ? 'Emulated cards (run without hardware):' : 'Emulated cards you can use instead (no hardware needed):');
    for (const p of r.simProfiles) out.push(`  ${p.name}: ${p.description}`);
  }
  return out.join('\n') + '\n';
}
