/**
 * Human-readable rendering of the simulator's results: aligned tables, with colour only on a
 * terminal. Nothing here prints a secret: bodies pass through `redactBody`, credentials arrive masked.
 */
import type { Exchange } from './client';
import { type Finding, redactBody } from './judge';
import type { LifecycleReport, LifecycleStep } from './lifecycle';
import { type ProbeReport, quantile } from './probe';
import { PROTOCOL_INFO, type Protocol } from './protocols';

/** Colour helpers; identity functions when colour is off. */
export interface Style {
  ok(text: string): string;
  bad(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** A style with ANSI colours when `color` is true (a terminal without NO_COLOR). */
export function makeStyle(color: boolean): Style {
  const wrap = (open: number, close: number) => (text: string) =>
    color ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return { ok: wrap(32, 39), bad: wrap(31, 39), dim: wrap(2, 22), bold: wrap(1, 22) };
}

/** An ANSI colour sequence (ESC, `[`, parameters, `m`). */
const ANSI = new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g');

function visible(text: string): number {
  return text.replace(ANSI, '').length;
}

/** Renders rows as a left-aligned table (columns listed in `right` are right-aligned). */
export function renderTable(
  headers: string[],
  rows: string[][],
  right: ReadonlySet<number> = new Set(),
): string {
  const widths = headers.map((h, i) =>
    Math.max(visible(h), ...rows.map((r) => visible(r[i] ?? ''))),
  );
  const line = (cells: string[]) =>
    cells
      .map((c, i) => {
        const pad = ' '.repeat(Math.max(0, (widths[i] ?? 0) - visible(c)));
        return right.has(i) ? pad + c : c + pad;
      })
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

function ms(value: number): string {
  return String(Math.round(value));
}

function codes(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([code, n]) => `${code}×${n}`)
    .join(' ');
}

function findingLines(f: Finding, style: Style, indent: string, count?: number): string[] {
  const times = count !== undefined && count > 1 ? ` (×${count})` : '';
  return [
    `${indent}${style.bad(f.name)}${times}: ${f.message}`,
    `${indent}  ${style.dim('fix:')} ${f.fix}`,
  ];
}

/** The probe's summary table, each failing case's findings with their fixes, and the verdict. */
export function renderProbe(report: ProbeReport, url: string, style: Style): string {
  const rows = report.cases.map((c) => [
    c.id + (c.optional ? ' (O)' : ''),
    c.activity,
    String(c.runs),
    String(c.passed),
    codes(c.codes),
    ms(quantile(c.latenciesMs, 0.5)),
    ms(Math.max(0, ...c.latenciesMs)),
    c.notRun !== undefined
      ? style.bad('NOT RUN')
      : c.passed === c.runs
        ? style.ok('pass')
        : style.bad('FAIL'),
  ]);
  const purchasesFirst = report.cases.some((c) => report.instanceIds[c.id] !== undefined);
  const out = [
    style.bold(
      `koogallery-sim probe: ${report.suite.title} suite, ${report.cases.length} saved cases, each ${report.repeat}× in random order (seed ${report.seed}), testFlag "1"`,
    ),
    style.dim(
      `target ${url}, ${PROTOCOL_INFO[report.suite.protocol].title}${purchasesFirst ? ' (purchases run once more first, to learn their instanceIds)' : ''}`,
    ),
    '',
    renderTable(
      ['case', 'activity', 'runs', 'pass', 'result codes', 'p50 ms', 'max ms', 'result'],
      rows,
      new Set([2, 3, 5, 6]),
    ),
  ];
  const failing = report.cases.filter((c) => c.notRun !== undefined || c.passed < c.runs);
  if (failing.length > 0) out.push('');
  for (const c of failing) {
    out.push(style.bold(`${c.id} (${c.activity}):`));
    if (c.notRun !== undefined) out.push(`  ${style.bad('not run')}: ${c.notRun}`);
    for (const f of c.findings) out.push(...findingLines(f, style, '  ', f.count));
  }
  const calls = report.cases.reduce((n, c) => n + c.runs, 0);
  const passed = report.cases.reduce((n, c) => n + c.passed, 0);
  out.push(
    '',
    `${passed} of ${calls} calls passed in ${(report.totalMs / 1000).toFixed(1)} s: ${
      report.ok
        ? style.ok('PASS')
        : style.bad('FAIL (fix the findings above; KooGallery freezes sales after 5 failing days)')
    }`,
  );
  if (!report.ok) out.push(style.dim(`replay this order with --seed ${report.seed}`));
  return out.join('\n');
}

/** One lifecycle step as one line, plus its problems and findings below it. */
export function renderStep(step: LifecycleStep, style: Style): string {
  const mark = step.ok ? style.ok('ok  ') : style.bad('FAIL');
  const got = [...new Set(step.got)].join(',');
  const count = step.got.length > 1 ? `×${step.got.length}` : '';
  const lines = [
    `${mark} ${String(step.n).padStart(2)}  ${step.title.padEnd(50)} ${step.activity.padEnd(23)} ${`${got}${count}`.padEnd(12)} ${ms(step.ms).padStart(5)} ms${
      step.note ? `  ${style.dim(step.note)}` : ''
    }`,
  ];
  for (const p of step.problems) {
    lines.push(`        ${style.bad(p.message)}`, `          ${style.dim('fix:')} ${p.fix}`);
  }
  for (const f of step.findings) lines.push(...findingLines(f, style, '        '));
  return lines.join('\n');
}

/** The header line printed before the lifecycle's steps; `subject` is the order (License 2.0: code). */
export function renderLifecycleHeader(
  subject: string,
  url: string,
  style: Style,
  protocol: Protocol = 'v2',
  seed?: number,
): string {
  const story =
    protocol === 'license'
      ? `one real license code (${subject}, no testFlag) from its first notification to release`
      : `one real order (${subject}, no testFlag) from purchase to release`;
  return [
    style.bold(`koogallery-sim lifecycle: ${story}`),
    style.dim(
      `target ${url}, ${PROTOCOL_INFO[protocol].title}${seed !== undefined ? `, seed ${seed}` : ''}`,
    ),
    '',
  ].join('\n');
}

/** The invariants and the verdict printed after the lifecycle's steps. */
export function renderLifecycleSummary(report: LifecycleReport, style: Style): string {
  const out = ['', style.bold('invariants')];
  for (const inv of report.invariants) {
    const mark =
      inv.ok === true ? style.ok('ok  ') : inv.ok === false ? style.bad('FAIL') : style.dim('n/a ');
    out.push(`${mark} ${inv.name}: ${style.dim(inv.detail)}`);
  }
  const failed = report.steps.filter((s) => !s.ok).length;
  out.push(
    '',
    `${report.steps.length - failed} of ${report.steps.length} steps passed in ${(report.totalMs / 1000).toFixed(1)} s: ${
      report.ok ? style.ok('PASS') : style.bad('FAIL (see the fixes above)')
    }`,
  );
  if (!report.ok) out.push(style.dim(`replay this story with --seed ${report.seed}`));
  return out.join('\n');
}

/** The request URL with the signature (V2.0) or `authToken` (V1.0) replaced, for display. */
export function displayUrl(url: string): string {
  const u = new URL(url);
  if (u.searchParams.has('signature')) u.searchParams.set('signature', '<signature>');
  if (u.searchParams.has('authToken')) u.searchParams.set('authToken', '<authToken>');
  return u
    .toString()
    .replace('%3Csignature%3E', '<signature>')
    .replace('%3CauthToken%3E', '<authToken>');
}

/** The outcome of `send`: the request, the answer (credentials masked) and every check. */
export function renderExchange(ex: Exchange, style: Style): string {
  const { response: res, verdict } = ex;
  const out = [`${style.bold(ex.request.method)} ${displayUrl(ex.request.url)}`];
  if (ex.request.method === 'POST') out.push(`${style.dim('request')}  ${ex.request.body}`);
  if (res.error !== undefined) {
    out.push(`${style.dim('answer')}   none after ${ms(res.elapsedMs)} ms`);
  } else {
    out.push(
      `${style.dim('answer')}   HTTP ${res.status}, ${res.headers['content-type'] ?? 'no Content-Type'}, ${ms(res.elapsedMs)} ms`,
      `${style.dim('Body-Sign')} ${res.headers['body-sign'] ?? '(missing)'}`,
      `${style.dim('body')}     ${
        verdict.json
          ? JSON.stringify(redactBody(verdict.json))
          : res.body.toString('utf8').slice(0, 500)
      }`,
    );
  }
  for (const c of verdict.credentials) {
    out.push(`${style.dim('credential')} ${c.instanceId} ${c.field}: ${c.form}, ${c.masked}`);
  }
  if (verdict.license !== undefined) {
    const l = verdict.license;
    out.push(
      `${style.dim('license')}  ${
        l.verified === undefined
          ? 'present; not verified (no --license-public-key and no .data/license-public-key.pem)'
          : l.verified
            ? `verifies offline with the public key; expires ${l.expireTime ?? 'never'}${l.test ? '; marked test' : ''}`
            : 'does NOT verify with the public key'
      }`,
    );
  }
  if (verdict.ok) {
    out.push(
      '',
      `${style.ok('PASS')}: resultCode ${verdict.resultCode}; HTTP 200, JSON, lengths, mandatory fields, Body-Sign and answer time all as KooGallery requires`,
    );
  } else {
    out.push('', style.bad(`FAIL: ${verdict.findings.length} finding(s)`));
    for (const f of verdict.findings) out.push(...findingLines(f, style, '  '));
  }
  return out.join('\n');
}
