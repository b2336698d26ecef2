/**
 * URL normalisation for grouping reports: two complaints that name the same page with cosmetic
 * differences (http or https, a leading "www." on the host, case of the host, default port, fragment,
 * trailing slash, tracking parameters, query order) get the same normalised string, and count as one
 * host. Pure functions, no network.
 */
import { isPlaceholder } from './placeholders.js';

/** Query parameters that only track where a click came from; dropped before grouping. */
const TRACKING_PARAMS = new Set([
  'fbclid',
  'gclid',
  'dclid',
  'gbraid',
  'wbraid',
  'msclkid',
  'yclid',
  'igshid',
  'mc_cid',
  'mc_eid',
  '_ga',
  '_gl',
  'ref_src',
  'ref_url',
  'si',
  'spm',
]);

/** True for a query parameter name that is dropped when grouping (utm_* and the names above, any case). */
export function isTrackingParam(name: string): boolean {
  const n = name.toLowerCase();
  return n.startsWith('utm_') || TRACKING_PARAMS.has(n);
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/**
 * A URL written "defanged", as abuse reports often carry them so that nobody clicks them by accident
 * (hxxps://evil[.]example/x, evil(.)example, evil[dot]example), in the form a browser would read. Only
 * the scheme and the host are changed: a path or query keeps "[.]" or "(.)" as written.
 */
export function refang(text: string): string {
  const scheme = /^h(?:xx|XX|\*\*|tt)p(s?)(?:\[:\]|:)(?:\/\/)?|^[a-z][a-z0-9+.-]*:\/\/|^\/\//i.exec(text);
  let rest = text;
  let head = '';
  if (scheme !== null) {
    const s = scheme[0];
    head = /^h(?:xx|XX|\*\*)p/i.test(s) || s.includes('[:]') ? `http${scheme[1] ?? ''}://` : s;
    rest = text.slice(s.length);
  }
  const end = rest.search(/[/?#]/);
  const host = end < 0 ? rest : rest.slice(0, end);
  const tail = end < 0 ? '' : rest.slice(end);
  return head + host.replace(/\[(?:\.|dot)\]|\((?:\.|dot)\)|\{(?:\.|dot)\}/gi, '.') + tail;
}

function parseLoose(raw: string): URL | null {
  const text = refang(raw);
  // Complaint forms often carry URLs without a scheme ("www.example.com/x"): read those as http.
  const candidate = SCHEME.test(text) && !/^[^/:]+:\d/.test(text) ? text : `http://${text.replace(/^\/\/+/, '')}`;
  try {
    return new URL(candidate);
  } catch {
    return null;
  }
}

/**
 * How a manifest's url value reads: 'none' for blank or a placeholder ("n/a", "none", "-" … the
 * PLACEHOLDER_VALUES reporters use too), 'not-url' for text with neither a scheme nor a dot ("notaurl",
 * "see attached"), else 'url'.
 */
export function urlKind(raw: string | null | undefined): 'none' | 'not-url' | 'url' {
  const text = refang((raw ?? '').trim());
  if (isPlaceholder(text)) return 'none';
  const schemed = SCHEME.test(text) && !/^[^/:]+:\d/.test(text);
  if (!schemed && !/^[^/?#]*\./.test(text.replace(/^\/\/+/, ''))) return 'not-url';
  return 'url';
}

/** A host as hosts are counted: lowercase, one leading "www." dropped ("WWW.Example.com" → "example.com"). */
export function normalizeHost(hostname: string): string {
  const h = hostname.toLowerCase();
  return h.startsWith('www.') && h.length > 4 ? h.slice(4) : h;
}

/**
 * Normalised form of a URL for grouping: http and https written as https (the same page over either),
 * host lowercase without a leading "www.", default port, credentials and fragment removed, tracking
 * parameters (utm_*, fbclid, …) removed, remaining query parameters sorted (stable for equal names),
 * trailing slash of the path removed; path case kept. Other schemes keep theirs. A text that does not
 * parse as a URL is returned trimmed (so identical strings still group); empty text gives null.
 */
export function normalizeUrl(raw: string | null | undefined): string | null {
  const text = refang((raw ?? '').trim());
  if (text === '') return null;
  const url = parseLoose(text);
  if (url === null || (url.protocol !== 'http:' && url.protocol !== 'https:' && url.host === '')) return text;
  url.hash = '';
  url.username = '';
  url.password = '';
  const params = [...url.searchParams.entries()].filter(([name]) => !isTrackingParam(name));
  params.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const query = new URLSearchParams(params).toString();
  let path = url.pathname;
  while (path.length > 1 && path.endsWith('/')) path = path.slice(0, -1);
  if (path === '/') path = '';
  // URL already lowercases scheme and host and drops the scheme's default port (url.port is then '').
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  const host = web ? `${normalizeHost(url.hostname)}${url.port === '' ? '' : `:${url.port}`}` : url.host;
  const authority = host === '' ? '' : `//${host}`;
  return `${web ? 'https:' : url.protocol}${authority}${path}${query === '' ? '' : `?${query}`}`;
}

/** Host name (no port) of a URL as hosts are counted (normalizeHost: lowercase, no leading "www."); null when there is none or the text is no URL (urlKind). */
export function hostOf(raw: string | null | undefined): string | null {
  const text = (raw ?? '').trim();
  if (urlKind(text) !== 'url') return null;
  const url = parseLoose(text);
  if (url === null || url.hostname === '') return null;
  return normalizeHost(url.hostname);
}

/**
 * The URLs in a cell that holds several, in order; empty when it holds at most one. Pages are separated
 * by white space or "|", or by ";" before a scheme or "www." outside a query (a query may hold ";").
 */
export function severalUrls(raw: string | null | undefined): string[] {
  const starts = /^(?:[a-z][a-z0-9+.-]*:\/\/|h(?:xx|XX)ps?(?:\[:\]|:)\/\/|www\.)/i;
  const parts: string[] = [];
  for (const token of (raw ?? '').split(/\s+|\s*\|\s*/)) {
    if (token === '') continue;
    let current = '';
    for (const piece of token.split(';')) {
      if (current !== '' && !current.includes('?') && starts.test(piece)) {
        parts.push(current);
        current = piece;
      } else current = current === '' ? piece : `${current};${piece}`;
    }
    if (current !== '') parts.push(current);
  }
  for (let i = 0; i < parts.length; i++) parts[i] = parts[i].replace(/;+$/, '');
  const urls = parts.filter((p) => urlKind(p) === 'url' && starts.test(p));
  return urls.length > 1 ? urls : [];
}
