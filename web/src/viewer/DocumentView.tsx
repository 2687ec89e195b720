// The pane for a series that is not images: a structured report as a readable document, an
// encapsulated PDF drawn by PDF.js, and for waveforms and segmentations what they are.
import { useEffect, useRef, useState } from 'react';
import type { DicomJson } from '../api';
import { Tag, number, text, values } from '../dicom';
import { type SeriesInfo, seriesMetadata } from '../studyData';
import { KIND_NAMES, type SeriesKind, documentMimeType, encapsulatedDocument, seriesKind } from './documents';
import { type SrNode, srDocument } from './srContent';
import { EcgView } from './EcgView';

export function DocumentView({ study, series, onLoaded }: {
  study: string;
  series: SeriesInfo;
  onLoaded?: (instances: DicomJson[]) => void; // the patient banner reads the first
}) {
  const [instances, setInstances] = useState<DicomJson[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    let gone = false;
    setInstances(null);
    setError('');
    seriesMetadata(study, series.uid).then(
      (list) => {
        if (gone) return;
        setInstances(list);
        onLoaded?.(list);
      },
      (e) => !gone && setError(`This series cannot be read: ${(e as Error).message}. Try again, or ask the administrator.`),
    );
    return () => {
      gone = true;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [study, series.uid]);
  const kind = seriesKind(series.modality);
  return (
    <main className="document-pane" data-testid="document-pane" data-kind={kind}>
      {error && <div className="page-message error" role="alert">{error}</div>}
      {!instances && !error && <div className="page-message">Opening the {KIND_NAMES[kind].toLowerCase()}…</div>}
      {instances?.map((meta) => <DocumentOf key={text(meta, Tag.SOPInstanceUID)} kind={kind} meta={meta} />)}
    </main>
  );
}

function DocumentOf({ kind, meta }: { kind: SeriesKind; meta: DicomJson }) {
  if (kind === 'report') return <ReportView meta={meta} />;
  if (kind === 'document') {
    const mime = documentMimeType(meta);
    if (mime === 'application/pdf') return <PdfView meta={meta} />;
    return <Notice>{`This document is of type ${mime || 'unknown'}, which the viewer does not show. Retrieve it with a program that opens it.`}</Notice>;
  }
  if (kind === 'waveform') return <><Notice>{waveformSummary(meta)}</Notice><EcgView meta={meta} /></>;
  if (kind === 'segmentation') return <Notice>{segmentationSummary(meta)}</Notice>;
  return <Notice>{`${KIND_NAMES[kind]}: ${text(meta, Tag.SeriesDescription) || 'no description'}. The viewer does not show this kind of object.`}</Notice>;
}

function Notice({ children }: { children: string }) {
  return <p className="document-notice" role="note">{children}</p>;
}

function waveformSummary(meta: DicomJson): string {
  const groups = values(meta, '54000100') as DicomJson[];
  // A 12-lead ECG often holds its rhythm strips and its median beats as two groups of 12.
  const leads = Math.max(0, ...groups.map((g) => number(g, '003A0005') ?? 0));
  const seconds = groups.map((g) => (number(g, '003A0010') ?? 0) / (number(g, '003A001A') ?? 1));
  const longest = seconds.length ? Math.max(...seconds) : 0;
  return `A waveform recording: ${leads} channel${leads === 1 ? '' : 's'}, ${+longest.toFixed(1)} s.`;
}

function segmentationSummary(meta: DicomJson): string {
  const segments = (values(meta, '00620002') as DicomJson[]).map((s) => text(s, '00620005')).filter(Boolean);
  return `A segmentation with ${segments.length} segment${segments.length === 1 ? '' : 's'}${segments.length ? ` (${segments.join(', ')})` : ''}. ` +
    'The images it was drawn on are not in this study, so it cannot be shown over them.';
}

function ReportView({ meta }: { meta: DicomJson }) {
  const doc = srDocument(meta);
  const status = [doc.completed ? 'complete' : 'partial', doc.verified ? `verified${doc.verifier ? ` by ${doc.verifier}` : ''}` : 'not verified'];
  return (
    <article className="sr-report" data-testid="sr-report">
      <h2>{doc.title}</h2>
      <p className="hint">{[doc.date, doc.observer && `by ${doc.observer}`, status.join(', ')].filter(Boolean).join(' · ')}</p>
      <SrNodes nodes={doc.content} level={3} />
      {doc.truncated && <Notice>The report goes deeper than the viewer shows; the rest is not displayed.</Notice>}
    </article>
  );
}

// Containers become headed sections; observation context and modifiers are shown smaller.
function SrNodes({ nodes, level }: { nodes: SrNode[]; level: number }) {
  if (nodes.length === 0) return null;
  return (
    <ul className="sr-nodes">
      {nodes.map((n, i) => {
        const context = n.relationship === 'HAS OBS CONTEXT' || n.relationship === 'HAS CONCEPT MOD' || n.relationship === 'HAS ACQ CONTEXT';
        if (n.valueType === 'CONTAINER') {
          const Heading = `h${Math.min(level, 6)}` as 'h3';
          return (
            <li key={i} className="sr-container">
              {n.concept && <Heading>{n.concept}</Heading>}
              <SrNodes nodes={n.children} level={level + 1} />
            </li>
          );
        }
        return (
          <li key={i} className={context ? 'sr-context' : 'sr-item'} data-value-type={n.valueType}>
            {n.concept && <span className="sr-concept">{n.concept}: </span>}
            <span className="sr-value">{n.value}</span>
            <SrNodes nodes={n.children} level={level} />
          </li>
        );
      })}
    </ul>
  );
}

function PdfView({ meta }: { meta: DicomJson }) {
  const holder = useRef<HTMLDivElement>(null);
  const [state, setState] = useState<{ pages: number; error: string }>({ pages: 0, error: '' });
  useEffect(() => {
    let gone = false;
    const el = holder.current!;
    (async () => {
      const [pdfjs, bytes] = await Promise.all([import('./pdf'), encapsulatedDocument(meta)]);
      const pdf = await pdfjs.openPdf(bytes);
      if (gone) return;
      const width = Math.max(320, el.clientWidth - 32);
      for (let p = 1; p <= pdf.numPages && !gone; p++) {
        const canvas = document.createElement('canvas');
        canvas.dataset.testid = 'pdf-page';
        canvas.setAttribute('role', 'img');
        canvas.setAttribute('aria-label', `Page ${p} of ${pdf.numPages}`);
        el.appendChild(canvas);
        await pdfjs.drawPage(pdf, p, canvas, width);
        setState({ pages: p, error: '' });
      }
    })().catch((e) => !gone && setState((s) => ({ ...s, error: `The document cannot be shown: ${(e as Error).message}.` })));
    return () => {
      gone = true;
      el.replaceChildren();
    };
  }, [meta]);
  return (
    <section className="pdf-document" aria-label={text(meta, '00420010') || 'Document'}>
      <h2>{text(meta, '00420010') || 'Document'}</h2>
      {state.error && <div className="page-message error" role="alert">{state.error}</div>}
      <div ref={holder} className="pdf-pages" data-pages={state.pages} />
    </section>
  );
}
