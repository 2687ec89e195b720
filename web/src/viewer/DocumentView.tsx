// The pane for a series that is not images: a structured report as a readable document, an
// encapsulated PDF drawn by PDF.js, and for waveforms and segmentations what they are.
import { useEffect, useRef, useState } from 'react';
import { useTranslation } from 'react-i18next';
import type { TFunction } from 'i18next';
import type { DicomJson } from '../api';
import { Tag, number, text, values } from '../dicom';
import { type SeriesInfo, seriesMetadata } from '../studyData';
import { type SeriesKind, documentMimeType, encapsulatedDocument, kindName, seriesKind } from './documents';
import { type SrNode, srDocument } from './srContent';
import { EcgView } from './EcgView';
import { useMessage } from '../i18n/message';

export function DocumentView({ study, series, onLoaded }: {
  study: string;
  series: SeriesInfo;
  onLoaded?: (instances: DicomJson[]) => void; // the patient banner reads the first
}) {
  const { t } = useTranslation();
  const [instances, setInstances] = useState<DicomJson[] | null>(null);
  const [error, setError] = useMessage();
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
      (e) => !gone && setError('viewer.document.unreadable', { error: (e as Error).message }),
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
      {!instances && !error && <div className="page-message">{t(`viewer.opening.${kind}`)}</div>}
      {instances?.map((meta) => <DocumentOf key={text(meta, Tag.SOPInstanceUID)} kind={kind} meta={meta} />)}
    </main>
  );
}

function DocumentOf({ kind, meta }: { kind: SeriesKind; meta: DicomJson }) {
  const { t } = useTranslation();
  if (kind === 'report') return <ReportView meta={meta} />;
  if (kind === 'document') {
    const mime = documentMimeType(meta);
    if (mime === 'application/pdf') return <PdfView meta={meta} />;
    return <Notice>{t('viewer.document.unsupported', { type: mime || t('viewer.document.unknownType') })}</Notice>;
  }
  if (kind === 'waveform') return <><Notice>{waveformSummary(meta, t)}</Notice><EcgView meta={meta} /></>;
  if (kind === 'segmentation') return <Notice>{segmentationSummary(meta, t)}</Notice>;
  return <Notice>{t('viewer.document.otherKind',
    { kind: kindName(kind), description: text(meta, Tag.SeriesDescription) || t('viewer.document.noDescription') })}</Notice>;
}

function Notice({ children }: { children: string }) {
  return <p className="document-notice" role="note">{children}</p>;
}

function waveformSummary(meta: DicomJson, t: TFunction): string {
  const groups = values(meta, '54000100') as DicomJson[];
  // A 12-lead ECG often holds its rhythm strips and its median beats as two groups of 12.
  const leads = Math.max(0, ...groups.map((g) => number(g, '003A0005') ?? 0));
  const seconds = groups.map((g) => (number(g, '003A0010') ?? 0) / (number(g, '003A001A') ?? 1));
  const longest = seconds.length ? Math.max(...seconds) : 0;
  return t('viewer.document.waveform', { count: leads, seconds: +longest.toFixed(1) });
}

function segmentationSummary(meta: DicomJson, t: TFunction): string {
  const segments = (values(meta, '00620002') as DicomJson[]).map((s) => text(s, '00620005')).filter(Boolean);
  return t('viewer.document.segmentation', { count: segments.length, names: segments.length ? ` (${segments.join(', ')})` : '' });
}

function ReportView({ meta }: { meta: DicomJson }) {
  const { t } = useTranslation();
  const doc = srDocument(meta);
  const status = [doc.completed ? t('viewer.document.complete') : t('viewer.document.partial'),
    doc.verified ? (doc.verifier ? t('viewer.document.verifiedBy', { name: doc.verifier }) : t('viewer.document.verified'))
      : t('viewer.document.notVerified')];
  return (
    <article className="sr-report" data-testid="sr-report">
      <h2>{doc.title}</h2>
      <p className="hint">{[doc.date, doc.observer && t('viewer.document.by', { name: doc.observer }), status.join(', ')].filter(Boolean).join(' · ')}</p>
      <SrNodes nodes={doc.content} level={3} />
      {doc.truncated && <Notice>{t('viewer.document.truncated')}</Notice>}
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
  const { t } = useTranslation();
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
        canvas.setAttribute('aria-label', t('viewer.document.page', { page: p, pages: pdf.numPages }));
        el.appendChild(canvas);
        await pdfjs.drawPage(pdf, p, canvas, width);
        setState({ pages: p, error: '' });
      }
    })().catch((e) => !gone && setState((s) => ({ ...s, error: t('viewer.document.cannotShow', { error: (e as Error).message }) })));
    return () => {
      gone = true;
      el.replaceChildren();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [meta]);
  return (
    <section className="pdf-document" aria-label={text(meta, '00420010') || kindName('document')}>
      <h2>{text(meta, '00420010') || kindName('document')}</h2>
      {state.error && <div className="page-message error" role="alert">{state.error}</div>}
      <div ref={holder} className="pdf-pages" data-pages={state.pages} />
    </section>
  );
}
