// Waveforms (PS3.3 C.10.9): the multiplex groups of an ECG, their channels decoded to
// millivolts, and the usual 12-lead printout: a 5 mm grid of 1 mm squares at 25 mm/s and
// 10 mm/mV, leads in four columns of 2.5 s (I II III | aVR aVL aVF | V1 V2 V3 | V4 V5 V6)
// and lead II as a rhythm strip over the whole recording.
import type { DicomJson } from '../api';
import { number, text, values } from '../dicom';
import i18n from '../i18n';

export const PAPER_SPEED_MM_PER_S = 25;
export const GAIN_MM_PER_MV = 10;

export interface ChannelInfo {
  name: string; // "I", "aVR", "V1"… (the lead's code meaning without "Lead" and its eponym)
  sensitivity: number; // units per sample value
  unitsToMv: number; // 0.001 for µV, 1 for mV
  baseline: number;
  correction: number;
}

export interface GroupInfo {
  label: string; // RHYTHM, MEDIAN BEAT…
  channels: ChannelInfo[];
  samples: number;
  frequency: number; // samples a second
  bits: 8 | 16 | 32;
  signed: boolean;
  uri: string; // the WaveformData's BulkDataURI
}

export interface Lead {
  name: string;
  mv: Float32Array;
}

const UNIT_TO_MV: Record<string, number> = { uV: 0.001, mV: 1, V: 1000 };

function leadName(meaning: string): string {
  return meaning.replace(/^Lead\s+/i, '').replace(/\s*\(.*\)$/, '').trim() || meaning;
}

export function waveformGroups(meta: DicomJson): GroupInfo[] {
  return (values(meta, '54000100') as DicomJson[]).flatMap((g) => {
    const bits = number(g, '54001004');
    const interpretation = text(g, '54001006');
    const uri = g['54001010']?.BulkDataURI;
    // Linear samples only (mu-law and A-law audio are not drawn).
    if (!uri || (bits !== 8 && bits !== 16 && bits !== 32) || !['SS', 'US', 'SB', 'UB', 'SL', 'UL'].includes(interpretation)) return [];
    // The grid is in millivolts: a group with any channel in other units (mmHg, litres) is not drawn on it.
    const units = (values(g, '003A0200') as DicomJson[]).map((c) => {
      const u = (values(c, '003A0211') as DicomJson[])[0];
      return u ? text(u, '00080100') : '';
    });
    if (units.some((u) => !(u in UNIT_TO_MV))) return [];
    const channels = (values(g, '003A0200') as DicomJson[]).map((c) => {
      const source = (values(c, '003A0208') as DicomJson[])[0];
      const units = (values(c, '003A0211') as DicomJson[])[0];
      return {
        name: leadName(source ? text(source, '00080104') : '') || i18n.t('viewer.ecg.channel', { number: number(c, '003A0202') ?? '' }),
        sensitivity: number(c, '003A0210') ?? 1,
        unitsToMv: UNIT_TO_MV[units ? text(units, '00080100') : ''] ?? 0.001,
        baseline: number(c, '003A0213') ?? 0,
        correction: number(c, '003A0212') ?? 1,
      };
    });
    return [{
      label: text(g, '003A0020'),
      channels,
      samples: number(g, '003A0010') ?? 0,
      frequency: number(g, '003A001A') ?? 0,
      bits,
      signed: interpretation === 'SS' || interpretation === 'SB' || interpretation === 'SL',
      uri,
    }];
  });
}

// The group's channels from its WaveformData (samples interleaved channel by channel), in mV.
export function decodeGroup(group: GroupInfo, bytes: Uint8Array): Lead[] {
  const n = group.channels.length;
  const size = group.bits / 8;
  const samples = Math.min(group.samples, Math.floor(bytes.byteLength / (size * n)));
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const read = (at: number): number => {
    if (size === 1) return group.signed ? view.getInt8(at) : view.getUint8(at);
    if (size === 2) return group.signed ? view.getInt16(at, true) : view.getUint16(at, true);
    return group.signed ? view.getInt32(at, true) : view.getUint32(at, true);
  };
  return group.channels.map((c, k) => {
    const mv = new Float32Array(samples);
    const scale = c.sensitivity * c.correction * c.unitsToMv;
    for (let i = 0; i < samples; i++) mv[i] = (read((i * n + k) * size) + c.baseline) * scale;
    return { name: c.name, mv };
  });
}

// The printout's cells: which lead, from which second, for how long, at which row and column.
export interface Cell {
  lead: string;
  fromS: number;
  seconds: number;
  row: number;
  column: number;
}

export const TWELVE_LEAD_COLUMNS = [['I', 'II', 'III'], ['aVR', 'aVL', 'aVF'], ['V1', 'V2', 'V3'], ['V4', 'V5', 'V6']];

// The standard 3×4 layout with a lead II rhythm strip when the recording has the twelve leads
// (for a group of averaged beats, each cell shows the whole beat, without a strip); otherwise
// every channel on its own row over the whole recording.
export function printout(leads: string[], seconds: number, beats = false): Cell[] {
  const have = new Set(leads);
  if (TWELVE_LEAD_COLUMNS.flat().every((l) => have.has(l))) {
    if (beats) {
      return TWELVE_LEAD_COLUMNS.flatMap((column, c) => column.map((lead, r) => ({ lead, fromS: 0, seconds, row: r, column: c })));
    }
    const quarter = seconds / 4;
    const cells = TWELVE_LEAD_COLUMNS.flatMap((column, c) =>
      column.map((lead, r) => ({ lead, fromS: c * quarter, seconds: quarter, row: r, column: c })));
    return [...cells, { lead: 'II', fromS: 0, seconds, row: 3, column: 0 }];
  }
  return leads.map((lead, r) => ({ lead, fromS: 0, seconds, row: r, column: 0 }));
}
