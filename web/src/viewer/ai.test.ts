import { describe, expect, it } from 'vitest';
import '../i18n/testLanguage';
import { findingLabel, findingsOn, outline, parseFindings } from './ai';
import shared from '../../../tests/fixtures/ai_findings.json';

const box = { id: 'n1', label: 'Nodule', confidence: 0.873, model: { name: 'lung-nodules', version: '2.1' },
  sopInstanceUid: '1.2.3', shape: 'box', points: [[10, 20], [30, 45]] };

describe('AI findings', () => {
  it('reads boxes, contours and points as the documented shape gives them', () => {
    const contour = { label: 'Effusion', sopInstanceUid: '1.2.4', frame: 2, shape: 'contour', points: [[1, 1], [5, 1], [3, 4]] };
    const point = { label: 'Fracture', sopInstanceUid: '1.2.3', shape: 'point', points: [[7, 8]] };
    const { findings, rejected } = parseFindings({ findings: [box, contour, point] });
    expect(rejected).toBe(0);
    expect(findings[0]).toEqual({ id: 'n1', label: 'Nodule', confidence: 0.873, model: 'lung-nodules 2.1',
      sopInstanceUid: '1.2.3', frame: 1, shape: 'box', points: [[10, 20], [30, 45]] });
    expect(findings[1]).toMatchObject({ id: 'finding-2', frame: 2, shape: 'contour' });
    expect(findingsOn(findings, '1.2.3', 1).map((f) => f.label)).toEqual(['Nodule', 'Fracture']);
    expect(findingsOn(findings, '1.2.4', 1)).toEqual([]);
  });
  it('drops what it cannot draw, and counts it', () => {
    const bad = [
      { ...box, shape: 'circle' },
      { ...box, points: [[1, 2]] },
      { ...box, points: [[1, 'x'], [3, 4]] },
      { ...box, confidence: 87 },
      { ...box, label: '' },
      { ...box, sopInstanceUid: undefined },
      { ...box, frame: 0 },
      'nodule',
      null,
    ];
    expect(parseFindings({ findings: [box, ...bad] })).toMatchObject({ rejected: bad.length });
    expect(parseFindings({ findings: [box, ...bad] }).findings).toHaveLength(1);
    expect(parseFindings({ nothing: true })).toEqual({ findings: [], rejected: 1 });
    expect(parseFindings(undefined)).toEqual({ findings: [], rejected: 0 });
  });
  // The cases the archive is tested against too (tests/unit/ai_finding_test.cpp): what it keeps, the viewer draws.
  it.each(shared.drawn)('draws what the archive keeps: $case', ({ finding }) => {
    expect(parseFindings({ findings: [finding] })).toMatchObject({ rejected: 0 });
  });
  it.each(shared.refused)('refuses what the archive refuses: $case', ({ finding }) => {
    expect(parseFindings({ findings: [finding] })).toEqual({ findings: [], rejected: 1 });
  });
  it('labels every finding as a suggestion, with its confidence', () => {
    const [f] = parseFindings({ findings: [box] }).findings;
    expect(findingLabel(f)).toBe('AI suggestion: Nodule 87%');
    expect(findingLabel({ ...f, confidence: undefined })).toBe('AI suggestion: Nodule');
    expect(outline(f)).toEqual([[10, 20], [30, 20], [30, 45], [10, 45]]);
  });
});
