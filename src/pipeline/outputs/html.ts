/**
 * report.html: one self-contained page to act on: counts, the priority queue with its reasons, flags and
 * each file's reason for being in its bundle, related bundles, errors.
 * Safety: no images, no external resources (a strict Content-Security-Policy allows only the page's own
 * inline style and script, by hash); the only links are in-page anchors from a bundle to its related
 * bundles (href="#b-…", ids the writer made); every piece of text from the scan (paths, URLs, notes,
 * reporter names: attacker-controlled) is HTML-escaped; URLs are shown as text, never as links, so no
 * click opens reported content. The table is plain HTML, readable with JavaScript disabled; the script
 * only adds filters (tier, known/unknown, text search) over data embedded as JSON, and clears them when a
 * related-bundle link points at a row they hide.
 */
import { createHash } from 'node:crypto';
import { escapeJsonControls, showControls } from '../../tabular/controls.js';
import { compareKnown, compareSeen } from '../../policy/priority.js';
import { contentStatus } from '../known-rating.js';
import type { Bundle, Report, ScanItem } from '../types.js';
import { knownSummary } from './csv.js';
import { allErrors, failedFiles, itemsByIndex, memberRecords, queue, scanCounts } from './records.js';
import type { ScanData } from './types.js';

/** Options of the HTML writer. */
export interface HtmlOptions {
  /** Largest number of queue rows rendered (the rest is in bundles.csv / bundles.ndjson); default 5000. */
  readonly maxRows?: number;
  /** Largest number of reports listed per bundle; default 50. */
  readonly maxReportsPerBundle?: number;
  /** Largest number of errors listed; default 1000. */
  readonly maxErrors?: number;
}

