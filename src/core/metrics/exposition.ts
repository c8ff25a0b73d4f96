/**
 * The Prometheus text exposition format (version 0.0.4): `# HELP` and
 * `# TYPE` for every family, escaped label values, histograms as cumulative
 * `_bucket{le=...}` lines ending with `+Inf`, then `_sum` and `_count`.
 */
import type { Family, HistogramSample, Labels, Registry, ScalarSample } from './registry.ts';

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const escapeHelp = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n');
const escapeLabel = (s: string) => s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');

/** A sample value as Prometheus writes it. */
export function formatValue(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return '+Inf';
  if (v === -Infinity) return '-Inf';
  return String(v);
}

function labelText(labels: Labels, extra?: [string, string]): string {
  const parts: string[] = [];
  for (const k in labels) parts.push(`${k}="${escapeLabel(labels[k]!)}"`);
  if (extra) parts.push(`${extra[0]}="${escapeLabel(extra[1])}"`);
  return parts.length ? `{${parts.join(',')}}` : '';
}

function writeFamily(f: Family, out: string[]): void {
  out.push(`# HELP ${f.name} ${escapeHelp(f.help)}`, `# TYPE ${f.name} ${f.type}`);
  if (f.type !== 'histogram') {
    for (const s of f.samples() as ScalarSample[]) out.push(`${f.name}${labelText(s.labels)} ${formatValue(s.value)}`);
    return;
  }
  for (const h of f.samples() as HistogramSample[]) {
    let cum = 0;
    for (let i = 0; i < h.bounds.length; i++) {
      cum += h.counts[i]!;
      out.push(`${f.name}_bucket${labelText(h.labels, ['le', formatValue(h.bounds[i]!)])} ${cum}`);
    }
    out.push(`${f.name}_bucket${labelText(h.labels, ['le', '+Inf'])} ${h.count}`);
    out.push(`${f.name}_sum${labelText(h.labels)} ${formatValue(h.sum)}`);
    out.push(`${f.name}_count${labelText(h.labels)} ${h.count}`);
  }
}

/** Every family of `registry`, as exposition text ending in a newline. */
export function exposition(registry: Registry): string {
  const out: string[] = [];
  for (const f of registry.families()) writeFamily(f, out);
  return out.length ? `${out.join('\n')}\n` : '';
}
