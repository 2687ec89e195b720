/// <reference types="node" />
// Structured reports of the corpus read as documents: the content tree with named values,
// measurements in their units, references to images, and a stop before a trap's depth.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import '../i18n/testLanguage';
import { data as dcmjsData } from 'dcmjs';
import type { DicomJson } from '../api';
import { MAX_DEPTH, type SrNode, srDocument } from './srContent';

const here = dirname(fileURLToPath(import.meta.url));
const TESTDATA = process.env.VIREO_TESTDATA ?? join(here, '../../../../shared/testdata');

function read(file: string): DicomJson {
  const bytes = readFileSync(join(TESTDATA, file));
  return dcmjsData.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)).dict;
}

function all(nodes: SrNode[]): SrNode[] {
  return nodes.flatMap((n) => [n, ...all(n.children)]);
}

describe('structured reports', () => {
  it('reads a TID 1500 measurement report', () => {
    const doc = srDocument(read('dicom/modality/SR_tid1500_sr_document.dcm'));
    expect(doc).toMatchObject({ title: 'Imaging Measurement Report', completed: false, verified: false,
      observer: 'Foo', date: '2019-03-17 17:33', truncated: false });
    const nodes = all(doc.content);
    expect(nodes.find((n) => n.concept === 'Area of defined region')).toMatchObject({ valueType: 'NUM', value: '1.7 cm2' });
    expect(nodes.find((n) => n.concept === 'Finding')).toMatchObject({ valueType: 'CODE', value: 'Spinal cord' });
    const region = nodes.find((n) => n.concept === 'Image Region')!;
    expect(region.value).toMatch(/^circle of \d+ points$/);
    expect(region.children[0]).toMatchObject({ relationship: 'SELECTED FROM', valueType: 'IMAGE' });
    expect(region.children[0].reference?.sopInstanceUid).toMatch(/^[\d.]+$/);
  });
  it('reads text reports and their sections', () => {
    for (const file of ['dicom/modality/SR_basic_text_reportsi.dcm', 'dicom/modality/SR_comprehensive_test-SR.dcm',
      'dicom/transfer_syntax/report_dfl.dcm']) {
      const doc = srDocument(read(file));
      expect(doc.title.length, file).toBeGreaterThan(3);
      const texts = all(doc.content).filter((n) => n.valueType === 'TEXT' && n.value.length > 0);
      expect(texts.length, file).toBeGreaterThan(0);
      expect(all(doc.content).filter((n) => ['TEXT', 'NUM', 'CODE'].includes(n.valueType)).every((n) => n.concept !== ''), file).toBe(true);
    }
  });
  it(`stops at ${MAX_DEPTH} levels and says so`, () => {
    const doc = srDocument(read('dicom/structure/SR_nested_400_levels.dcm'));
    expect(doc.truncated).toBe(true);
    let depth = 0;
    for (let n = doc.content[0]; n; n = n.children[0]) depth++;
    expect(depth).toBe(MAX_DEPTH);
  });
});
