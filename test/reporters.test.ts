import { describe, expect, it } from 'vitest';
import { countReporters, isAnonymousReporter, shownReporters } from '../src/pipeline/reporters.js';

describe('reporter counting', () => {
  it('counts five anonymous or blank reports as five reporters', () => {
    expect(countReporters(['anonymous', 'anonymous', 'Anonymous', '', null])).toBe(5);
    expect(countReporters(['anon', 'unknown', 'N/A', '-', '  '])).toBe(5);
  });

  it('counts a named reporter once however the name is spelt (case, spaces)', () => {
    expect(countReporters(['Jane Doe', ' jane  doe ', 'JANE DOE', 'hotline-b'])).toBe(2);
    expect(countReporters(['Jane Doe', 'anonymous', 'jane doe', 'anonymous'])).toBe(3);
    expect(countReporters([])).toBe(0);
  });

  it('tells anonymous values from names that merely contain them', () => {
    for (const v of [null, '', ' ', 'anonymous', 'ANON', 'n/a', 'unknown', '-', 'none']) expect(isAnonymousReporter(v), String(v)).toBe(true);
    for (const v of ['anonymous tipster 7', 'Ann', 'parent', 'unknown caller from school']) expect(isAnonymousReporter(v), v).toBe(false);
  });

  it('shows one spelling per named reporter and each anonymous spelling, blanks left out', () => {
    expect(shownReporters(['parent', 'Parent ', null, '', 'anonymous', 'anonymous', 'hotline'])).toEqual(['(anonymous)', 'Parent', 'anonymous', 'hotline']); // a blank reporter counts, so it is shown
  });
});
