// An ECG drawn as on paper: the grid, each lead at 25 mm/s and 10 mm/mV with a 1 mV
// calibration pulse, the standard 12-lead layout (waveform.ts).
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { DicomJson } from '../api';
import { encapsulatedBulk } from './documents';
import { GAIN_MM_PER_MV, type GroupInfo, type Lead, PAPER_SPEED_MM_PER_S, decodeGroup, printout, waveformGroups } from './waveform';
import { useMessage } from '../i18n/message';

const ROW_MM = 25; // ±1.25 mV around each row's baseline
const PULSE_MM = 5; // the calibration pulse's width, before the first cell of a row

export function EcgView({ meta }: { meta: DicomJson }) {
  const { t } = useTranslation();
  const groups = waveformGroups(meta);
  if (groups.length === 0) return <p className="document-notice" role="note">{t('viewer.ecg.notDrawn')}</p>;
  return <>{groups.map((g, i) => <EcgGroup key={i} group={g} beats={i > 0 && g.samples < groups[0].samples} />)}</>;
}

function EcgGroup({ group, beats }: { group: GroupInfo; beats: boolean }) {
  const { t } = useTranslation();
  const canvas = useRef<HTMLCanvasElement>(null);
  const [leads, setLeads] = useState<Lead[] | null>(null);
  const [error, setError] = useMessage();
  useEffect(() => {
    let gone = false;
    encapsulatedBulk(group.uri).then(
      (bytes) => !gone && setLeads(decodeGroup(group, bytes)),
      (e) => !gone && setError('viewer.ecg.unreadable', { error: (e as Error).message }),
    );
    return () => {
      gone = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [group]);
  const seconds = group.frequency > 0 ? group.samples / group.frequency : 0;
  useEffect(() => {
    const c = canvas.current;
    if (!c || !leads) return;
    draw(c, leads, seconds, group.frequency, beats);
  }, [leads, seconds, group.frequency, beats]);
  const title = t('viewer.ecg.title', {
    label: group.label ? `${group.label[0]}${group.label.slice(1).toLowerCase()}` : t('viewer.ecg.waveform'), seconds: +seconds.toFixed(2) });
  return (
    <section className="ecg" aria-label={title}>
      <h3>{title}</h3>
      {error && <div className="page-message error" role="alert">{error}</div>}
      <canvas ref={canvas} data-testid="ecg" data-leads={leads?.length ?? 0} data-seconds={seconds}
        data-mm-per-s={PAPER_SPEED_MM_PER_S} data-mm-per-mv={GAIN_MM_PER_MV} role="img"
        aria-label={`${title}: ${leads?.map((l) => l.name).join(', ') ?? ''}`} />
      <p className="hint">{PAPER_SPEED_MM_PER_S} mm/s · {GAIN_MM_PER_MV} mm/mV</p>
    </section>
  );
}

function draw(c: HTMLCanvasElement, leads: Lead[], seconds: number, frequency: number, beats: boolean) {
  const cells = printout(leads.map((l) => l.name), seconds, beats);
  const columns = Math.max(...cells.map((x) => x.column)) + 1;
  const rows = Math.max(...cells.map((x) => x.row)) + 1;
  const cellMm = (cells[0]?.seconds ?? seconds) * PAPER_SPEED_MM_PER_S;
  const widthMm = PULSE_MM + Math.max(columns * cellMm, ...cells.map((x) => x.seconds * PAPER_SPEED_MM_PER_S));
  const heightMm = rows * ROW_MM;
  const ratio = window.devicePixelRatio || 1;
  const cssWidth = Math.max(600, (c.parentElement?.clientWidth ?? 1000) - 8);
  const px = cssWidth / widthMm; // CSS pixels a millimetre
  c.style.width = `${cssWidth}px`;
  c.width = Math.round(cssWidth * ratio);
  c.height = Math.round(heightMm * px * ratio);
  const g = c.getContext('2d')!;
  g.scale(ratio * px, ratio * px); // draw in millimetres
  g.fillStyle = '#fff8f8';
  g.fillRect(0, 0, widthMm, heightMm);
  for (let mm = 0; mm <= Math.max(widthMm, heightMm); mm++) {
    g.strokeStyle = mm % 5 === 0 ? '#f0a8a8' : '#fbdede';
    g.lineWidth = (mm % 5 === 0 ? 0.8 : 0.5) / px;
    if (mm <= widthMm) line(g, mm, 0, mm, heightMm);
    if (mm <= heightMm) line(g, 0, mm, widthMm, mm);
  }
  const byName = new Map(leads.map((l) => [l.name, l]));
  g.strokeStyle = '#111';
  g.fillStyle = '#111';
  g.lineWidth = 1.2 / px;
  g.font = '3.5px sans-serif';
  for (let r = 0; r < rows; r++) {
    // The 1 mV calibration pulse: 10 mm high.
    const base = r * ROW_MM + ROW_MM * 0.6;
    g.beginPath();
    g.moveTo(0.5, base);
    g.lineTo(1.5, base);
    g.lineTo(1.5, base - GAIN_MM_PER_MV);
    g.lineTo(3.5, base - GAIN_MM_PER_MV);
    g.lineTo(3.5, base);
    g.lineTo(PULSE_MM, base);
    g.stroke();
  }
  for (const cell of cells) {
    const lead = byName.get(cell.lead);
    if (!lead) continue;
    const x0 = PULSE_MM + cell.column * cellMm;
    const base = cell.row * ROW_MM + ROW_MM * 0.6;
    const from = Math.floor(cell.fromS * frequency);
    const to = Math.min(lead.mv.length, Math.floor((cell.fromS + cell.seconds) * frequency));
    g.beginPath();
    for (let i = from; i < to; i++) {
      const x = x0 + ((i - from) / frequency) * PAPER_SPEED_MM_PER_S;
      const y = base - lead.mv[i] * GAIN_MM_PER_MV;
      if (i === from) g.moveTo(x, y);
      else g.lineTo(x, y);
    }
    g.stroke();
    g.fillText(cell.lead, x0 + 1, cell.row * ROW_MM + 4);
  }
}

function line(g: CanvasRenderingContext2D, x0: number, y0: number, x1: number, y1: number) {
  g.beginPath();
  g.moveTo(x0, y0);
  g.lineTo(x1, y1);
  g.stroke();
}
