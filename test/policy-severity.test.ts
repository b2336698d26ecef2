import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_PATH, loadSeverityPolicy, nonPertinentLabels, rateCategory, severityOf, UNMAPPED_SCHEME } from '../src/policy/severity.js';

const dir = mkdtempSync(join(tmpdir(), 'hashtriage-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, content: string): string => {
  const p = join(dir, name);
  writeFileSync(p, content, { mode: 0o600 });
  return p;
};

describe('severity policy', () => {
  const shipped = loadSeverityPolicy();

  it('loads the shipped defaults from the repository policy folder', () => {
    expect(shipped.path).toBe(DEFAULT_POLICY_PATH);
    expect([...shipped.schemes.keys()]).toEqual(['ncmec', 'caid', 'projectvic']);
  });

  it('ranks the NCMEC industry scale with A before B and 1 before 2, whatever the spelling', () => {
    const rank = (l: string) => severityOf(shipped, l);
    expect(rank('A1')).toBeLessThan(rank('A2')!);
    expect(rank('A1')).toBeLessThan(rank('B1')!);
    expect(rank('B1')).toBeLessThan(rank('B2')!);
    expect(rank('A2')).toBeLessThan(rank('B2')!);
    for (const spelling of ['a1', ' A1 ', 'a-1', 'Category A1']) expect(rank(spelling)).toBe(rank('A1'));
  });

  it('ranks UK CAID categories A < B < C in their usual spellings', () => {
    for (const [label, same] of [
      ['Cat A', 'A'],
      ['Category B', 'B'],
      ['CAT-C', 'c'],
      ['category_a', 'A'],
    ]) {
      expect(severityOf(shipped, label)).toBe(severityOf(shipped, same));
      expect(severityOf(shipped, label)).not.toBeNull();
    }
    expect(severityOf(shipped, 'Cat A')).toBeLessThan(severityOf(shipped, 'Cat B')!);
    expect(severityOf(shipped, 'Cat B')).toBeLessThan(severityOf(shipped, 'Cat C')!);
  });

  it('maps Project VIC 1 as child abuse material, 2 and 3 below it, and 0, 4, 5, 6 to no severity', () => {
    expect(severityOf(shipped, '1', 'projectvic')).toBe(severityOf(shipped, 'A1'));
    expect(severityOf(shipped, '2', 'projectvic')).toBeGreaterThan(severityOf(shipped, '1', 'projectvic')!);
    expect(severityOf(shipped, '3', 'projectvic')).toBeGreaterThan(severityOf(shipped, '1', 'projectvic')!);
    for (const l of ['0', '4', '5', '6', 'CAT-0']) expect(severityOf(shipped, l, 'projectvic')).toBeNull();
  });

  it('gives null for empty or unknown labels and keeps schemes apart when one is named', () => {
    expect(severityOf(shipped, null)).toBeNull();
    expect(severityOf(shipped, '   ')).toBeNull();
    expect(severityOf(shipped, 'Z9')).toBeNull();
    expect(severityOf(shipped, 'A1', 'caid')).toBeNull();
    expect(severityOf(shipped, 'A', 'caid')).not.toBeNull();
    expect(() => severityOf(shipped, 'A', 'unknown-scheme')).toThrow(/unknown category scheme "unknown-scheme"/);
  });

  it('lets a user file replace the defaults, with aliases, shorthand ranks and its own inference order', () => {
    const p = write(
      'custom.json',
      JSON.stringify({
        format: 'hashtriage-severity-policy',
        version: 1,
        infer: ['unit'],
        schemes: {
          unit: { prefixes: ['level'], labels: { red: { severity: 1, aliases: ['critical'] }, amber: 2, green: null } },
          ncmec: { labels: { A1: 7 } },
        },
      }),
    );
    const custom = loadSeverityPolicy(p);
    expect(severityOf(custom, 'Critical')).toBe(1);
    expect(severityOf(custom, 'Level Amber')).toBe(2);
    expect(severityOf(custom, 'green')).toBeNull();
    expect(severityOf(custom, 'A1')).toBeNull(); // ncmec is not in this policy's inference order
    expect(severityOf(custom, 'A1', 'ncmec')).toBe(7);
  });

  it('marks Project VIC 4 (exemplar) and 5 (non-pertinent) as known-innocent labels, in every spelling the lookup accepts', () => {
    const labels = nonPertinentLabels(shipped);
    for (const l of ['4', '5', 'cat5', 'category4']) expect(labels.has(l), l).toBe(true);
    // abuse-material ranks and "not yet reviewed" stay pertinent
    for (const l of ['0', '1', '2', '3', '6', 'a1', 'cata', 'a']) expect(labels.has(l), l).toBe(false);
    expect(severityOf(shipped, 'Cat 5')).toBeNull();
  });

  it('lets a user file mark its own labels non-pertinent, and never a label an earlier inferred scheme ranks', () => {
    const p = write(
      'pertinence.json',
      JSON.stringify({
        infer: ['mine', 'other'],
        schemes: {
          mine: { prefixes: ['cat'], labels: { X: 1, Innocent: { severity: null, pertinent: false, aliases: ['benign'] } } },
          other: { labels: { X: { severity: null, pertinent: false } } },
        },
      }),
    );
    const labels = nonPertinentLabels(loadSeverityPolicy(p));
    expect([...labels].sort()).toEqual(['benign', 'catbenign', 'catinnocent', 'innocent']);
  });

  it('rejects invalid policy files with the path and the offending entry', () => {
    const bad: Array<[string, RegExp]> = [
      ['{ not json', /not valid JSON/],
      ['[]', /top level: must be a JSON object/],
      ['{"schemes": {"x": {"labels": {"A": 0}}}}', /schemes\.x\.labels\.A: must be an integer rank from 1/],
      ['{"schemes": {"x": {"labels": {"A": {"severity": 1.5}}}}}', /schemes\.x\.labels\.A\.severity/],
      ['{"schemes": {"x": {"labels": {"A": 1, "a": 2}}}}', /label "a" is given twice with different severities/],
      ['{"schemes": {"x": {"labels": {}}}, "infer": ["y"]}', /infer: names unknown scheme "y"/],
      ['{"version": 2, "schemes": {}}', /unsupported version 2/],
      ['{"schemes": {"Bad Name": {"labels": {}}}}', /scheme names are lowercase/],
      ['{"schemes": {"none": {"labels": {}}}}', /schemes\.none: "none" is reserved: it names labels left unmapped/],
      ['{"schemes": {"x": {"prefixs": ["cat"], "labels": {}}}}', /schemes\.x: unknown key "prefixs"/],
      ['{"schemes": {"x": {"labels": {"A": {"severty": 1}}}}}', /schemes\.x\.labels\.A: unknown key "severty"/],
      ['{"schemes": {"x": {"labels": {"5": {"severity": 2, "pertinent": false}}}}}', /schemes\.x\.labels\.5\.pertinent: a non-pertinent label .* must have severity null/],
      ['{"schemes": {"x": {"labels": {"5": {"severity": null, "pertinent": "no"}}}}}', /schemes\.x\.labels\.5\.pertinent: must be true or false/],
      ['{"schemes": {"x": {"labels": {"0": {"severity": 3, "uncategorised": true}}}}}', /schemes\.x\.labels\.0\.uncategorised: an uncategorised label .* must have severity null and be pertinent/],
      ['{"schemes": {"x": {"labels": {"0": {"severity": null, "uncategorised": true, "pertinent": false}}}}}', /labels\.0\.uncategorised: an uncategorised label/],
      ['{"schemes": {"x": {"labels": {"0": {"severity": null, "uncategorised": "yes"}}}}}', /labels\.0\.uncategorised: must be true or false/],
      ['{"schemes": {"x": {"labels": {"A": {"severity": 1, "name": ""}}}}}', /labels\.A\.name: must be non-empty text/],
    ];
    bad.forEach(([content, message], i) => {
      const p = write(`bad${i}.json`, content);
      expect(() => loadSeverityPolicy(p)).toThrow(expect.objectContaining({ code: 'BAD_INPUT', message: expect.stringMatching(message) }));
      expect(() => loadSeverityPolicy(p)).toThrow(p);
    });
    expect(() => loadSeverityPolicy(join(dir, 'missing.json'))).toThrow(expect.objectContaining({ code: 'NOT_FOUND' }));
  });

  it('rates a stored label with its scheme: rank, name, kind; an unknown or unmapped scheme rates nothing', () => {
    expect(rateCategory(shipped, 'Cat A1', null)).toEqual({ severity: 1, scheme: 'ncmec', name: 'prepubescent minor, sex act', pertinent: true, uncategorised: false });
    expect(rateCategory(shipped, 'category 0', 'projectvic')).toEqual({ severity: null, scheme: 'projectvic', name: 'known, uncategorised', pertinent: true, uncategorised: true });
    expect(rateCategory(shipped, '5', undefined)).toMatchObject({ severity: null, scheme: 'projectvic', pertinent: false, uncategorised: false });
    expect(rateCategory(shipped, 'A', 'caid')).toMatchObject({ severity: 1, name: 'penetrative sexual activity, sexual activity with an animal or sadism' });
    expect(rateCategory(shipped, 'A1', 'caid')).toMatchObject({ severity: null, scheme: null }); // only the list's scheme is consulted
    expect(rateCategory(shipped, 'A1', 'no-such-scheme')).toMatchObject({ severity: null, scheme: null, pertinent: true });
    expect(rateCategory(shipped, '1', UNMAPPED_SCHEME)).toMatchObject({ severity: null, scheme: null }); // e.g. a UK-model VICS list
    expect(rateCategory(shipped, null)).toMatchObject({ severity: null, scheme: null, name: null });
  });

  it('ships a name for every category of NCMEC, CAID and Project VIC, with Project VIC 0 uncategorised', () => {
    for (const [scheme, labels] of [
      ['ncmec', ['A1', 'A2', 'B1', 'B2']],
      ['caid', ['A', 'B', 'C']],
      ['projectvic', ['0', '1', '2', '3', '4', '5', '6']],
    ] as const) {
      for (const label of labels) expect(rateCategory(shipped, label, scheme).name, `${scheme} ${label}`).toBeTruthy();
    }
    expect(rateCategory(shipped, '0', 'projectvic').uncategorised).toBe(true);
    expect(['1', '2', '3', '4', '5', '6'].filter((l) => rateCategory(shipped, l, 'projectvic').uncategorised)).toEqual([]);
    expect(shipped.digest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('ships a policy whose every label has a description (the file documents itself)', () => {
    const doc = JSON.parse(readFileSync(DEFAULT_POLICY_PATH, 'utf8')) as { schemes: Record<string, { description: string; labels: Record<string, { description?: string }> }> };
    for (const [name, scheme] of Object.entries(doc.schemes)) {
      expect(scheme.description, name).toBeTruthy();
      for (const [label, entry] of Object.entries(scheme.labels)) expect(entry.description, `${name}.${label}`).toBeTruthy();
    }
  });
});
