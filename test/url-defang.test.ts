/**
 * URLs as abuse reports carry them: defanged so nobody clicks them (hxxps://evil[.]example), or several
 * in one cell. A defanged URL groups and counts its host like the live one; a cell naming several pages
 * keeps the first as the report's page and says which others were not read.
 */
import { describe, expect, it } from 'vitest';
import { parseManifest } from '../src/pipeline/manifest.js';
import { hostOf, normalizeUrl, severalUrls } from '../src/pipeline/url.js';

describe('defanged URLs', () => {
  it('group with the live URL and count the same host', () => {
    for (const defanged of ['hxxps://evil[.]example/z', 'hXXp://www[.]Evil(.)example/z/', 'evil[dot]example/z', 'https[:]//evil{.}example/z']) {
      expect(normalizeUrl(defanged), defanged).toBe('https://evil.example/z');
      expect(hostOf(defanged), defanged).toBe('evil.example');
    }
  });

  it('are refanged in the scheme and host only: a path or query keeps what it says', () => {
    expect(normalizeUrl('https://x.example/wiki/Ellipsis_(.)')).toBe('https://x.example/wiki/Ellipsis_(.)');
    expect(normalizeUrl('evil[.]example/q?x=[dot]')).toBe('https://evil.example/q?x=%5Bdot%5D');
    expect(hostOf('http://[::1]:8080/x')).toBe('[::1]');
  });
});

describe('a url cell naming several pages', () => {
  it('is told apart from one URL with ";" or a space in it', () => {
    expect(severalUrls('https://a.example/x;https://b.example/y')).toEqual(['https://a.example/x', 'https://b.example/y']);
    expect(severalUrls('https://a.example/x | www.b.example/y\nhxxps://c[.]example')).toEqual(['https://a.example/x', 'www.b.example/y', 'hxxps://c[.]example']);
    expect(severalUrls('https://a.example/x?q=1;2')).toEqual([]);
    // inside a query, ";" belongs to the URL
    expect(severalUrls('https://ex.com/p?a=1;https://other.com/')).toEqual([]);
    expect(severalUrls('https://example.com/a b')).toEqual([]);
    expect(severalUrls(null)).toEqual([]);
  });

  it('in a manifest: the first is the report page, and a row warning names the others', () => {
    const m = parseManifest('report_id,url\nR1,"https://a.example/x; https://b.example/y"\nR2,https://c.example/z\n', 'm.csv', '/case');
    expect(m.reports.map((r) => [r.reportId, r.url, r.normalizedUrl])).toEqual([
      ['R1', 'https://a.example/x', 'https://a.example/x'],
      ['R2', 'https://c.example/z', 'https://c.example/z'],
    ]);
    expect(m.errors).toEqual([
      { source: 'm.csv:2', code: 'BAD_ROW', message: 'report R1: the url cell names 2 URLs; only the first (https://a.example/x) is read as its page, not https://b.example/y: give each page a report of its own' },
    ]);
  });
});
