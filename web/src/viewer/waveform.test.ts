/// <reference types="node" />
// The corpus's 12-lead ECG decoded as the viewer draws it: leads in millivolts that obey
// Einthoven's and Goldberger's relations (an independent check of channel order, scaling and
// sign), and the standard printout.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { data as dcmjsData } from 'dcmjs';
import type { DicomJson } from '../api';
import { TWELVE_LEAD_COLUMNS, decodeGroup, printout, waveformGroups } from './waveform';

const here = dirname(fileURLToPath(import.meta.url));
const TESTDATA = process.env.VIREO_TESTDATA ?? join(here, '../../../../shared/testdata');

// The file as the archive's metadata has it: each WaveformData a BulkDataURI; the bytes aside.
function ecg(): { meta: DicomJson; data: Uint8Array[] } {
  const bytes = readFileSync(join(TESTDATA, 'dicom/modality/ECG_waveform_ecg.dcm'));
  const { dict } = dcmjsData.DicomMessage.readFile(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
  const data: Uint8Array[] = [];
  for (const [i, g] of (dict['54000100'].Value as DicomJson[]).entries()) {
    data.push(new Uint8Array(g['54001010'].Value![0] as ArrayBuffer));
    g['54001010'] = { vr: 'OW', BulkDataURI: `bulk/${i}` };
  }
  return { meta: dict, data };
}

describe('ECG waveforms', () => {
  it('reads the groups and decodes twelve leads in millivolts that obey the limb-lead relations', () => {
    const { meta, data } = ecg();
    const groups = waveformGroups(meta);
    expect(groups.map((g) => [g.label, g.channels.length, g.samples, g.frequency])).toEqual([
      ['RHYTHM', 12, 10000, 1000], ['MEDIAN BEAT', 12, 1200, 1000]]);
    const leads = decodeGroup(groups[0], data[0]);
    expect(leads.map((l) => l.name)).toEqual(['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6']);
    const at = Object.fromEntries(leads.map((l) => [l.name, l.mv]));
    let worst = 0;
    let peak = 0;
    for (let i = 0; i < 10000; i++) {
      worst = Math.max(worst, Math.abs(at.II[i] - (at.I[i] + at.III[i])), Math.abs(at.aVR[i] + (at.I[i] + at.II[i]) / 2));
      peak = Math.max(peak, Math.abs(at.II[i]));
    }
    expect(worst).toBeLessThan(0.05); // mV: rounding of the stored values only
    expect(peak).toBeGreaterThan(0.3); // an R wave, in mV: µV scaled, not raw units
    expect(peak).toBeLessThan(5);
  });
  it('leaves out what is not a voltage or not linear, rather than draw it on the millivolt grid', () => {
    const { meta } = ecg();
    const groups = meta['54000100'].Value as DicomJson[];
    const channel = (groups[0]['003A0200'].Value as DicomJson[])[0];
    (channel['003A0211'].Value as DicomJson[])[0]['00080100'] = { vr: 'SH', Value: ['mm[Hg]'] };
    groups[1]['54001006'] = { vr: 'CS', Value: ['MB'] };
    expect(waveformGroups(meta)).toEqual([]);
  });
  it('lays the leads out as the usual printout', () => {
    const names = TWELVE_LEAD_COLUMNS.flat();
    const cells = printout(names, 10);
    expect(cells).toHaveLength(13);
    expect(cells.filter((c) => c.row < 3).every((c) => c.seconds === 2.5 && c.fromS === c.column * 2.5)).toBe(true);
    expect(cells[12]).toEqual({ lead: 'II', fromS: 0, seconds: 10, row: 3, column: 0 });
    expect(printout(names, 1.2, true).every((c) => c.fromS === 0 && c.seconds === 1.2)).toBe(true);
    expect(printout(['Pleth', 'Resp'], 30)).toEqual([
      { lead: 'Pleth', fromS: 0, seconds: 30, row: 0, column: 0 }, { lead: 'Resp', fromS: 0, seconds: 30, row: 1, column: 0 }]);
  });
});