/** Text made safe for HTML element content and quoted attribute values, control characters shown as markers like <U+202E>. */
export function escapeHtml(text: string): string {
  return showControls(text).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** JSON that is safe inside a <script> element: `<`, `>`, `&`, line separators and control characters escaped as \uXXXX. */
export function jsonForScript(value: unknown): string {
  return escapeJsonControls(JSON.stringify(value)).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

const e = escapeHtml;

const STYLE = `
:root{--bg:#f4f5f7;--fg:#1a1d21;--muted:#5c6570;--card:#fff;--line:#d8dce2;--row:#fafbfc;--accent:#0b57d0;
--t0:#b3261e;--t0bg:#fde8e6;--t1:#a04c00;--t1bg:#fff0dd;--t2:#1f5fa8;--t2bg:#e4eefb;--t3:#5c6570;--t3bg:#eceef1;--known:#6a1b9a;--knownbg:#f3e5f5}
@media (prefers-color-scheme:dark){:root{--bg:#14171a;--fg:#e4e7ea;--muted:#9aa3ad;--card:#1d2125;--line:#343b43;--row:#191c20;--accent:#8ab4f8;
--t0:#ff8a80;--t0bg:#4a1714;--t1:#ffb561;--t1bg:#45290a;--t2:#8ab4f8;--t2bg:#142a47;--t3:#b0b8c1;--t3bg:#2a2f35;--known:#e1a8ff;--knownbg:#3b1748}}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans",sans-serif}
header,main,footer{max-width:1500px;margin:0 auto;padding:0 20px}
header{padding-top:18px}
h1{font-size:22px;margin:0 0 4px}
h2{font-size:17px;margin:26px 0 10px}
.meta{color:var(--muted);font-size:12.5px;margin:0 0 10px;overflow-wrap:anywhere}
.meta b{color:var(--fg);font-weight:600}
.notice{display:inline-block;margin:4px 0 0;padding:6px 10px;border-radius:6px;background:var(--card);border:1px solid var(--line);font-size:12.5px;color:var(--muted)}
.cards{display:flex;flex-wrap:wrap;gap:10px;margin-top:16px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 14px;min-width:128px}
.card .n{font-size:24px;font-weight:700;line-height:1.1}
.card .l{color:var(--muted);font-size:12px}
.card.bad .n{color:var(--t0)}
.card.tier{border-left-width:6px}
.t0{--tc:var(--t0);--tb:var(--t0bg)}.t1{--tc:var(--t1);--tb:var(--t1bg)}.t2{--tc:var(--t2);--tb:var(--t2bg)}.t3,.tx{--tc:var(--t3);--tb:var(--t3bg)}
.card.tier{border-left-color:var(--tc)}.card.tier .n{color:var(--tc)}
.badge{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;font-weight:600;white-space:nowrap;background:var(--tb,var(--t3bg));color:var(--tc,var(--fg))}
.badge.known{background:var(--knownbg);color:var(--known)}
.badge.warn{background:var(--t1bg);color:var(--t1)}
.badge.plain{background:var(--t3bg);color:var(--muted);font-weight:500}
#filters{display:flex;flex-wrap:wrap;align-items:center;gap:8px 14px;background:var(--card);border:1px solid var(--line);border-radius:8px;padding:10px 12px;margin-bottom:10px}
#filters[hidden]{display:none}
#filters label{cursor:pointer;user-select:none}
#filters .chip{display:inline-flex;align-items:center;gap:5px;padding:3px 9px;border-radius:14px;background:var(--tb);color:var(--tc);font-weight:600;font-size:13px}
#filters select,#filters input[type=search]{font:inherit;padding:4px 8px;border:1px solid var(--line);border-radius:6px;background:var(--bg);color:var(--fg)}
#filters input[type=search]{min-width:280px;flex:1}
#f-shown{color:var(--muted);font-size:12.5px;margin-left:auto}
.tablewrap{overflow-x:auto;background:var(--card);border:1px solid var(--line);border-radius:8px}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;vertical-align:top;padding:8px 10px;border-bottom:1px solid var(--line)}
thead th{position:sticky;top:0;background:var(--card);font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);z-index:1}
tbody tr:nth-child(even){background:var(--row)}
tbody tr[hidden]{display:none}
td.rank{color:var(--muted);font-variant-numeric:tabular-nums}
tr.q td:first-child{border-left:5px solid var(--tc)}
td.score{font-size:18px;font-weight:700;font-variant-numeric:tabular-nums;color:var(--tc)}
ul{margin:0;padding:0;list-style:none}
.reasons li{display:grid;grid-template-columns:42px 1fr;margin:0 0 4px}
.pts{text-align:right;padding-right:8px;font-weight:700;font-variant-numeric:tabular-nums;color:var(--tc)}
.sig{font-weight:600}
.detail{color:var(--muted)}
.mono,.path{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:12.5px}
.path{overflow-wrap:anywhere;word-break:break-all}
.small{font-size:12px;color:var(--muted)}
details{margin-top:4px}
summary{cursor:pointer;color:var(--accent);font-size:12.5px}
.rep{margin:4px 0 0;padding:4px 0 0;border-top:1px dashed var(--line);font-size:12.5px;overflow-wrap:anywhere}
.rep .k{color:var(--muted)}
col.c-reasons{width:36%}col.c-known{width:17%}col.c-files{width:22%}
.bid{margin-top:6px;font-size:11.5px;color:var(--muted)}
#none{padding:14px;color:var(--muted)}
tr.q:target td{background:var(--t2bg)}
.flags{margin:0 0 6px}
.flags li{margin:0 0 4px}
.members li{margin:0 0 6px}
.why{font-size:12px;color:var(--muted);overflow-wrap:anywhere}
.own{font-size:12px;overflow-wrap:anywhere}
.related a{color:var(--accent)}
footer{color:var(--muted);font-size:12px;padding-bottom:30px}
footer dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px}
footer dt{font-weight:600}
footer dd{margin:0}
`;

const SCRIPT = `
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('scan-data').textContent);
  var rows = Array.prototype.slice.call(document.querySelectorAll('#queue tbody tr[data-i]'));
  var form = document.getElementById('filters');
  var tiers = Array.prototype.slice.call(form.querySelectorAll('input[name="tier"]'));
  var status = document.getElementById('f-status');
  var text = document.getElementById('f-text');
  var shown = document.getElementById('f-shown');
  var none = document.getElementById('none');
  function apply() {
    var on = {};
    tiers.forEach(function (b) { if (b.checked) on[b.value] = true; });
    var st = status.value;
    var terms = text.value.toLowerCase().split(/\\s+/).filter(function (t) { return t !== ''; });
    var n = 0;
    rows.forEach(function (tr) {
      var r = data.rows[Number(tr.getAttribute('data-i'))];
      var ok = on[r.tier] === true && (st === 'all' || st === r.status) &&
        terms.every(function (t) { return r.text.indexOf(t) !== -1; });
      tr.hidden = !ok;
      if (ok) n++;
    });
    shown.textContent = n + ' of ' + rows.length + ' bundles shown';
    none.hidden = n !== 0;
  }
  function reveal() {
    var id = decodeURIComponent(location.hash.slice(1));
    var target = id === '' ? null : document.getElementById(id);
    if (target === null || !target.hidden) return;
    tiers.forEach(function (b) { b.checked = true; });
    status.value = 'all';
    text.value = '';
    apply();
    target.scrollIntoView();
  }
  window.addEventListener('hashchange', reveal);
  tiers.forEach(function (b) { b.addEventListener('change', apply); });
  status.addEventListener('change', apply);
  text.addEventListener('input', apply);
  form.addEventListener('submit', function (ev) { ev.preventDefault(); });
  form.hidden = false;
  apply();
  reveal();
})();
`;

function cspHash(source: string): string {
  return `'sha256-${createHash('sha256').update(source, 'utf8').digest('base64')}'`;
}

/** The Content-Security-Policy of the page: nothing but its own inline style and script (by hash). */
export const REPORT_CSP = [
  "default-src 'none'",
  `style-src ${cspHash(STYLE)}`,
  `script-src ${cspHash(SCRIPT)}`,
  "img-src 'none'",
  "media-src 'none'",
  "font-src 'none'",
  "connect-src 'none'",
  "frame-src 'none'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

/** "2025-03-10T11:58:07.123Z" → "2025-03-10 11:58:07Z"; other text unchanged. */
function when(iso: string | null): string {
  if (iso === null) return '—';
  return iso.replace(/^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/, '$1 $2Z');
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function tierClass(tier: string, tiers: readonly string[]): string {
  const i = tiers.indexOf(tier);
  return i >= 0 && i < 4 ? `t${i}` : i >= 0 ? 't3' : 'tx';
}

/** Short labels of the policy's factor keys, for people; unknown keys are shown with spaces. */
const FACTOR_LABELS: Readonly<Record<string, string>> = {
  known_match: 'known match',
  known_severity: 'severity',
  victim_not_identified: 'victim not identified',
  new_content_many_reporters: 'new content, many reporters',
  distinct_reporters: 'reporters',
  report_volume: 'reports',
  hosted_urls: 'online at URLs',
  recency: 'recent',
  previously_seen: 'seen before',
  escalation_requested: 'escalation requested',
  unprocessed_files: 'files not processed',
  perceptual_hash_unusable: 'check by hand',
  known_non_pertinent: 'known non-pertinent only',
};

/** True for a bundle of reports that give a URL but no file (nothing to hash: the page must be checked). */
function urlOnly(b: Bundle): boolean {
  return b.items.length === 0 && b.hosts.length > 0;
}

/** Flags first (a badge each: "check by hand" for unusable perceptual hashes), then the scored reasons. */
function reasonsCell(b: Bundle): string {
  const flags =
    b.flags.length === 0
      ? ''
      : `<ul class="flags">${b.flags
          .map(
            (f) =>
              `<li data-flag="${e(f.flag)}"><span class="badge warn">${f.flag === 'perceptual_hash_unusable' ? 'check by hand' : 'files far apart'}</span> <span class="sig">${e(f.flag)}</span> <span class="detail">${e(f.detail)}</span></li>`,
          )
          .join('')}</ul>`;
  return flags + scoredReasons(b);
}

function scoredReasons(b: Bundle): string {
  if (b.priority.reasons.length === 0) return '<span class="small">no signal fired</span>';
  const label = (factor: string): string =>
    factor === 'unprocessed_files' && urlOnly(b) ? 'URL only, no file' : (FACTOR_LABELS[factor] ?? factor.replace(/_/g, ' '));
  const items = b.priority.reasons.map(
    (r) =>
      `<li><span class="pts">${r.points >= 0 ? '+' : '−'}${Math.abs(r.points)}</span><span><span class="sig" title="${e(r.factor)}">${e(label(r.factor))}</span> <span class="detail">${e(r.detail)}</span></span></li>`,
  );
  return `<ul class="reasons">${items.join('')}</ul>`;
}

function knownCell(b: Bundle): string {
  if (b.known.length === 0) return '<span class="badge plain">unknown content</span>';
  const known = [...b.known].sort(compareKnown);
  const onlyNonPertinent = b.priority.reasons.some((r) => r.factor === 'known_non_pertinent');
  const victim = onlyNonPertinent ? '' : known.some((k) => k.victimIdentified === false)
    ? ' <span class="badge warn">victim not identified</span>'
    : known.some((k) => k.victimIdentified === true)
      ? ' <span class="badge plain">victim identified</span>'
      : '';
  const first = `<div>${e(knownSummary(known[0]))}</div>`;
  const more =
    known.length > 1
      ? `<details><summary>${plural(known.length - 1, 'more match', 'more matches')}</summary><ul>${known
          .slice(1)
          .map((k) => `<li>${e(knownSummary(k))}</li>`)
          .join('')}</ul></details>`
      : '';
  const badge = onlyNonPertinent
    ? '<span class="badge plain" title="only matches lists of known non-pertinent (innocent) files">known non-pertinent</span>'
    : '<span class="badge known">known</span>';
  return `<div>${badge}${victim}</div>${first}${more}`;
}

function reportsCell(b: Bundle, reports: ReadonlyMap<string, Report>, max: number, ranks: ReadonlyMap<string, number>): string {
  const parts: string[] = [];
  const reporters = b.distinctReporters;
  parts.push(b.reportIds.length === 0 ? '<div class="small">no reports</div>' : `<div>${plural(b.reportIds.length, 'report')} · ${plural(reporters, 'reporter')}</div>`);
  const badges: string[] = [];
  if (b.escalated) badges.push('<span class="badge warn">escalation requested</span>');
  if (b.seen.length > 0) {
    const s = [...b.seen].sort(compareSeen)[0];
    badges.push(`<span class="badge plain" title="${e(`first seen by scan ${s.scan} at ${s.firstSeenAt}`)}">seen before: ${e(s.scan)}</span>`);
  }
  if (badges.length > 0) parts.push(`<div>${badges.join(' ')}</div>`);
  if (b.hosts.length > 0) parts.push(`<div class="small">hosts: <span class="mono">${e(b.hosts.join(', '))}</span></div>`);
  if (b.related.length > 0) parts.push(relatedList(b, ranks, max));
  if (b.firstSeen !== null || b.lastSeen !== null)
    parts.push(
      b.firstSeen === b.lastSeen
        ? `<div class="small">received ${e(when(b.firstSeen))}</div>`
        : `<div class="small">first ${e(when(b.firstSeen))}<br>last ${e(when(b.lastSeen))}</div>`,
    );
  if (b.reportIds.length > 0) {
    const listed = b.reportIds.slice(0, max).map((id) => {
      const r = reports.get(id);
      if (!r) return `<div class="rep"><span class="mono">${e(id)}</span></div>`;
      const field = (k: string, v: string | null) => (v === null || v === '' ? '' : `<br><span class="k">${k}:</span> ${e(v)}`);
      return (
        `<div class="rep"><span class="mono">${e(r.reportId)}</span>` +
        field('received', r.receivedAt === null ? null : when(r.receivedAt)) +
        field('reporter', r.reporter) +
        field('channel', r.channel) +
        field('platform', r.platform) +
        (r.url === null ? '' : `<br><span class="k">url (text, not a link):</span> <span class="mono">${e(r.url)}</span>`) +
        field('notes', r.notes) +
        (r.escalate ? '<br><span class="badge warn">escalate</span>' : '') +
        `</div>`
      );
    });
    const rest = b.reportIds.length > max ? `<div class="small">… and ${b.reportIds.length - max} more in bundles.ndjson</div>` : '';
    parts.push(`<details><summary>report details</summary>${listed.join('')}${rest}</details>`);
  }
  return parts.join('');
}

/**
 * The bundles sharing a report or URL with this one: in-page links to the rendered ones (by rank), plain
 * ids for the ones beyond the rendered rows.
 */
function relatedList(b: Bundle, ranks: ReadonlyMap<string, number>, max: number): string {
  const items = b.related.slice(0, max).map((r) => {
    const rank = ranks.get(r.id);
    const via = [...r.reportIds.map((id) => `report ${id}`), ...r.urls.map((u) => `URL ${u}`)].join(', ');
    const target =
      rank === undefined
        ? `<span class="mono">${e(r.id)}</span> (not shown here: see bundles.ndjson)`
        : `<a href="#${e(r.id)}">#${rank} <span class="mono">${e(r.id)}</span></a>`;
    return `<li>${target} <span class="why">same ${e(via)}</span></li>`;
  });
  const rest =
    b.related.length > max || b.relatedTruncated ? `<li class="small">… and more${b.related.length > max ? ' in bundles.ndjson' : ''}</li>` : '';
  return `<div class="related"><div class="small">related bundles (other pictures, same report or URL): ${b.related.length}${b.relatedTruncated ? '+' : ''}</div><ul>${items.join('')}${rest}</ul></div>`;
}

/** One member: its path, how it joined, low quality, and its own known matches. */
function memberItem(m: ReturnType<typeof memberRecords>[number]): string {
  const own =
    m.known.length === 0
      ? ''
      : `<div class="own">own match${m.known.length === 1 ? '' : 'es'}: ${m.known.map((k) => e(knownSummary(k))).join('; ')}</div>`;
  const low = m.lowQuality ? ' <span class="badge plain">low-quality perceptual hash</span>' : '';
  return `<li data-join="${e(m.joined.kind)}"><div class="path">${e(m.path)}</div><div class="why">${e(m.reason)}${low}</div>${own}</li>`;
}

function filesCell(b: Bundle, byIndex: ReadonlyMap<number, ScanItem>): string {
  if (urlOnly(b))
    return `<div><span class="badge warn">URL only</span></div><div class="small">the reports give a URL and no file: check the page by hand</div><div class="bid">bundle <span class="mono">${e(b.id)}</span></div>`;
  if (b.items.length === 0)
    return `<div><span class="badge warn">no files</span></div><div class="small">none of the files its reports name could be read: check by hand</div><div class="bid">bundle <span class="mono">${e(b.id)}</span></div>`;
  const failed = failedFiles(b, byIndex);
  const failedNote =
    failed.length === 0
      ? ''
      : `<div><span class="badge warn">${failed.length} of ${b.items.length} not processed</span></div><ul>${failed
          .slice(0, 3)
          .map((f) => `<li class="small"><span class="path">${e(f.path)}</span> <span class="mono">${e(f.code)}</span>: ${e(f.message)}</li>`)
          .join('')}</ul>${failed.length > 3 ? `<div class="small">… and ${failed.length - 3} more in bundles.ndjson</div>` : ''}`;
  const members = memberRecords(b, byIndex);
  const head = members.slice(0, 3).map(memberItem);
  const rest =
    members.length > 3
      ? `<details><summary>${plural(members.length - 3, 'more file')}</summary><ul class="members">${members.slice(3).map(memberItem).join('')}</ul></details>`
      : '';
  return `<div class="small">${plural(b.items.length, 'file')}</div>${failedNote}<ul class="members">${head.join('')}</ul>${rest}<div class="bid">bundle <span class="mono">${e(b.id)}</span></div>`;
}

/** Lowercased text the search box looks in: everything a person might type to find a bundle. */
function searchText(b: Bundle, reports: ReadonlyMap<string, Report>): string {
  const parts: string[] = [b.id, b.priority.tier, ...b.paths, ...b.reportIds, ...b.reporters, ...b.urls, ...b.hosts];
  for (const f of b.flags) parts.push(f.flag, f.detail, f.flag === 'perceptual_hash_unusable' ? 'check by hand' : '');
  for (const k of b.known) parts.push(k.list, k.category ?? '', k.categoryName ?? '', k.series ?? '', k.signal);
  for (const s of b.seen) parts.push(s.scan);
  for (const r of b.priority.reasons) parts.push(r.factor, r.detail);
  for (const id of b.reportIds) {
    const r = reports.get(id);
    if (r) parts.push(r.channel ?? '', r.platform ?? '', r.notes ?? '');
  }
  return parts.filter((p) => p !== '').join('\n').toLowerCase();
}

/** The whole page. Pure: the same data gives the same bytes. */
export function reportHtml(data: ScanData, options: HtmlOptions = {}): string {
  const maxRows = options.maxRows ?? 5000;
  const maxReports = options.maxReportsPerBundle ?? 50;
  const maxErrors = options.maxErrors ?? 1000;
  const tiers = data.priorityPolicy.tiers.map((t) => t.name);
  const counts = scanCounts(data);
  const ordered = queue(data.bundles, data.priorityPolicy);
  const rendered = ordered.slice(0, maxRows);
  const reports = new Map(data.reports.map((r) => [r.reportId, r] as const));
  const byIndex = itemsByIndex(data.items);
  const ranks = new Map(rendered.map(({ rank, bundle }) => [bundle.id, rank] as const));
  const errors = allErrors(data);
  const errorTotal = errors.length;

  const card = (n: number, label: string, cls = '') => `<div class="card ${cls}"><div class="n">${n}</div><div class="l">${e(label)}</div></div>`;
  const tierCards = Object.entries(counts.bundlesByTier).map(([name, n]) => {
    const def = data.priorityPolicy.tiers.find((t) => t.name === name);
    return `<div class="card tier ${tierClass(name, tiers)}"${def?.meaning ? ` title="${e(def.meaning)}"` : ''}><div class="n">${n}</div><div class="l">${e(name)}</div></div>`;
  });

  const rows = rendered.map(({ rank, bundle: b }, i) => {
    const tc = tierClass(b.priority.tier, tiers);
    return (
      `<tr class="q ${tc}" id="${e(b.id)}" data-i="${i}" data-id="${e(b.id)}">` +
      `<td class="rank">${rank}</td>` +
      `<td><span class="badge">${e(b.priority.tier)}</span></td>` +
      `<td class="score">${b.priority.score}</td>` +
      `<td>${reasonsCell(b)}</td>` +
      `<td>${knownCell(b)}</td>` +
      `<td>${reportsCell(b, reports, maxReports, ranks)}</td>` +
      `<td>${filesCell(b, byIndex)}</td>` +
      `</tr>`
    );
  });

  const json = {
    format: 'hashtriage-report/1',
    rows: rendered.map(({ bundle: b }) => ({
      tier: b.priority.tier,
      status: contentStatus(b.known),
      text: searchText(b, reports),
    })),
  };

  const tierChecks = Object.keys(counts.bundlesByTier).map(
    (name) =>
      `<label class="chip ${tierClass(name, tiers)}"><input type="checkbox" name="tier" value="${e(name)}" checked> ${e(name)} (${counts.bundlesByTier[name]})</label>`,
  );

  const truncated =
    ordered.length > rendered.length
      ? `<p class="small">Showing the ${rendered.length} most urgent of ${ordered.length} bundles; the full queue is in bundles.csv and bundles.ndjson.</p>`
      : '';

  const errorSection =
    errorTotal === 0
      ? '<h2>Errors</h2><p class="small">None: every input was processed.</p>'
      : `<h2>Errors (${errorTotal})</h2><div class="tablewrap"><table id="errors"><thead><tr><th>Where</th><th>Code</th><th>Problem</th></tr></thead><tbody>${errors
          .slice(0, maxErrors)
          .map((x) => `<tr><td class="path">${e(x.source)}</td><td class="mono">${e(x.code)}</td><td>${e(x.message)}</td></tr>`)
          .join('')}</tbody></table></div>${errorTotal > maxErrors ? `<p class="small">… and ${errorTotal - maxErrors} more in items.ndjson and audit.ndjson.</p>` : ''}`;

  const tierDefs = data.priorityPolicy.tiers
    .map((t, i, all) => {
      const range = i === all.length - 1 ? `below ${all[i - 1]?.minScore ?? '∞'}` : `score ≥ ${t.minScore}`;
      return `<dt>${e(t.name)}</dt><dd>${e(range)}${t.meaning ? ` · ${e(t.meaning)}` : ''}</dd>`;
    })
    .join('');

  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(REPORT_CSP)}">
<meta name="referrer" content="no-referrer">
<meta name="robots" content="noindex, nofollow">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>hashtriage scan report: ${e(data.scanLabel)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Scan report: ${e(data.scanLabel)}</h1>
<p class="meta"><b>${e(when(data.startedAt))}</b> → <b>${e(when(data.endedAt))}</b> · hashtriage ${e(data.toolVersion)} · index <span class="mono">${e(data.index.digest.slice(0, 16))}</span> · priority policy ${e(data.priorityPolicy.source)} <span class="mono">${e(data.priorityPolicy.digest.slice(0, 16))}</span>${data.severityPolicy ? ` · severity policy ${e(data.severityPolicy.source)} <span class="mono">${e(data.severityPolicy.digest.slice(0, 16))}</span>` : ''}</p>
<p class="notice">This report contains no images. Paths, URLs and notes are shown as text only; nothing here opens reported content.</p>
<div class="cards">
${card(counts.files, 'files scanned')}
${card(counts.filesFailed + counts.inputErrors, 'errors', counts.filesFailed + counts.inputErrors > 0 ? 'bad' : '')}
${card(counts.filesWithKnownMatch, 'files with known matches')}${counts.filesWithNonPertinentMatchOnly > 0 ? `\n${card(counts.filesWithNonPertinentMatchOnly, 'files known non-pertinent only')}` : ''}
${card(counts.reports, 'reports')}
${card(counts.bundles, 'bundles')}
${tierCards.join('\n')}
</div>
</header>
<main>
<section id="queue">
<h2>Priority queue (most urgent first)</h2>
<noscript><p class="small">Filters need JavaScript; the whole queue is listed below.</p></noscript>
<form id="filters" hidden>
${tierChecks.join('\n')}
<label>Content <select id="f-status"><option value="all">known and unknown</option><option value="known">known only</option><option value="known_non_pertinent">known non-pertinent only</option><option value="unknown">unknown only</option></select></label>
<input type="search" id="f-text" placeholder="Search paths, report ids, reporters, URLs, categories, reasons…" aria-label="Search the queue">
<span id="f-shown"></span>
</form>
${truncated}
<div class="tablewrap">
<table>
<colgroup><col><col><col><col class="c-reasons"><col class="c-known"><col><col class="c-files"></colgroup>
<thead><tr><th>#</th><th>Tier</th><th>Score</th><th>Why (points)</th><th>Known match</th><th>Reports</th><th>Files</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
<div id="none" hidden>No bundle matches the filters.</div>
${rows.length === 0 ? '<p id="empty" class="small">No bundles: nothing was scanned.</p>' : ''}
</div>
</section>
<section>
${errorSection}
</section>
</main>
<footer>
<h2>Tiers</h2>
<p>Tiers are hashtriage's own work queues, set by the priority policy; they are not NCMEC priority levels.</p>
<dl>${tierDefs}</dl>
<p>Each bundle's score is the sum of the points listed under "Why". Full records: bundles.ndjson, bundles.csv, items.ndjson; provenance: manifest.json, audit.ndjson.</p>
</footer>
<script type="application/json" id="scan-data">${jsonForScript(json)}</script>
<script>${SCRIPT}</script>
</body>
</html>
`;
}
